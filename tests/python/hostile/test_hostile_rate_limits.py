"""An upstream 429 with an absurd or malformed rate-limit hint: the client gets a 429 with the OpenAI
error envelope, any Retry-After the gateway sends is a plain non-negative integer, and the process
stays up (today `Retry-After: 1e30` — and other values past Int's range — crash it)."""

import pytest

from .checks import assert_error_envelope, assert_not_died, assert_plain_retry_after, assert_survived, note, stall
from .hostile_upstream import RATE_LIMIT_HEADERS
from .rawclient import chat_body, exchange, request_bytes


@pytest.mark.parametrize("behaviour", list(RATE_LIMIT_HEADERS), ids=lambda b: f"{b}")
def test_upstream_429_with_absurd_rate_limit_hint_is_passed_on_sanely(gw, probe, upstream, behaviour):
    note("upstream sends", RATE_LIMIT_HEADERS[behaviour])
    response, problem, seconds = exchange(gw.port, request_bytes("POST", "/v1/chat/completions", chat_body(f"hostile/{behaviour}"),
                                                                 key=gw.api_key), timeout=10)
    note("answer", f"{response.status if response else problem} after {seconds:.2f} s")
    report = stall(probe)
    assert_not_died(gw, response, problem)
    error = assert_error_envelope(response, 429, problem)
    assert error["type"] == "rate_limit_error", error
    assert_plain_retry_after(response)
    assert_survived(gw, report)
