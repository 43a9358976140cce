"""Measures how much an attack stalls *other* clients: `GET /healthz` in a loop on keep-alive
connections of its own, latency per request. The baseline is the median latency before the attack
starts; the figure that matters is the largest latency during the attack minus that baseline.

Several connections, each in its own thread: the server spreads connections over its event loops
round-robin, and a request that hogs one loop stalls only the connections on that loop — a single
probe connection could sit on another loop and see nothing."""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field

from .rawclient import Closed, RawClient

HEALTH_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
# Twice the event loops a NIO server has by default (one per core), at least 4.
DEFAULT_CONNECTIONS = min(16, max(4, 2 * (os.cpu_count() or 2)))


@dataclass
class StallReport:
    baseline_ms: float
    max_ms: float
    samples: int
    connections: int = 1
    failures: list[str] = field(default_factory=list)

    @property
    def max_added_ms(self) -> float:
        return max(0.0, self.max_ms - self.baseline_ms)

    def __str__(self) -> str:
        text = (f"health probe: {self.samples} requests on {self.connections} connections, baseline {self.baseline_ms:.1f} ms, "
                f"max {self.max_ms:.1f} ms, max added stall {self.max_added_ms:.1f} ms")
        if self.failures:
            text += f", {len(self.failures)} failed ({self.failures[0]})"
        return text


class StallProbe:
    def __init__(self, port: int, connections: int = DEFAULT_CONNECTIONS, interval: float = 0.02, request_timeout: float = 2.0):
        self.port = port
        self.connections = connections
        self.interval = interval
        self.request_timeout = request_timeout
        self._samples: list[tuple[float, float]] = []  # (started, latency seconds)
        self._failures: list[tuple[float, str]] = []
        self._attack_started: float | None = None
        self._in_flight_since: list[float | None] = [None] * connections
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, baseline_seconds: float = 0.15) -> "StallProbe":
        # Connected one after the other, so that they land on consecutive event loops.
        for slot in range(self.connections):
            client = None
            try:
                client = RawClient(self.port, timeout=self.request_timeout)
            except OSError:
                pass
            thread = threading.Thread(target=self._run, args=(slot, client), name=f"stall-probe-{slot}", daemon=True)
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()
        time.sleep(baseline_seconds)
        self._attack_started = time.monotonic()
        return self

    def _run(self, slot: int, client: RawClient | None) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self._in_flight_since[slot] = started
            try:
                if client is None:
                    client = RawClient(self.port, timeout=self.request_timeout)
                if not client.send(HEALTH_REQUEST):
                    raise Closed()
                response = client.read_response(self.request_timeout, method="GET")
                latency = time.monotonic() - started
                self._in_flight_since[slot] = None
                with self._lock:
                    self._samples.append((started, latency))
                    if response.status != 200:
                        self._failures.append((started, f"status {response.status}"))
            except (Closed, TimeoutError, OSError) as error:
                elapsed = time.monotonic() - started
                self._in_flight_since[slot] = None
                with self._lock:
                    self._samples.append((started, elapsed))
                    self._failures.append((started, type(error).__name__))
                if client is not None:
                    client.close()
                client = None
                self._stop.wait(0.05)
            self._stop.wait(self.interval)
        if client is not None:
            client.close()

    def stop(self) -> StallReport:
        stopping = time.monotonic()
        in_flight = list(self._in_flight_since)
        self._stop.set()
        for thread in self._threads:
            thread.join(self.request_timeout + 1)
        attack_started = self._attack_started or 0.0
        with self._lock:
            # By completion time: a request still waiting when the attack started belongs to the attack.
            before = [latency for started, latency in self._samples if started + latency < attack_started]
            during = [latency for started, latency in self._samples if started + latency >= attack_started]
            failures = [f"{what} at +{(at - attack_started) * 1000:.0f} ms" for at, what in self._failures if at >= attack_started]
        for since in in_flight:
            if since is not None:
                # A request still unanswered when the attack ended counts for as long as it waited.
                during.append(stopping - since)
        baseline = statistics.median(before) if before else 0.0
        return StallReport(baseline_ms=baseline * 1000, max_ms=max(during, default=0.0) * 1000,
                           samples=len(during), connections=self.connections, failures=failures)
