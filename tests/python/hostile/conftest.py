"""Hostile-peer suite (issue 10 item 7): the real `gatewyse` binary in front of a misbehaving upstream
(`hostile_upstream.py`), attacked by misbehaving clients (`rawclient.py`), while a probe on another
keep-alive connection measures how long `GET /healthz` stalls (`stallprobe.py`).

Fixtures:
- `upstream`: the hostile upstream, one for the session.
- `gw`: the gateway under test, module-scoped (a module may override `gw` to use other settings,
  see `gateway_factory`); restarted before a test when an earlier test killed it.
- `probe`: a started stall probe against `gw`; teardown records its figures for the summary.

Everything listens on 127.0.0.1. The binary comes from GATEWYSE_BIN (default .build/debug/gatewyse):

    GATEWYSE_BIN=/path/to/gatewyse .venv/bin/python -m pytest tests/python/hostile -q

The terminal summary lists, for every test, the largest stall the probe saw (limit: 100 ms added
to the baseline), what the test measured, and any gateway crash with its fatal-error line.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import socket
import subprocess
import time

import pytest

from .checks import RESULTS
from .hostile_settings import MAIN_SETTINGS
from .hostile_upstream import HostileUpstream
from .rawclient import Closed, RawClient
from .stallprobe import StallProbe

REPO = pathlib.Path(__file__).resolve().parents[3]
UPSTREAM_KEY = "sk-hostile-upstream-key-123456"
START_TIMEOUT = 20.0

# Process deaths seen by `gw` (test that ran before the restart, exit code, log tail).
CRASHES: list[tuple[str, int | None, str]] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _yaml_block(settings: dict) -> str:
    lines = []
    for section, values in settings.items():
        lines.append(f"{section}:")
        if section == "server":
            lines.append("  host: 127.0.0.1")
        for key, value in values.items():
            lines.append(f"  {key}: {value}")
    return "\n".join(lines) + "\n"


def gateway_config(upstream_port: int, settings: dict) -> str:
    settings = {section: dict(values) for section, values in settings.items()}
    settings.setdefault("server", {})
    return _yaml_block(settings) + f"""\
routing:
  # Failures must not open the circuit: every test wants its request to reach the upstream.
  breaker_failures: 1000
  max_attempts: 2
  retry_base_delay_ms: 10
  retry_max_delay_ms: 50
providers:
  - id: hostile
    type: openai
    api_key: ${{HOSTILE_UPSTREAM_KEY}}
    base_url: http://127.0.0.1:{upstream_port}/v1
    allow_private_network: true
tenants:
  - id: hostile-tenant
    api_keys:
      - name: ci
        key: ${{GATEWAY_KEY}}
"""


class GatewayProcess:
    """One `gatewyse serve` process; restartable when a test killed it."""

    def __init__(self, name: str, binary: pathlib.Path, config: str, work: pathlib.Path):
        self.name = name
        self.binary = binary
        self.work = work
        self.config_path = work / f"{name}.yaml"
        self.config_path.write_text(config)
        self.api_key = "aigw_sk_" + secrets.token_hex(24)
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0
        self.log_path: pathlib.Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, AttributeError):
            return "<no log>"

    def crash_summary(self) -> str:
        """The runtime's fatal-error line and the first frames in the gateway's own sources, or the
        log's tail."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except (OSError, AttributeError):
            return "<no log>"
        fatal = [line for line in lines if "Fatal error" in line or "Crash" in line[:20]]
        frames = [line.strip() for line in lines if "/Sources/Gatewyse" in line][:3]
        return "\n".join(fatal[:2] + frames) if fatal or frames else "\n".join(lines[-15:])

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
        env.update(LOG_LEVEL="warning", HOSTILE_UPSTREAM_KEY=UPSTREAM_KEY, GATEWAY_KEY=self.api_key)
        problems = []
        for attempt in range(3):
            self.starts += 1
            self.port = free_port()
            self.log_path = self.work / f"{self.name}-{self.starts}.log"
            with open(self.log_path, "wb") as out:
                self.process = subprocess.Popen(
                    [str(self.binary), "serve", "--config", str(self.config_path), "--port", str(self.port), "--database", "memory:"],
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=self.work)
            if self._wait_healthy(time.monotonic() + START_TIMEOUT):
                return
            self.stop()
            problems.append(f"attempt {attempt + 1} (port {self.port}, exit {self.returncode}):\n{self.log_tail()}")
            if self.returncode not in (None, -15, -9) and "address" not in self.log_tail().lower():
                break  # refused its configuration: another port will not help
        raise RuntimeError(f"gateway '{self.name}' did not start:\n" + "\n".join(problems))

    def _wait_healthy(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with RawClient(self.port, timeout=1) as client:
                    client.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    if client.read_response(1, method="GET").status == 200:
                        return True
            except (OSError, Closed, TimeoutError):
                pass
            time.sleep(0.05)
        return False

    def note_death(self, during: str) -> None:
        """Records (once per process) that the process died, and during which test."""
        if self.process is None or self.alive or getattr(self.process, "death_noted", False):
            return
        self.process.death_noted = True
        CRASHES.append((during, self.returncode, self.crash_summary()))

    def ensure_running(self, before: str) -> None:
        if self.alive:
            return
        self.note_death(f"a test before {before}")
        self.start()

    def memory_mb(self) -> dict[str, float]:
        """VmRSS and VmHWM (peak RSS) of the process, in MB."""
        values = {}
        try:
            for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0]) / 1024
        except OSError:
            pass
        return values

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def gateway_binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("GATEWYSE_BIN") or REPO / ".build/debug/gatewyse")
    if not path.is_absolute():
        path = REPO / path
    if not os.access(path, os.X_OK):
        pytest.exit(f"GATEWYSE_BIN: no executable at {path} (run `make build` first)", returncode=2)
    return path


@pytest.fixture(scope="session")
def upstream():
    server = HostileUpstream()
    yield server
    server.close()


@pytest.fixture(scope="session")
def gateway_factory(gateway_binary, upstream, tmp_path_factory):
    """Starts a gateway with `settings` ({"server": {...}, "upstream": {...}}) in front of the
    hostile upstream. The caller stops it."""
    work = tmp_path_factory.mktemp("hostile")

    def start(name: str, settings: dict) -> GatewayProcess:
        gateway = GatewayProcess(name, gateway_binary, gateway_config(upstream.port, settings), work)
        gateway.start()
        return gateway
    return start


@pytest.fixture(scope="module")
def main_gateway(gateway_factory, request):
    gateway = gateway_factory(f"main-{request.module.__name__}", MAIN_SETTINGS)
    yield gateway
    gateway.stop()


@pytest.fixture
def gw(main_gateway, request):
    main_gateway.ensure_running(before=request.node.nodeid)
    yield main_gateway
    main_gateway.note_death(during=request.node.nodeid)


@pytest.fixture
def probe(gw, request):
    """A stall probe on `gw`, already past its baseline. Tests call `probe.stop()` for the report;
    teardown records it (and whether the process survived) for the summary either way."""
    stall = StallProbe(gw.port).start()
    reports = []
    original_stop = stall.stop

    def stop():
        if not reports:
            reports.append(original_stop())
        return reports[0]
    stall.stop = stop
    yield stall
    report = stall.stop()
    entry = RESULTS.setdefault(request.node.nodeid.split("::")[-1], {})
    entry["stall"] = report
    entry["alive"] = gw.alive


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        RESULTS.setdefault(item.nodeid.split("::")[-1], {})["outcome"] = report.outcome
    elif report.when == "setup" and report.outcome != "passed":
        RESULTS.setdefault(item.nodeid.split("::")[-1], {})["outcome"] = "error" if report.failed else report.outcome


def pytest_terminal_summary(terminalreporter, exitstatus):
    if not RESULTS and not CRASHES:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", "hostile-peer suite: health-probe stall per test (limit 100 ms added)")
    for name, entry in RESULTS.items():
        stall = entry.get("stall")
        stall_text = (f"max added {stall.max_added_ms:7.1f} ms (baseline {stall.baseline_ms:.1f} ms, "
                      f"{stall.samples} probes{', ' + str(len(stall.failures)) + ' failed' if stall.failures else ''})"
                      if stall else "no probe")
        extras = ", ".join(f"{key}={value}" for key, value in entry.items() if key not in ("stall", "outcome", "alive"))
        alive = "" if entry.get("alive", True) else "  PROCESS DIED"
        write(f"{entry.get('outcome', '?'):7} {name}: {stall_text}{alive}{'  [' + extras + ']' if extras else ''}")
    for before, code, tail in CRASHES:  # (test, exit code, fatal error and first frames)
        terminalreporter.write_sep("-", f"gateway died (exit {code}) during {before}")
        write(tail)
