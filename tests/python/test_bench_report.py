"""bench/report.py's side-by-side table: each round's two targets paired by round, the difference
taken first minus second, failed rounds and half-rounds left out (the table that decides whether
the gateway regressed against the baseline, bench/README.md)."""

import importlib.util
import os

_SPEC = importlib.util.spec_from_file_location(
    "bench_report", os.path.join(os.path.dirname(__file__), "..", "..", "bench", "report.py"))
report = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(report)


def side(kind, target, pair, round_, requests, ticks, failed=False):
    wrk = {"failed": True} if failed else {
        "requests": requests, "duration_us": 6_000_000,
        "errors": {"status": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0},
        "latency_us": {"p50": 1000, "p90": 2000, "p99": 3000, "p999": 4000}}
    rec = {"kind": f"side-{kind}", "target": target, "pair": pair, "concurrency": 32, "round": round_,
           "threads": 1, "wrk": wrk, "cpu_ticks": ticks, "clk_tck": 100}
    return report.derive(rec)


def test_differences_are_paired_by_round_first_minus_second():
    pair = "gatewyse|baseline"
    # ticks of 10 ms: 1,000 requests over 2 s of CPU = 2,000 µs per request.
    recs = [
        side("chat", "gatewyse", pair, 1, 10_000, 200),   # 200.0 µs
        side("chat", "baseline", pair, 1, 10_000, 180),   # 180.0
        side("chat", "gatewyse", pair, 2, 10_000, 150),   # 150.0
        side("chat", "baseline", pair, 2, 10_000, 160),   # 160.0
        side("chat", "gatewyse", pair, 3, 10_000, 300),   # 300.0
        side("chat", "baseline", pair, 3, 10_000, 270),   # 270.0
    ]
    rows = report.side_by_side_rows(recs)
    assert len(rows) == 1
    kind, difference, conns, rounds, med, low, high, higher, first, second, each = rows[0]
    assert (kind, conns, rounds) == ("chat", "32 + 32", 3)
    assert difference == "gatewyse − gatewyse (baseline)"
    assert (med, low, high, higher) == ("+20.0", "-10.0", "+30.0", "2/3")
    assert (first, second) == ("200.0", "180.0")
    assert each == "+20.0 -10.0 +30.0"


def test_a_failed_side_drops_its_round_and_kinds_stay_apart():
    pair = "governed|gatewyse"
    recs = [
        side("chat", "governed", pair, 1, 10_000, 210),
        side("chat", "gatewyse", pair, 1, 10_000, 200),
        side("chat", "governed", pair, 2, 0, 0, failed=True),
        side("chat", "gatewyse", pair, 2, 10_000, 100),
        side("stream", "governed", pair, 1, 1_000, 40),   # 400.0 µs per stream
        side("stream", "gatewyse", pair, 1, 1_000, 38),   # 380.0
    ]
    rows = {row[0]: row for row in report.side_by_side_rows(recs)}
    assert set(rows) == {"chat", "stream"}
    assert rows["chat"][3] == 1 and rows["chat"][4] == "+10.0" and rows["chat"][7] == "1/1"
    assert rows["stream"][4] == "+20.0"
    assert rows["chat"][1] == "gatewyse (governance on) − gatewyse"


def test_no_side_by_side_records_no_table():
    assert report.side_by_side_rows([]) == []
