"""Clients that hold connections open without finishing anything: slowloris heads, bodies that never
end or trickle, idle keep-alive connections. They run against a gateway with server.header_timeout_ms,
server.body_timeout_ms and server.idle_timeout_ms set small (hostile_settings.py); those keys are
being implemented: until they are, the configuration is refused and these tests error at setup."""

import select
import time

import pytest

from .checks import assert_error_envelope, assert_survived, note, stall
from .hostile_settings import BODY_TIMEOUT_MS, HEADER_TIMEOUT_MS, IDLE_TIMEOUT_MS, TIMEOUT_SETTINGS
from .rawclient import RawClient, RawResponse, chat_body, request_bytes

SLACK = 1.0
CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def timeouts_gateway(gateway_factory):
    gateway = gateway_factory("client-timeouts", TIMEOUT_SETTINGS)
    yield gateway
    gateway.stop()


@pytest.fixture
def gw(timeouts_gateway, request):
    timeouts_gateway.ensure_running(before=request.node.nodeid)
    yield timeouts_gateway
    timeouts_gateway.note_death(during=request.node.nodeid)


def _trickle_until_closed(client: RawClient, data: bytes, every: float, limit: float) -> tuple[float | None, bytes]:
    """Sends `data` one byte every `every` seconds until the server closes the connection (returns
    the seconds that took, and whatever the server sent) or `limit` seconds pass (None)."""
    started = time.monotonic()
    answer = b""
    index = 0
    while time.monotonic() - started < limit:
        if index < len(data):
            if not client.send(data[index:index + 1]):
                return time.monotonic() - started, answer
            index += 1
        readable, _, _ = select.select([client.sock], [], [], every)
        if readable:
            try:
                chunk = client.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return time.monotonic() - started, answer
            answer += chunk
    return None, answer


def test_slowloris_head_is_closed_at_the_header_timeout(gw, probe):
    """Headers one byte every 200 ms, never finished."""
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
    limit = HEADER_TIMEOUT_MS / 1000 + SLACK
    with RawClient(gw.port) as client:
        closed_after, answer = _trickle_until_closed(client, head, 0.2, limit + 2)
    note("connection", f"closed after {closed_after:.2f} s" if closed_after is not None else f"still open after {limit + 2:.1f} s")
    if answer:
        note("server sent", answer[:120])
    report = stall(probe)
    assert gw.alive, f"the gateway process died (exit code {gw.returncode})"
    assert closed_after is not None and closed_after < limit, (
        f"slowloris connection not closed within {limit:.1f} s (header timeout {HEADER_TIMEOUT_MS} ms): "
        f"{'still open' if closed_after is None else f'{closed_after:.2f} s'}")
    assert_survived(gw, report)


@pytest.mark.parametrize("trickle", [False, True], ids=["body-stops-after-10-bytes", "body-one-byte-every-100ms"])
def test_unfinished_body_gets_408_or_close_at_the_body_timeout(gw, probe, trickle):
    """Content-Length: 1000, then 10 bytes and silence, or one byte every 100 ms (the whole body must
    arrive within the body timeout, however steadily it trickles)."""
    limit = BODY_TIMEOUT_MS / 1000 + SLACK
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", CHAT, b"", key=gw.api_key, content_length=1000) + b'{"model":"')
        seconds, raw = _trickle_until_closed(client, b"x" * 990 if trickle else b"", 0.1, limit + 2)
    note("connection", f"closed after {seconds:.2f} s" if seconds is not None else f"still open after {limit + 2:.1f} s")
    if raw:
        note("server sent", raw[:160])
    report = stall(probe)
    assert gw.alive, f"the gateway process died (exit code {gw.returncode})"
    assert seconds is not None and seconds < limit, (
        f"unfinished body not refused within {limit:.1f} s (body timeout {BODY_TIMEOUT_MS} ms): "
        f"{'still open' if seconds is None else f'{seconds:.2f} s'}")
    if raw:
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else None
        assert status == 408, f"expected 408 before the close, got {raw[:200]!r}"
        assert_error_envelope(RawResponse(408, "", [], body), 408)
    assert_survived(gw, report)


def test_idle_keep_alive_connection_is_closed_at_the_idle_timeout(gw, probe):
    limit = IDLE_TIMEOUT_MS / 1000 + SLACK
    with RawClient(gw.port) as client:
        client.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.read_response(3, method="GET").status == 200
        answered = time.monotonic()
        closed = client.wait_closed(limit + 2)
    seconds = None if closed is None else closed - answered
    note("idle connection", f"closed after {seconds:.2f} s" if seconds is not None else f"still open after {limit + 2:.1f} s")
    report = stall(probe)
    assert gw.alive, f"the gateway process died (exit code {gw.returncode})"
    assert seconds is not None and seconds < limit, f"idle connection not closed within {limit:.1f} s (idle timeout {IDLE_TIMEOUT_MS} ms)"
    # Not before the idle timeout either: a keep-alive client between two requests is not a slowloris.
    assert seconds > IDLE_TIMEOUT_MS / 1000 * 0.8, f"idle connection closed already after {seconds:.2f} s"
    assert_survived(gw, report)


def test_client_that_stops_reading_a_stream_is_cut_at_the_idle_timeout(gw, probe, upstream):
    """A streamed answer the client stops taking: once the socket buffers are full, the gateway's
    write waits, and after the idle timeout the connection is closed (and the upstream call with
    it). Without that deadline the stream would sit blocked for good, holding both connections."""
    started = time.monotonic()
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", CHAT, chat_body("hostile/sse-flood", stream=True), key=gw.api_key))
        status, _, _ = client.read_head(5)
        assert status == 200
        # Not a byte more is read until well past the idle timeout.
        time.sleep(IDLE_TIMEOUT_MS / 1000 + SLACK)
        # Reading again drains what the kernel holds; a gateway that closed the connection at its
        # deadline is then seen to have closed it. One that did not would go on writing (or sit
        # idle after the answer) for at least another idle timeout.
        closed = client.wait_closed(1.0)
    note("stopped reader", "closed by the gateway" if closed is not None else "still open")
    connections = upstream.served("sse-flood", since=started)
    upstream_closed = upstream.wait_for_peer_close(connections[-1], timeout=3) if connections else None
    note("upstream", "closed" if upstream_closed is not None else "still open")
    report = stall(probe)
    assert closed is not None, f"the gateway kept a stream its client stopped reading open past the idle timeout ({IDLE_TIMEOUT_MS} ms)"
    assert connections and upstream_closed is not None, "the upstream call was not ended with the client's connection"
    assert_survived(gw, report)

