"""A `kill -9` of the gateway under load loses no usage record of an answer the client received
(issue 12, decisions/0011). A real `gatewyse serve` on SQLite takes chat requests (plain and
streamed) from several threads through the official OpenAI SDK, is killed with SIGKILL in the
middle, and is started again on the same data directory; it replays its journal before serving.

The rule the test pins, exactly:
- every request whose answer the client received complete has exactly one row;
- a request the kill cut (the client saw a connection error) may have one row — the gateway had
  completed it and journaled its record, only the last bytes did not reach the client — or
  none, when the kill came before its completion event;
- no other row exists, and none is counted twice.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import openai
import pytest

import usage_rows
from conftest import MOCK_KEY, _binary, _start, _stop

THREADS = 8
LOAD_SECONDS = 2.0


def _write_config(work, mock_url: str) -> None:
    (work / "gatewyse.yaml").write_text(f"""\
server:
  host: 127.0.0.1
database: sqlite:{work}/data/gatewyse.sqlite
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {mock_url}/v1
    allow_private_network: true
models:
  - name: mock-chat
    targets:
      - provider: mock
        model: mock-chat
tenants:
  - id: acme
    api_keys:
      - name: load
        key: ${{GATEWAY_KEY}}
""")


def _rows(database: str) -> list[tuple[str, int, str]]:
    return [(record["request_id"], record["status"], record["outcome"]) for record in usage_rows.records(database)]


def test_kill_9_under_load_loses_no_record_of_a_received_answer(gateway, tmp_path):
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    api_key = "aigw_sk_" + os.urandom(24).hex()
    _write_config(tmp_path, gateway.mock_url)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update({"LOG_LEVEL": "warning", "MOCK_KEY": MOCK_KEY, "GATEWAY_KEY": api_key,
                "SUPER_ADMIN_EMAIL": "root@usage.test", "SUPER_ADMIN_PASSWORD": "Usage-Crash-Pass-1!"})
    command = lambda port: [str(binary), "serve", "--config", str(tmp_path / "gatewyse.yaml"), "--port", str(port)]  # noqa: E731

    process, port = _start("usage-crash-a", command, "/healthz", env, tmp_path)
    succeeded: set[str] = set()
    cut: set[str] = set()
    attempted: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def load(worker: int) -> None:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=api_key, max_retries=0, timeout=10)
        n = 0
        while not stop.is_set():
            n += 1
            request_id = f"crash-{worker}-{n}"
            streamed = n % 3 == 0
            with lock:
                attempted.add(request_id)
            try:
                if streamed:
                    stream = client.chat.completions.create(
                        model="mock-chat", messages=[{"role": "user", "content": f"count {n}"}], stream=True,
                        extra_headers={"X-Request-ID": request_id})
                    finished = False
                    for chunk in stream:
                        if chunk.choices and chunk.choices[0].finish_reason:
                            finished = True
                    # The SDK ends the iteration at `[DONE]`; a cut stream raises instead.
                    assert finished
                else:
                    answer = client.chat.completions.create(
                        model="mock-chat", messages=[{"role": "user", "content": f"count {n}"}],
                        extra_headers={"X-Request-ID": request_id})
                    assert answer.choices[0].message.content
                with lock:
                    succeeded.add(request_id)
            except (openai.APIConnectionError, openai.APITimeoutError, openai.APIError, AssertionError):
                with lock:
                    cut.add(request_id)
                if stop.is_set() or process.poll() is not None:
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(LOAD_SECONDS)
        # Mid-load, and (with the default 1 s flush) with records still only in the journal.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    finally:
        stop.set()
        _stop(process)
    assert len(succeeded) >= 50, f"too little load before the kill: {len(succeeded)} answers"
    assert cut, "the kill cut no request: it did not land mid-load"

    database = str(tmp_path / "data" / "gatewyse.sqlite")
    restarted, _ = _start("usage-crash-b", command, "/healthz", env, tmp_path)
    try:
        # The journal is replayed before the server answers its health check.
        rows = _rows(database)
    finally:
        _stop(restarted)
    ids = [request_id for request_id, _, _ in rows]
    assert len(ids) == len(set(ids)), "a record was counted twice"
    recorded = set(ids)
    missing = succeeded - recorded
    assert not missing, f"{len(missing)} answers the client received have no usage row: {sorted(missing)[:10]}"
    assert recorded <= attempted, f"rows for requests never sent: {sorted(recorded - attempted)[:10]}"
    assert recorded - succeeded <= cut
    statuses = {request_id: status for request_id, status, _ in rows}
    assert all(statuses[request_id] == 200 for request_id in succeeded)
    # After the graceful stop, the journal holds nothing the store lacks: no segment with lines.
    journal = tmp_path / "data" / "usage-journal"
    leftover = [p for p in journal.glob("*.journal") if p.stat().st_size > 0]
    assert not leftover, f"segments left after a graceful stop: {leftover}"
    print(f"usage crash test: {len(succeeded)} answers received, {len(cut)} cut by the kill, "
          f"{len(recorded - succeeded)} of those recorded, {len(recorded)} rows")
