"""An upstream whose 200 answer cannot be used (short body, broken or non-JSON body, a head cut by a
reset or a close, a body far past the gateway's limit): the client gets a 502 with the OpenAI error
envelope, nothing crashes, other connections are not stalled."""

import time

import pytest

from .checks import assert_error_envelope, assert_not_died, assert_survived, note, stall
from .rawclient import chat_body, exchange, request_bytes


def _chat(gw, behaviour: str, timeout: float = 10):
    response, problem, seconds = exchange(gw.port, request_bytes("POST", "/v1/chat/completions", chat_body(f"hostile/{behaviour}"),
                                                                 key=gw.api_key), timeout=timeout)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    return response, problem, seconds


@pytest.mark.parametrize("behaviour", ["content-length-short", "truncated-json", "malformed-json", "non-json"])
def test_unreadable_upstream_body_becomes_502(gw, probe, upstream, behaviour):
    response, problem, _ = _chat(gw, behaviour)
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 502, problem)
    assert_survived(gw, report)


@pytest.mark.parametrize("behaviour", ["reset-in-head", "close-in-head"])
def test_upstream_cut_in_the_middle_of_the_response_head_becomes_502(gw, probe, upstream, behaviour):
    response, problem, _ = _chat(gw, behaviour)
    report = stall(probe)
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 502, problem)
    assert_survived(gw, report)


def test_huge_upstream_body_becomes_502_without_exhausting_memory(gw, probe, upstream):
    """200 MB advertised (and sent as fast as the gateway reads) for a non-streaming chat."""
    before = gw.memory_mb()
    started = time.monotonic()
    response, problem, _ = _chat(gw, "huge", timeout=20)
    report = stall(probe)
    after = gw.memory_mb()
    served = upstream.served("huge", since=started)
    sent_mb = served[-1].bytes_sent / 2**20 if served else 0
    note("memory", f"RSS {before.get('VmRSS', 0):.0f} -> {after.get('VmRSS', 0):.0f} MB, "
                   f"peak {before.get('VmHWM', 0):.0f} -> {after.get('VmHWM', 0):.0f} MB; upstream sent {sent_mb:.0f} MB")
    assert_not_died(gw, response, problem)
    assert_error_envelope(response, 502, problem)
    # The gateway stops reading at its limit (64 MB): it must not take the whole 200 MB in, nor
    # hold anywhere near that much.
    assert sent_mb < 190, f"the gateway read {sent_mb:.0f} MB of a body it cannot use"
    peak_growth = after.get("VmHWM", 0) - before.get("VmHWM", 0)
    assert peak_growth < 320, f"peak RSS grew by {peak_growth:.0f} MB"
    assert_survived(gw, report)
