"""100k distinct keys in a 1 MB body: refused (400) or passed upstream (200) within a second. Today the
parser checks each key against every earlier one (quadratic), which keeps the connection's event loop
busy for a long time (minutes in a debug build) and stalls every other connection on that loop — so
this test has a module, and thus a gateway, of its own: the gateway is stopped afterwards."""

from .checks import assert_error_envelope, assert_not_died, assert_survived, note, stall
from .rawclient import chat_body, exchange, request_bytes

# How long the client waits for the answer that should take under a second.
WAIT = 5.0


# Built once, before the stall probe starts: the probe's threads share this process's interpreter
# lock, so making a megabyte here during the attack would be measured as the gateway stalling.
BODY = chat_body("hostile/ok")[:-1] + b"," + ",".join(f'"k{i:06d}":0' for i in range(100_000)).encode() + b"}"


def test_hundred_thousand_distinct_keys_are_handled_within_a_second(gw, probe, upstream):
    body = BODY
    note("body", f"{len(body) / 2**20:.2f} MB")
    response, problem, seconds = exchange(gw.port, request_bytes("POST", "/v1/chat/completions", body, key=gw.api_key), timeout=WAIT)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert response is not None, problem
    assert response.status in (200, 400), response
    if response.status == 400:
        assert_error_envelope(response, 400)
    assert seconds < 1.0, f"took {seconds:.2f} s"
    assert_survived(gw, report)
