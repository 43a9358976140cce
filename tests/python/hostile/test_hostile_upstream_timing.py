"""Upstreams that are slow, endless or that stop mid-stream, and clients that leave while an upstream
call is under way. The gateway here has first_byte_timeout 1.5 s and total_timeout 3 s (conftest)."""

import time

import pytest

from .checks import assert_error_envelope, assert_not_died, assert_survived, note, stall
from .rawclient import Closed, RawClient, chat_body, exchange, read_stream, request_bytes

FIRST_BYTE_TIMEOUT = 1.5
TOTAL_TIMEOUT = 3.0
# How late a timeout answer may come after the configured timeout.
SLACK = 1.0
# How soon the gateway must close its upstream connection once its client left.
CANCEL_WITHIN = 1.5


def test_silent_upstream_gets_504_at_the_first_byte_timeout(gw, probe, upstream):
    response, problem, seconds = exchange(gw.port, request_bytes("POST", "/v1/chat/completions", chat_body("hostile/silent"),
                                                                 key=gw.api_key), timeout=10)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 504, problem)
    assert seconds < FIRST_BYTE_TIMEOUT + SLACK, f"the 504 took {seconds:.2f} s (first-byte timeout {FIRST_BYTE_TIMEOUT} s)"
    assert_survived(gw, report)


@pytest.mark.parametrize("behaviour", ["drip-head", "drip-body"])
def test_upstream_dripping_one_byte_a_second_gets_504_within_the_total_timeout(gw, probe, upstream, behaviour):
    """One byte a second from the start (the head never completes: the first-byte timeout may apply),
    or after a prompt head (only the total timeout stops it)."""
    response, problem, seconds = exchange(gw.port, request_bytes("POST", "/v1/chat/completions", chat_body(f"hostile/{behaviour}"),
                                                                 key=gw.api_key), timeout=10)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 504, problem)
    assert seconds < TOTAL_TIMEOUT + SLACK, f"the 504 took {seconds:.2f} s (total timeout {TOTAL_TIMEOUT} s)"
    assert_survived(gw, report)


def test_endless_sse_stream_is_closed_upstream_when_the_client_leaves(gw, probe, upstream):
    started = time.monotonic()
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", "/v1/chat/completions", chat_body("hostile/sse-endless", stream=True), key=gw.api_key))
        status, _, _ = client.read_head(5)
        assert status == 200
        received = b""
        deadline = time.monotonic() + 3
        while received.count(b"tick") < 3 and time.monotonic() < deadline:
            client._fill(deadline)
            received += client.buffer
            client.buffer = b""
        assert received.count(b"tick") >= 3, f"the client received no chunks: {received[:300]!r}"
    left = time.monotonic()
    connections = upstream.served("sse-endless", since=started)
    assert connections, "the upstream saw no request"
    closed = upstream.wait_for_peer_close(connections[-1], timeout=TOTAL_TIMEOUT + 1)
    delay = None if closed is None else closed - left
    note("upstream closed after client left", "never" if delay is None else f"{delay * 1000:.0f} ms")
    report = stall(probe)
    assert delay is not None and delay < CANCEL_WITHIN, (
        f"the gateway kept the upstream stream open {'for good' if delay is None else f'{delay:.2f} s'} after its client left")
    assert_survived(gw, report)


@pytest.mark.parametrize("behaviour", ["sse-truncated", "sse-malformed"])
def test_broken_sse_stream_ends_with_an_error_or_a_closed_connection(gw, probe, upstream, behaviour):
    """A stream that stops without [DONE], or carries events that are not JSON: the client must not
    see a clean, complete stream: either an error event or a cut connection."""
    try:
        with RawClient(gw.port) as client:
            client.send(request_bytes("POST", "/v1/chat/completions", chat_body(f"hostile/{behaviour}", stream=True), key=gw.api_key))
            outcome = read_stream(client, timeout=10)
    except (Closed, TimeoutError) as error:
        outcome = None
        note("client saw", f"no answer head ({type(error).__name__})")
    if outcome is not None:
        note("client saw", outcome.describe() + (f", error events: {outcome.error_events}" if outcome.error_events else ""))
    report = stall(probe)
    assert_not_died(gw, outcome, "no answer")
    if outcome.status != 200:
        pass  # an error answer before the stream started is fine too
    else:
        assert outcome.closed or outcome.error_events, f"the client saw a clean stream end without any error: {outcome.describe()}"
        if behaviour == "sse-truncated":
            assert not outcome.done, "the gateway made up a [DONE] the upstream never sent"
    assert_survived(gw, report)


def test_client_that_disconnects_cancels_the_upstream_call(gw, probe, upstream):
    """Non-streaming chat against an upstream that trickles its answer over 2.5 s (never idle, so no
    timeout of the gateway's ends it early): the client leaves after 0.3 s; the gateway must close
    its upstream connection (the upstream sees EOF) instead of reading the answer to its end."""
    started = time.monotonic()
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", "/v1/chat/completions", chat_body("hostile/trickle-2500"), key=gw.api_key))
        connections = upstream.wait_for_request("trickle-2500", since=started, timeout=3)
        time.sleep(0.3)
    left = time.monotonic()
    assert connections, "the upstream saw no request"
    closed = upstream.wait_for_peer_close(connections[-1], timeout=3)
    delay = None if closed is None else closed - left
    note("upstream closed after client left", "never (the answer was read to its end)" if delay is None else f"{delay * 1000:.0f} ms")
    report = stall(probe)
    assert delay is not None and delay < CANCEL_WITHIN, (
        f"the upstream call went on {'to its end' if delay is None else f'for {delay:.2f} s'} after the client disconnected")
    assert_survived(gw, report)
