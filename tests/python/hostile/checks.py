"""Assertions shared by the hostile-peer tests, and the record of what each test measured (printed
in the terminal summary by conftest.py)."""

from __future__ import annotations

import json
import os
import re
import time

from .rawclient import RawResponse
from .stallprobe import StallReport

# Largest stall a hostile peer may add to another client's `GET /healthz`.
MAX_ADDED_STALL_MS = 100.0

# test id -> measurements, in the order tests ran.
RESULTS: dict[str, dict] = {}


def current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0].split("::")[-1]


def note(key: str, value) -> None:
    """Records a measurement for the summary table (and prints it, for the captured output)."""
    RESULTS.setdefault(current_test(), {})[key] = value
    print(f"[hostile] {key}: {value}")


def stall(probe) -> StallReport:
    """Stops the probe; prints its figures (the terminal summary lists them for every test)."""
    report = probe.stop()
    print(f"[hostile] {report}")
    return report


def assert_not_died(gateway, response: RawResponse | None = None, problem: str | None = None) -> None:
    """When there was no answer, tells a dead process apart from a refused connection (waiting a
    moment for the exit to be visible)."""
    if response is not None:
        return
    deadline = time.monotonic() + 1.0
    while gateway.alive and time.monotonic() < deadline:
        time.sleep(0.02)
    if not gateway.alive:
        note("process", f"died (exit code {gateway.returncode})")
    assert gateway.alive, (f"the gateway process died (exit code {gateway.returncode}) instead of answering ({problem}); "
                           f"log:\n{gateway.crash_summary()}")


def assert_error_envelope(response: RawResponse | None, status: int | tuple[int, ...], problem: str | None = None) -> dict:
    """The answer has the expected status and the OpenAI error envelope {"error": {message, type, code}}."""
    statuses = (status,) if isinstance(status, int) else status
    assert response is not None, f"expected HTTP {'/'.join(map(str, statuses))}, got no answer: {problem}"
    assert response.status in statuses, f"expected HTTP {'/'.join(map(str, statuses))}, got {response!r}"
    try:
        body = json.loads(response.body)
    except ValueError:
        raise AssertionError(f"the {response.status} answer is not JSON: {response.body[:300]!r}") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"no error envelope: {body!r}"
    for key in ("message", "type", "code"):
        assert isinstance(error.get(key), str) and error[key], f"error envelope without a string {key!r}: {body!r}"
    return error


def assert_plain_retry_after(response: RawResponse) -> None:
    """Any Retry-After the gateway sends is delay-seconds: a plain non-negative integer (RFC 9110 §10.2.3)."""
    values = [value for name, value in response.headers if name.lower() == "retry-after"]
    note("retry-after sent", values[0] if values else None)
    assert len(values) <= 1, f"several Retry-After headers: {values}"
    for value in values:
        assert re.fullmatch(r"[0-9]+", value), f"Retry-After is not a plain non-negative integer: {value!r}"


def assert_survived(gateway, report: StallReport) -> None:
    """The process is still up, and the other connection's health checks were not stalled."""
    assert gateway.alive, f"the gateway process died (exit code {gateway.returncode}); log:\n{gateway.crash_summary()}"
    assert not report.failures, f"the health probe failed during the attack: {report}"
    assert report.max_added_ms < MAX_ADDED_STALL_MS, f"another connection was stalled: {report}"
