#!/usr/bin/env python3
"""Turns bench/run.sh's raw results (JSON lines) into bench/results/<stamp>.json and a markdown
table on stdout. Python standard library only."""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys

# Row order within a concurrency: the floor (haproxy) right before the gateway, the baseline after it.
TARGET_ORDER = {"direct": 0, "haproxy": 1, "gatewyse": 2, "unmetered": 3, "dbkey": 4, "governed": 5, "traced": 6, "baseline": 7, "litellm": 8}
TARGET_NAMES = {"direct": "direct (nginx)", "haproxy": "haproxy (floor)", "gatewyse": "gatewyse", "unmetered": "gatewyse (metrics off)", "dbkey": "gatewyse (database key)",
                "governed": "gatewyse (governance on)", "traced": "gatewyse (tracing on, 100%)", "baseline": "gatewyse (baseline)",
                "litellm": "litellm"}


def sh(*cmd, cwd=None):
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def binary_info(path):
    """Size, mtime and sha256 of a binary: tells two builds apart when no commit is known."""
    try:
        st = os.stat(path)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return {"size": st.st_size, "mtime": int(st.st_mtime), "sha256": h.hexdigest()}
    except OSError:
        return {}


def machine(args):
    cpu_model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except OSError:
        pass
    swift = sh("swift", "--version")
    commit = sh("git", "rev-parse", "HEAD", cwd=args.repo)
    dirty = sh("git", "status", "--porcelain", "--untracked-files=no", cwd=args.repo)
    try:
        nproc = int(sh("nproc") or os.cpu_count())
    except ValueError:
        nproc = os.cpu_count()
    baseline = None
    if args.baseline_bin:
        baseline = {"binary": args.baseline_bin, "build_config": args.baseline_build_config, **binary_info(args.baseline_bin)}
    return {
        "nproc": nproc,
        "cpu_model": cpu_model,
        "memory_mb": round(mem_kb / 1024) if mem_kb else None,
        "kernel": platform.release(),
        "os": sh("sh", "-c", ". /etc/os-release && echo \"$PRETTY_NAME\""),
        "swift": swift.splitlines()[0] if swift else None,
        "nginx": sh("sh", "-c", "nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1"),
        "wrk": (sh("sh", "-c", "wrk --version 2>&1 | head -n 1 || true") or "").split(" Copyright")[0] or None,
        "python": platform.python_version(),
        "haproxy": args.haproxy_version or None,
        "haproxy_nbthread": int(args.haproxy_nbthread) if args.haproxy_nbthread else None,
        "loadavg_at_start": args.loadavg_start or None,
        "gateway": {
            "binary": args.bin,
            "build_config": args.build_config,
            "git_commit": commit,
            "git_dirty": bool(dirty) if commit else None,
            **binary_info(args.bin),
        },
        "baseline_gateway": baseline,
    }


def derive(rec):
    """Adds rps, cpu_us_per_request and totals to a wrk-based record."""
    w = rec.get("wrk") or {}
    if w.get("failed") or "requests" not in w:
        rec["failed"] = True
        return rec
    secs = w["duration_us"] / 1e6 if w.get("duration_us") else None
    rec["requests"] = w["requests"]
    rec["rps"] = round(w["requests"] / secs, 1) if secs else None
    e = w["errors"]
    rec["non2xx"] = e["status"]   # wrk counts responses with status >= 400
    rec["socket_errors"] = {k: e[k] for k in ("connect", "read", "write", "timeout")}
    rec["latency_us"] = w["latency_us"]
    cpu_us = rec["cpu_ticks"] * 1e6 / rec["clk_tck"]
    rec["cpu_s"] = round(cpu_us / 1e6, 2)
    rec["cpu_us_per_request"] = round(cpu_us / w["requests"], 1) if w["requests"] else None
    return rec


def median(values):
    v = sorted(values)
    n = len(v)
    if not n:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def merge_rounds(recs):
    """With ROUNDS > 1, one wrk record per round: folds each (kind, target, concurrency) into one
    record of medians (RPS, each latency percentile, CPU per request), errors summed and the
    peak RSS the largest, keeping each round's CPU figure in `round_cpu_us`. Failed rounds are
    left out of the medians and counted in `failed_rounds`."""
    groups, out = {}, []
    for r in recs:
        if r["kind"] in ("chat", "stream"):
            groups.setdefault((r["kind"], r["target"], r["concurrency"]), []).append(r)
        else:
            out.append(r)
    for (kind, target, conc), rs in groups.items():
        if len(rs) == 1:
            out.append(rs[0])
            continue
        # A round that completed no request has no CPU figure: it counts as failed.
        ok = [r for r in rs if not r.get("failed") and r.get("cpu_us_per_request") is not None and r.get("rps") is not None]
        merged = {"kind": kind, "target": target, "concurrency": conc, "rounds": len(rs), "failed_rounds": len(rs) - len(ok),
                  "round_cpu_us": {r["round"]: r["cpu_us_per_request"] for r in ok}}
        if not ok:
            merged["failed"] = True
            out.append(merged)
            continue
        merged["rps"] = round(median([r["rps"] for r in ok]), 1)
        merged["cpu_us_per_request"] = round(median([r["cpu_us_per_request"] for r in ok]), 1)
        merged["latency_us"] = {k: median([r["latency_us"][k] for r in ok]) for k in ok[0]["latency_us"]}
        merged["non2xx"] = sum(r["non2xx"] for r in ok)
        merged["socket_errors"] = {k: sum(r["socket_errors"][k] for r in ok) for k in ok[0]["socket_errors"]}
        peaks = [r.get("rss_peak_kb") for r in ok if r.get("rss_peak_kb") is not None]
        merged["rss_peak_kb"] = max(peaks) if peaks else None
        out.append(merged)
    return out


# The same-run comparisons with ROUNDS > 1: (what, against what), each difference taken round by
# round, so that a slow phase of the machine weighs on both sides of it.
PAIRS = [("gatewyse", "baseline"), ("governed", "gatewyse"), ("dbkey", "gatewyse"), ("gatewyse", "unmetered"),
         ("traced", "gatewyse"), ("gatewyse", "haproxy")]


def rounds_rows(merged):
    rows = []
    for r in sorted((r for r in merged if r.get("rounds")), key=lambda r: (r["kind"], r["concurrency"], TARGET_ORDER.get(r["target"], 9))):
        cpu = r["round_cpu_us"]
        values = [cpu[k] for k in sorted(cpu)]
        rows.append([r["kind"], TARGET_NAMES.get(r["target"], r["target"]), r["concurrency"],
                     fmt_num(r.get("cpu_us_per_request"), 1), fmt_num(min(values), 1) if values else "–",
                     fmt_num(max(values), 1) if values else "–", " ".join(f"{v:.1f}" for v in values) or "–",
                     r.get("failed_rounds", 0)])
    return rows


def paired_rows(merged):
    rows = []
    by = {(r["kind"], r["target"], r["concurrency"]): r for r in merged if r.get("rounds")}
    for kind in ("chat", "stream"):
        for conc in sorted({c for (k, _, c) in by if k == kind}):
            for a, b in PAIRS:
                ra, rb = by.get((kind, a, conc)), by.get((kind, b, conc))
                if not ra or not rb:
                    continue
                common = sorted(set(ra["round_cpu_us"]) & set(rb["round_cpu_us"]))
                diffs = [ra["round_cpu_us"][k] - rb["round_cpu_us"][k] for k in common]
                if not diffs:
                    continue
                rows.append([kind, conc, f"{TARGET_NAMES.get(a, a)} − {TARGET_NAMES.get(b, b)}", len(diffs),
                             f"{median(diffs):+.1f}", f"{min(diffs):+.1f}", f"{max(diffs):+.1f}",
                             f"{sum(1 for d in diffs if d > 0)}/{len(diffs)}"])
    return rows


def side_by_side_rows(recs):
    """The side-by-side rounds: per pair and kind, the difference of CPU per request of the two
    targets loaded at the same time, round by round."""
    groups = {}
    for r in recs:
        if r["kind"].startswith("side-") and not r.get("failed") and r.get("cpu_us_per_request") is not None:
            groups.setdefault((r["kind"][5:], r["pair"], r["concurrency"]), {}).setdefault(r["round"], {})[r["target"]] = r
    rows = []
    for (kind, pair, conns), rounds in sorted(groups.items(), key=lambda g: (g[0][0] != "chat", g[0][1])):
        a, b = pair.split("|")
        both = [rounds[k] for k in sorted(rounds) if a in rounds[k] and b in rounds[k]]
        if not both:
            continue
        diffs = [x[a]["cpu_us_per_request"] - x[b]["cpu_us_per_request"] for x in both]
        rows.append([kind, f"{TARGET_NAMES.get(a, a)} − {TARGET_NAMES.get(b, b)}", f"{conns} + {conns}", len(diffs),
                     f"{median(diffs):+.1f}", f"{min(diffs):+.1f}", f"{max(diffs):+.1f}",
                     f"{sum(1 for d in diffs if d > 0)}/{len(diffs)}",
                     fmt_num(median([x[a]["cpu_us_per_request"] for x in both]), 1),
                     fmt_num(median([x[b]["cpu_us_per_request"] for x in both]), 1),
                     " ".join(f"{d:+.1f}" for d in diffs)])
    return rows


def ms(us):
    return "–" if us is None else f"{us / 1000:.3f}"


def added(gw, base, key):
    try:
        return f"{(gw[key] - base[key]) / 1000:+.3f}"
    except (TypeError, KeyError):
        return "–"


def errs(rec):
    if rec.get("failed"):
        return "wrk failed"
    parts = [f"{k} {v}" for k, v in rec["socket_errors"].items() if v]
    return ", ".join(parts) if parts else "0"


def mb(kb):
    return "–" if kb in (None, "") else f"{int(kb) / 1024:.1f}"


def fmt_num(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def wrk_rows(recs, kind, with_p90_p999):
    rows = []
    by = {(r["target"], r["concurrency"]): r for r in recs if r["kind"] == kind}
    for (target, conc) in sorted(by, key=lambda k: (k[1], TARGET_ORDER.get(k[0], 9))):
        r = by[(target, conc)]
        base = by.get(("direct", conc))
        if r.get("failed"):
            rows.append([TARGET_NAMES.get(target, target), conc] + ["–"] * (13 if with_p90_p999 else 9) + ["wrk failed"])
            continue
        lat = r["latency_us"]
        is_proxy = target != "direct" and base and not base.get("failed")
        bl = base["latency_us"] if is_proxy else None
        row = [TARGET_NAMES.get(target, target), conc, fmt_num(r["rps"])]
        if with_p90_p999:
            row += [ms(lat["p50"]), ms(lat["p90"]), ms(lat["p99"]), ms(lat["p99_9"])]
            row += [added(lat, bl, "p50"), added(lat, bl, "p90"), added(lat, bl, "p99"), added(lat, bl, "p99_9")] if is_proxy else ["", "", "", ""]
        else:
            row += [ms(lat["p50"]), ms(lat["p99"])]
            row += [added(lat, bl, "p50"), added(lat, bl, "p99")] if is_proxy else ["", ""]
        row += [
            f"{r['rps'] / base['rps'] * 100:.0f}%" if is_proxy and base["rps"] else "",
            fmt_num(r["cpu_us_per_request"], 1),
            mb(r.get("rss_peak_kb")) if target != "direct" else "",
            r["non2xx"],
            errs(r),
        ]
        rows.append(row)
    return rows


PROBE_COLUMNS = ["target", "streams", "completed", "streams/s", "TTFT p50", "TTFT p99", "+TTFT p50", "+TTFT p99",
                 "gap p99", "max stall", "+max stall", "errors"]


def probe_rows(recs, kind="probe"):
    rows = []
    by = {(r["target"], r["concurrency"]): r for r in recs if r["kind"] == kind}
    for (target, conc) in sorted(by, key=lambda k: (k[1], TARGET_ORDER.get(k[0], 9))):
        p = by[(target, conc)]["probe"]
        name = "direct (gatewyse-mock)" if kind == "paced" and target == "direct" else TARGET_NAMES.get(target, target)
        if p.get("failed"):
            rows.append([name, conc] + ["–"] * 9 + ["probe failed"])
            continue
        base = (by.get(("direct", conc)) or {}).get("probe") or {}
        is_proxy = target != "direct" and base and not base.get("failed")
        t, bt = p["ttft_us"], base.get("ttft_us") or {}
        g, bg = p["max_gap_us"], base.get("max_gap_us") or {}
        e = ", ".join(f"{k} {v}" for k, v in sorted(p["errors"].items())) or "0"
        rows.append([
            name, conc, fmt_num(p["streams_ok"]), fmt_num(p["streams_per_s"], 1),
            ms(t["p50"]), ms(t["p99"]),
            added(t, bt, "p50") if is_proxy else "", added(t, bt, "p99") if is_proxy else "",
            ms(g["p99"]), ms(g["max"]), added(g, bg, "max") if is_proxy else "", e,
        ])
    return rows


def over_floor_rows(recs):
    """What the gateway (and the baseline) cost beyond the floor (haproxy), same kind and concurrency."""
    rows = []
    for kind in ("chat", "stream"):
        by = {(r["target"], r["concurrency"]): r for r in recs if r["kind"] == kind}
        for conc in sorted({c for (_, c) in by}):
            floor = by.get(("haproxy", conc))
            if not floor or floor.get("failed"):
                continue
            for target in ("gatewyse", "unmetered", "dbkey", "governed", "traced", "baseline"):
                r = by.get((target, conc))
                if not r or r.get("failed"):
                    continue
                lat, fl = r["latency_us"], floor["latency_us"]
                cpu = (r["cpu_us_per_request"] - floor["cpu_us_per_request"]
                       if r["cpu_us_per_request"] is not None and floor["cpu_us_per_request"] is not None else None)
                rows.append([
                    kind, TARGET_NAMES[target], conc,
                    added(lat, fl, "p50"), added(lat, fl, "p99"),
                    f"{r['rps'] / floor['rps'] * 100:.0f}%" if floor["rps"] and r["rps"] else "–",
                    fmt_num(floor["cpu_us_per_request"], 1), fmt_num(r["cpu_us_per_request"], 1),
                    "–" if cpu is None else f"{cpu:+,.1f}",
                    f"{r['cpu_us_per_request'] / floor['cpu_us_per_request']:.1f}×"
                    if r["cpu_us_per_request"] and floor["cpu_us_per_request"] else "–",
                ])
    return rows


def main():
    ap = argparse.ArgumentParser()
    for name in ("results", "out", "started-at", "bin", "build-config", "repo", "duration", "concurrency",
                 "stream-concurrency", "rounds", "peers", "soak", "warmup", "wrk-timeout", "litellm-version", "command", "bin-given", "loadavg-start",
                 "baseline-bin", "baseline-bin-given", "baseline-build-config", "haproxy-version", "haproxy-nbthread", "side-by-side"):
        ap.add_argument("--" + name, default="")
    args = ap.parse_args()

    recs = []
    with open(args.results) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    for r in recs:
        if r["kind"] in ("chat", "stream", "soak", "side-chat", "side-stream"):
            derive(r)
    raw = recs
    recs = merge_rounds(recs)

    command = args.command or " ".join(
        [f"GATEWYSE_BIN={args.bin_given or args.bin}",
         f"DURATION={args.duration}", f"CONCURRENCY=\"{args.concurrency}\""]
        + ([f"ROUNDS={args.rounds}"] if args.rounds not in ("", "1") else [])
        + ([f"STREAM_CONCURRENCY=\"{args.stream_concurrency}\""] if args.stream_concurrency != "64 512" else [])
        + ([f"BASELINE_BIN={args.baseline_bin_given or args.baseline_bin}"] if args.baseline_bin else [])
        + ([f"PEERS=\"{args.peers}\""] if args.peers else [])
        + ([f"SOAK={args.soak}"] if args.soak not in ("", "0") else [])
        + ([f"SIDE_BY_SIDE={args.side_by_side}"] if args.side_by_side not in ("", "0") else [])
        + ["bash bench/run.sh"])
    rss = {r["target"]: r for r in recs if r["kind"] == "rss"}
    soak = next((r for r in recs if r["kind"] == "soak"), None)

    # Memory per proxy: start, warm idle, peaks, after load, soak.
    mem_rows = []
    for target in sorted(rss, key=lambda t: TARGET_ORDER.get(t, 9)):
        r = rss[target]
        peaks = {k: max((x.get("rss_peak_kb") or 0 for x in recs if x["kind"] in kinds and x["target"] == target), default=None)
                 for k, kinds in (("chat", ("chat",)), ("stream", ("stream", "probe", "paced")))}
        row = [TARGET_NAMES.get(target, target), mb(r["start_kb"]), mb(r["idle_kb"]), mb(peaks["chat"]),
               mb(peaks["stream"]), mb(r["after_load_kb"])]
        if soak and target == "gatewyse" and not soak.get("failed"):
            s = soak.get("rss_samples_kb") or []
            tenth = max(1, len(s) // 10)
            first = sum(s[:tenth]) / tenth if s else None
            last = sum(s[-tenth:]) / tenth if s else None
            soak["rss_first_tenth_avg_kb"] = round(first) if first else None
            soak["rss_last_tenth_avg_kb"] = round(last) if last else None
            soak["rss_peak_kb"] = max(s) if s else None
            row += [mb(first), mb(last), mb(soak["rss_peak_kb"]), mb(soak["rss_after_kb"])]
        elif soak:
            row += ["", "", "", ""]
        mem_rows.append(row)

    settings = {
        "duration_s": int(args.duration), "rounds": int(args.rounds or 1), "concurrency": [int(c) for c in args.concurrency.split()],
        "stream_concurrency": [int(c) for c in args.stream_concurrency.split()], "peers": args.peers.split(),
        "soak_s": int(args.soak or 0), "warmup_s": int(args.warmup or 0), "wrk_timeout": args.wrk_timeout,
        "litellm_version": args.litellm_version or None,
        "haproxy_version": args.haproxy_version or None,
        "baseline_bin": args.baseline_bin or None, "side_by_side_rounds": int(args.side_by_side or 0),
    }
    result = {
        "schema": 1,
        "started_at": args.started_at,
        "command": command,
        "machine": machine(args),
        "settings": settings,
        "chat": [r for r in raw if r["kind"] == "chat"],
        "stream": [r for r in raw if r["kind"] == "stream"],
        "rounds": [r for r in recs if r.get("rounds")],
        "side_by_side": [r for r in raw if r["kind"].startswith("side-")],
        "stream_probe": [r for r in recs if r["kind"] == "probe"],
        "paced_probe": [r for r in recs if r["kind"] == "paced"],
        "rss": list(rss.values()),
        "soak": soak,
    }

    m = result["machine"]
    lines = [
        f"## Gatewyse benchmark — {args.started_at}",
        "",
        f"`{command}`",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_mb']} MB, Linux {m['kernel']}; "
        f"{m['swift']}; gateway build: **{args.build_config}**"
        + (f" @ {m['gateway']['git_commit'][:10]}{' (dirty)' if m['gateway']['git_dirty'] else ''}" if m['gateway']['git_commit'] else "")
        + (f"; baseline gateway: `{args.baseline_bin}` ({args.baseline_build_config}"
           + (", same binary as the gateway" if m["baseline_gateway"].get("sha256") and
              m["baseline_gateway"].get("sha256") == m["gateway"].get("sha256") else "") + ")"
           if args.baseline_bin else "")
        + (f"; {args.haproxy_version.split(' - ')[0]}, nbthread {args.haproxy_nbthread}" if args.haproxy_version else "")
        + (f"; LiteLLM {args.litellm_version}" if args.litellm_version else "")
        + f". Load generator and mock share the same CPUs; load average at start {args.loadavg_start}. "
        f"{args.duration}s per run.",
        "",
        "### Chat completions (non-streaming, ~1 KB body)",
        "",
        "Latency in ms; `+` columns are added latency over direct at the same concurrency; "
        "`vs direct` is RPS as a share of direct's; CPU is the measured process's CPU time ÷ requests "
        "(nginx's for direct).",
        "",
        table(["target", "conns", "RPS", "p50", "p90", "p99", "p99.9", "+p50", "+p90", "+p99", "+p99.9",
               "vs direct", "CPU µs/req", "peak RSS MB", "non-2xx", "socket errors"],
              wrk_rows(recs, "chat", True)),
        "",
        "### Streaming (wrk: one request = one whole SSE stream, 24 frames)",
        "",
        table(["target", "streams", "streams/s", "p50", "p99", "+p50", "+p99", "vs direct", "CPU µs/stream",
               "peak RSS MB", "non-2xx", "socket errors"],
              wrk_rows(recs, "stream", False)),
        "",
        "### Streaming probe (time to first byte of the body, stalls)",
        "",
        "TTFT = request written → first body bytes; gap = longest pause between two body reads of one "
        "stream (p99 over streams, and the worst); times in ms, measured by a Python client.",
        "",
        table(PROBE_COLUMNS, probe_rows(recs)),
        "",
    ]
    floor_rows = over_floor_rows(recs)
    if floor_rows:
        lines += [
            "### Over the floor (gateway − haproxy, same scenario and concurrency)",
            "",
            "What the gateway costs beyond a plain reverse proxy on this machine: latency differences "
            "in ms (difference of percentiles, an estimate), RPS as a share of haproxy's, CPU µs per "
            "request (per stream for `stream`).",
            "",
            table(["kind", "target", "conns", "+p50", "+p99", "vs floor RPS", "floor CPU µs", "CPU µs",
                   "+CPU µs", "CPU × floor"], floor_rows),
            "",
        ]
    if any(r.get("rounds") for r in recs):
        lines += [
            f"### Rounds ({args.rounds} per scenario, targets taking turns)",
            "",
            "The tables above give each figure's median over the rounds that completed (their non-2xx "
            "and socket errors are summed over those rounds). CPU µs per request (per stream for "
            "`stream`) in each round, in round order:",
            "",
            table(["kind", "target", "conns", "median", "min", "max", "rounds", "failed rounds"], rounds_rows(recs)),
            "",
            "Paired differences of CPU µs per request, round by round (the machine's slow and fast "
            "phases fall on both sides of each): median, range, and in how many rounds the first "
            "cost more.",
            "",
            table(["kind", "conns", "difference", "rounds", "median", "min", "max", "first higher"], paired_rows(recs)),
            "",
        ]
    side_rows = side_by_side_rows(recs)
    if side_rows:
        lines += [
            "### Side by side (both targets of a pair loaded at the same time)",
            "",
            "Each round loads the two gateways of a pair at once, each with its own wrk and half the "
            "connections, and reads each one's CPU over that same window, so that a slow or fast "
            "phase of the machine weighs on both sides of the difference. CPU µs per request (per "
            "stream for `stream`): the median difference, its range, in how many rounds the first "
            "cost more, each side's median, and every round's difference.",
            "",
            table(["kind", "difference", "conns", "rounds", "median", "min", "max", "first higher",
                   "first", "second", "each round"], side_rows),
            "",
        ]
    if any(r["kind"] == "paced" for r in recs):
        lines += [
            "### Paced streams (probe; gatewyse-mock sends 24 frames 5 ms apart)",
            "",
            "As above, from an upstream that streams over time as a model does; direct is the mock "
            "itself, so its gaps are the pacing, and `+max stall` is what a proxy adds to the worst one.",
            "",
            table(PROBE_COLUMNS, probe_rows(recs, "paced")),
            "",
        ]
    lines += [
        "### Memory (RSS, MB)",
        "",
        table(["process", "start", "idle (warm)", "peak chat", "peak streams", "after load"]
              + (["soak first 10%", "soak last 10%", "soak peak", "after soak"] if soak else []),
              mem_rows),
    ]
    if soak and not soak.get("failed"):
        lines += ["", f"Soak: {soak['seconds']}s, 3 chat : 1 stream at 64 connections — "
                      f"{fmt_num(soak['rps'])} req/s, p99 {ms(soak['latency_us']['p99'])} ms, "
                      f"{fmt_num(soak['cpu_us_per_request'], 1)} µs CPU/req, non-2xx {soak['non2xx']}, "
                      f"socket errors {errs(soak)}."]
    elif soak:
        lines += ["", "Soak: wrk failed."]
    text = "\n".join(lines)
    result["table_markdown"] = text

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
