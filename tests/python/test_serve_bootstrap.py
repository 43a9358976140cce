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
