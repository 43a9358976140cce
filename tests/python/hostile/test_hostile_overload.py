"""Admission control: with server.max_in_flight = 2 (being implemented; until it is, the configuration
is refused and this test errors at setup), a third concurrent chat is refused at once with 503
OVERLOADED and a Retry-After, while the two in flight complete normally."""

import re
import threading
import time

import pytest

from .checks import assert_error_envelope, assert_survived, note, stall
from .hostile_settings import IN_FLIGHT_SETTINGS, MAX_IN_FLIGHT
from .rawclient import chat_body, exchange, request_bytes

CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def in_flight_gateway(gateway_factory):
    gateway = gateway_factory("max-in-flight", IN_FLIGHT_SETTINGS)
    yield gateway
    gateway.stop()


@pytest.fixture
def gw(in_flight_gateway, request):
    in_flight_gateway.ensure_running(before=request.node.nodeid)
    yield in_flight_gateway
    in_flight_gateway.note_death(during=request.node.nodeid)


def test_request_past_max_in_flight_gets_503_overloaded_with_retry_after(gw, probe, upstream):
    started = time.monotonic()
    slow = request_bytes("POST", CHAT, chat_body("hostile/slow-1000"), key=gw.api_key)
    results = [None] * MAX_IN_FLIGHT

    def occupy(i):
        results[i] = exchange(gw.port, slow, timeout=10)
    threads = [threading.Thread(target=occupy, args=(i,)) for i in range(MAX_IN_FLIGHT)]
    for thread in threads:
        thread.start()
    seen = upstream.wait_for_request("slow-1000", since=started, count=MAX_IN_FLIGHT, timeout=3)
    assert len(seen) >= MAX_IN_FLIGHT, f"only {len(seen)} of the {MAX_IN_FLIGHT} slow requests reached the upstream"
    response, problem, seconds = exchange(gw.port, request_bytes("POST", CHAT, chat_body("hostile/ok"), key=gw.api_key), timeout=5)
    note("third request", f"{response.status if response else problem} after {seconds:.2f} s")
    for thread in threads:
        thread.join(12)
    note("in-flight requests", [r[0].status if r and r[0] else (r[1] if r else None) for r in results])
    report = stall(probe)
    assert gw.alive, f"the gateway process died (exit code {gw.returncode})"
    error = assert_error_envelope(response, 503, problem)
    assert error["code"] == "OVERLOADED", error
    retry_after = response.header("retry-after")
    assert retry_after is not None and re.fullmatch(r"[0-9]+", retry_after), f"Retry-After: {retry_after!r}"
    assert seconds < 0.5, f"the 503 took {seconds:.2f} s: refusing must not wait for a slot"
    assert all(r and r[0] and r[0].status == 200 for r in results), f"the requests in flight did not complete: {results}"
    assert_survived(gw, report)
