"""Graceful shutdown of a real `gatewyse serve` (issue 14 item 4, decisions/0015), with the mock
upstream streaming slowly (50 pieces, one every 100 ms):

- SIGTERM during 64 open streams: `/readyz` answers 503 at once while the listener still
  accepts (`server.shutdown_delay_ms`), then new connections are refused; every stream
  completes within the drain deadline; the process exits 0; and the usage table has a row for
  every stream the client saw complete (the usage queue was flushed before exit);
- past `server.drain_timeout_ms`, streams still open end with a clean in-band `SHUTTING_DOWN`
  error event, and the process still exits 0;
- a second signal ends the process at once.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time

import openai
import requests

import usage_rows
from conftest import MOCK_KEY, _binary, _start, _stop, free_port

GATEWAY_KEY = "aigw_sk_" + os.urandom(24).hex()


def _serve(gateway, work, name: str, shutdown_delay_ms: int, drain_timeout_ms: int, metrics_port: int | None = None):
    metrics = f"metrics:\n  port: {metrics_port}\n" if metrics_port else ""
    (work / "gatewyse.yaml").write_text(metrics + f"""\
server:
  host: 127.0.0.1
  shutdown_delay_ms: {shutdown_delay_ms}
  drain_timeout_ms: {drain_timeout_ms}
database: sqlite:{work}/data/gatewyse.sqlite
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {gateway.mock_url}/v1
    allow_private_network: true
models:
  - name: slow
    targets:
      - provider: mock
        model: slow-stream
tenants:
  - id: acme
    api_keys:
      - name: drain
        key: ${{GATEWAY_KEY}}
""")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update({"LOG_LEVEL": "warning", "MOCK_KEY": MOCK_KEY, "GATEWAY_KEY": GATEWAY_KEY,
                "SUPER_ADMIN_EMAIL": "root@drain.test", "SUPER_ADMIN_PASSWORD": "Drain-Test-Pass-1!"})
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    return _start(name, lambda port: [str(binary), "serve", "--config", str(work / "gatewyse.yaml"), "--port", str(port)],
                  "/healthz", env, work)


class Streams:
    """`count` streams on their own threads; records how each ended."""

    def __init__(self, port: int, count: int, prefix: str):
        self.started = threading.Semaphore(0)
        self.completed: set[str] = set()
        self.errors: dict[str, str] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(port, f"{prefix}-{i}"), daemon=True) for i in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self, port: int, request_id: str) -> None:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=GATEWAY_KEY, max_retries=0, timeout=60)
        signalled = False
        try:
            stream = client.chat.completions.create(model="slow", messages=[{"role": "user", "content": "go"}], stream=True,
                                                    extra_headers={"X-Request-ID": request_id})
            finished = False
            for chunk in stream:
                if not signalled:
                    self.started.release()
                    signalled = True
                if chunk.choices and chunk.choices[0].finish_reason:
                    finished = True
            with self.lock:
                if finished:
                    self.completed.add(request_id)
                else:
                    self.errors[request_id] = "ended without a finish"
        except Exception as error:  # noqa: BLE001 — every way a stream can end is recorded
            with self.lock:
                self.errors[request_id] = f"{type(error).__name__}: {error}"
        finally:
            if not signalled:
                self.started.release()

    def wait_started(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for _ in self.threads:
            assert self.started.acquire(timeout=max(0.1, deadline - time.monotonic())), "the streams did not start"

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self.threads), "a stream was still open"


def _rows(database: str) -> dict[str, tuple[int, str]]:
    return {record["request_id"]: (record["status"], record["outcome"]) for record in usage_rows.records(database)}


def test_sigterm_during_64_streams_drains_them_all(gateway, tmp_path):
    metrics_port = free_port()
    process, port = _serve(gateway, tmp_path, "drain-64", shutdown_delay_ms=1500, drain_timeout_ms=20000, metrics_port=metrics_port)
    url = f"http://127.0.0.1:{port}"
    try:
        assert requests.get(f"{url}/readyz", timeout=5).status_code == 200
        streams = Streams(port, 64, "drain")
        streams.wait_started()
        assert not streams.errors, streams.errors
        signalled_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        # Not ready at once, while the listener still takes connections.
        ready = None
        while time.monotonic() - signalled_at < 1.0:
            ready = requests.get(f"{url}/readyz", timeout=5)
            if ready.status_code == 503:
                break
            time.sleep(0.02)
        assert ready is not None and ready.status_code == 503, "readyz did not turn 503 after SIGTERM"
        assert ready.json()["reason"] == "shutting down"
        # Once the delay is over, the listener is closed: new connections are refused.
        time.sleep(max(0.0, signalled_at + 2.0 - time.monotonic()))
        refused = False
        try:
            requests.get(f"{url}/healthz", timeout=2)
        except requests.ConnectionError:
            refused = True
        assert refused, "a new connection was accepted during the drain"
        assert process.poll() is None, "the process exited before its streams finished"
        # The separate metrics listener outlives the main one's drain: the drain can be watched.
        scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert "\ngatewyse_draining 1.0\n" in scraped or "\ngatewyse_draining 1\n" in scraped, scraped[-2000:]
        open_streams = float(re.search(r"^gatewyse_open_streams (\S+)$", scraped, re.M).group(1))
        assert 0 < open_streams <= 64
        streams.join(timeout=30)
        assert process.wait(timeout=30) == 0
        elapsed = time.monotonic() - signalled_at
    finally:
        _stop(process)
    assert not streams.errors, f"{len(streams.errors)} streams failed: {list(streams.errors.items())[:3]}"
    assert len(streams.completed) == 64
    assert elapsed < 1.5 + 20, elapsed
    rows = _rows(str(tmp_path / "data" / "gatewyse.sqlite"))
    missing = streams.completed - set(rows)
    assert not missing, f"{len(missing)} completed streams have no usage row: {sorted(missing)[:5]}"
    assert all(rows[rid][0] == 200 for rid in streams.completed)


def test_streams_past_the_drain_deadline_end_with_an_error_event(gateway, tmp_path):
    process, port = _serve(gateway, tmp_path, "drain-deadline", shutdown_delay_ms=0, drain_timeout_ms=1000)
    try:
        streams = Streams(port, 8, "deadline")
        streams.wait_started()
        signalled_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        streams.join(timeout=15)
        assert process.wait(timeout=30) == 0
        elapsed = time.monotonic() - signalled_at
    finally:
        _stop(process)
    assert not streams.completed, "a 5-second stream completed within a 1-second drain"
    assert len(streams.errors) == 8
    for error in streams.errors.values():
        # The OpenAI SDK raises the in-band `data: {"error": …}` event as an APIError.
        assert "APIError" in error and "shutting down" in error, error
    assert elapsed < 1.0 + 5, elapsed
    rows = _rows(str(tmp_path / "data" / "gatewyse.sqlite"))
    assert {rid for rid in rows if rid.startswith("deadline-")} == set(streams.errors)


def test_a_second_signal_exits_at_once(gateway, tmp_path):
    process, port = _serve(gateway, tmp_path, "drain-twice", shutdown_delay_ms=0, drain_timeout_ms=30000)
    try:
        streams = Streams(port, 4, "twice")
        streams.wait_started()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert process.poll() is None, "the first signal did not wait for the open streams"
        second = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=5)
        assert time.monotonic() - second < 2
        assert code == 143
        streams.join(timeout=10)
    finally:
        _stop(process)
    assert len(streams.errors) == 4
