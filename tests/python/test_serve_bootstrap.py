"""`gatewyse serve` with no key anywhere mints a first key and prints it: that key must work, on
the SQLite default and on `--database memory:` alike (an in-memory store exists once per process,
so the key has to be minted in the store that then serves)."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
import requests

from conftest import _binary, _stop, free_port


def _serve(tmp_path, *extra: str) -> tuple[subprocess.Popen, int, str]:
    gateway_bin = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    log = tmp_path / "serve.log"
    out = open(log, "wb")
    process = subprocess.Popen([str(gateway_bin), "serve", "--port", str(port), *extra], stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env, cwd=tmp_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        match = re.search(r"OPENAI_API_KEY=(aigw_sk_\w+)", log.read_text(errors="replace"))
        if match:
            return process, port, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    _stop(process)
    pytest.fail(f"no bootstrap key printed:\n{log.read_text(errors='replace')}")


@pytest.mark.parametrize("database", [["--database", "memory:"], []], ids=["memory", "sqlite-default"])
def test_the_printed_bootstrap_key_is_accepted(tmp_path, database):
    process, port, key = _serve(tmp_path, *database)
    try:
        session = requests.Session()
        session.trust_env = False
        answer = session.get(f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=5)
        assert answer.status_code == 200, answer.text
        refused = session.get(f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": "Bearer aigw_sk_" + "0" * 48}, timeout=5)
        assert refused.status_code == 401
    finally:
        _stop(process)


def test_ready_once_a_provider_is_added_through_the_admin_api(tmp_path, monkeypatch):
    """A gateway started with no provider is not ready (a load balancer must not send it
    traffic); one added through the admin API, as the dashboard does, makes it ready, like a
    configured one."""
    monkeypatch.setenv("SUPER_ADMIN_EMAIL", "root@ready.test")
    monkeypatch.setenv("SUPER_ADMIN_PASSWORD", "Ready-Test-Pass-1!")
    process, port, _ = _serve(tmp_path, "--database", "memory:")
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        session.trust_env = False
        waiting = session.get(f"{base}/readyz", timeout=5)
        assert waiting.status_code == 503 and "no provider" in waiting.text, waiting.text
        token = session.post(f"{base}/api/auth/login", json={"email": "root@ready.test", "password": "Ready-Test-Pass-1!"},
                             timeout=5).json()["accessToken"]
        added = session.post(f"{base}/api/admin/providers", headers={"Authorization": f"Bearer {token}"}, timeout=5,
                             json={"id": "shared-openai", "type": "openai", "apiKey": "sk-ready-test", "models": ["gpt-4o-mini"]})
        assert added.status_code == 201, added.text
        deadline = time.monotonic() + 2
        while (ready := session.get(f"{base}/readyz", timeout=5)).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.status_code == 200 and ready.json()["providers"] == 1, ready.text
    finally:
        _stop(process)
