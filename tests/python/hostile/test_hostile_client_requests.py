"""Misbehaving clients, one request each: bodies past the limit, hostile JSON, header floods,
pipelined garbage. Each gets its documented answer quickly, and nobody else is stalled. The gateway
here has server.max_body_bytes = 4 MiB (conftest)."""

import time

import pytest

from .checks import assert_error_envelope, assert_not_died, assert_survived, note, stall
from .hostile_settings import MAIN_SETTINGS
from .rawclient import Closed, RawClient, chat_body, exchange, request_bytes

MAX_BODY = MAIN_SETTINGS["server"]["max_body_bytes"]
CHAT = "/v1/chat/completions"


@pytest.mark.parametrize("key_kind, expected", [("valid", 413), ("invalid", 401)], ids=["valid-key-413", "invalid-key-401"])
def test_content_length_over_the_limit_is_refused_before_the_body_is_sent(gw, probe, key_kind, expected):
    key = gw.api_key if key_kind == "valid" else "aigw_sk_" + "0" * 48
    started = time.monotonic()
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", CHAT, b"", key=key, content_length=100 * 2**20))
        try:
            response, problem = client.read_response(1.0), None
        except TimeoutError:
            response, problem = None, "no answer within 1 s while the client holds the body back"
        except Closed:
            response, problem = None, "connection closed without an answer"
    note("answer", f"{response.status if response else problem} after {time.monotonic() - started:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, expected, problem)
    assert_survived(gw, report)


@pytest.mark.parametrize("body", [
    b"[" * 100_000,
    b'{"model":"hostile/ok","messages":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
], ids=["bare-100k-brackets", "100k-brackets-in-messages"])
def test_deeply_nested_json_gets_400_quickly(gw, probe, upstream, body):
    response, problem, seconds = exchange(gw.port, request_bytes("POST", CHAT, body, key=gw.api_key), timeout=10)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 400, problem)
    assert seconds < 1.0, f"the 400 took {seconds:.2f} s"
    assert_survived(gw, report)


def test_invalid_utf8_in_a_json_string_gets_400(gw, probe, upstream):
    body = b'{"model":"hostile/ok","messages":[{"role":"user","content":"bad \xff\xfe\xc3 bytes"}]}'
    response, problem, seconds = exchange(gw.port, request_bytes("POST", CHAT, body, key=gw.api_key), timeout=10)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 400, problem)
    assert_survived(gw, report)


@pytest.mark.parametrize("headers", [
    [(f"X-Flood-{i}", "v") for i in range(10_000)],
    [("X-Big", "a" * 2**20)],
], ids=["ten-thousand-headers", "one-megabyte-header"])
def test_header_flood_is_refused_or_closed(gw, probe, headers):
    """Sent to GET /healthz: a 2xx would mean the flood was accepted whole."""
    data = request_bytes("GET", "/healthz", headers=headers)
    started = time.monotonic()
    outcome = None
    with RawClient(gw.port) as client:
        sent = client.send(data)
        try:
            response = client.read_response(3, method="GET")
            outcome = f"HTTP {response.status}"
        except Closed:
            response, outcome = None, "connection closed"
        except TimeoutError:
            response, outcome = None, "no answer and still open after 3 s"
    note("answer", f"{outcome} after {time.monotonic() - started:.2f} s (request {len(data) / 1024:.0f} KB, "
                   f"{'sent whole' if sent else 'send cut off'})")
    report = stall(probe)
    assert gw.alive, f"the gateway process died (exit code {gw.returncode})"
    assert outcome == "connection closed" or (response is not None and response.status in (400, 413, 431)), outcome
    assert_survived(gw, report)


@pytest.mark.parametrize("first", ["chat", "health"])
def test_pipelined_garbage_after_a_valid_request_gets_the_answer_then_400_and_close(gw, probe, upstream, first):
    if first == "chat":
        valid, method = request_bytes("POST", CHAT, chat_body("hostile/ok"), key=gw.api_key), "POST"
    else:
        valid, method = request_bytes("GET", "/healthz"), "GET"
    seen = []
    with RawClient(gw.port) as client:
        client.send(valid + b"THIS IS NOT HTTP \x00\x01\x02\r\n\r\n")
        try:
            answer = client.read_response(5, method=method)
            seen.append(answer.status)
            second = client.read_response(3)
            seen.append(second.status)
            closed = client.wait_closed(2)
            seen.append("closed" if closed else "left open")
        except Closed:
            seen.append("closed")
        except TimeoutError:
            seen.append("timeout")
    note("client saw", " -> ".join(map(str, seen)))
    report = stall(probe)
    assert gw.alive, f"the gateway process died (exit code {gw.returncode})"
    assert seen == [200, 400, "closed"], f"expected 200 -> 400 -> closed, saw {seen}"
    assert_survived(gw, report)
