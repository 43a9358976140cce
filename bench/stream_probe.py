#!/usr/bin/env python3
"""Streaming probe and HTTP checks for bench/run.sh. Python standard library only.

    stream_probe.py probe --port P --path /v1/chat/completions --body-file F [--auth "Bearer k"]
                          --concurrency N --duration S [--count M] [--timeout T] [--label L]
                          [--expect TEXT]

Keeps N HTTP/1.1 keep-alive connections, each sending one streaming chat request after another
until the duration (or the stream budget) runs out. For every stream it records, from the moment
the request was written:
  - ttft:       time to the first byte of the response body (the first SSE frame),
  - completion: time to the end of the body,
  - max gap:    the longest pause between two consecutive body reads of that stream.
A stream counts as completed only on status 200 with a `data: [DONE]` frame (or the --expect text);
everything else is counted by kind. Prints one JSON object on stdout. With --count and a long
--duration it sends a fixed number of requests (streaming or not: --expect '"chat.completion"'),
which is what a profiler run wants.

    stream_probe.py check --url URL [--body-file F] [--auth "Bearer k"] [--status 200]
                          [--contains TEXT] [--wait SECONDS]

One request (GET, or POST with the body file); exits 0 when the status (and text) match. With
--wait, retries every 0.1 s until it matches or the time is up. Proxies from the environment are
ignored: every request goes straight to the (loopback) URL.
"""
import argparse
import asyncio
import json
import math
import sys
import time
import urllib.error
import urllib.request


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary_us(values):
    s = sorted(values)
    out = {}
    for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p99_9", 99.9)):
        v = percentile(s, p)
        out[name] = None if v is None else round(v * 1e6)
    out["max"] = round(s[-1] * 1e6) if s else None
    return out


class ProbeError(Exception):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


async def read_response(reader):
    """Reads one HTTP/1.1 response. Returns (status, body, arrival times, keep_alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ProbeError("bad_status_line")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    arrivals = []
    body = bytearray()
    keep_alive = headers.get("connection", "").lower() != "close" and not parts[0].endswith("1.0")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers
                break
            data = await reader.readexactly(size + 2)
            arrivals.append(time.perf_counter())
            body += data[:-2]
    elif "content-length" in headers:
        remaining = int(headers["content-length"])
        while remaining > 0:
            data = await reader.read(min(remaining, 1 << 16))
            if not data:
                raise ProbeError("eof_in_body")
            arrivals.append(time.perf_counter())
            body += data
            remaining -= len(data)
    else:
        keep_alive = False
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            arrivals.append(time.perf_counter())
            body += data
    return status, bytes(body), arrivals, keep_alive


async def probe(args):
    with open(args.body_file, "rb") as f:
        body = f.read()
    head = (
        f"POST {args.path} HTTP/1.1\r\n"
        f"Host: {args.host}:{args.port}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: */*\r\n"
        + (f"Authorization: {args.auth}\r\n" if args.auth else "")
        + f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    request = head + body
    expect = args.expect.encode()

    started_at = time.perf_counter()
    deadline = started_at + args.duration
    state = {"started": 0, "ok": 0, "connections": 0}
    errors = {}
    ttft, completion, gaps, events = [], [], [], []

    def fail(kind):
        errors[kind] = errors.get(kind, 0) + 1

    async def worker():
        reader = writer = None
        try:
            while time.perf_counter() < deadline and state["started"] < args.max_streams:
                state["started"] += 1
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(
                            asyncio.open_connection(args.host, args.port, limit=1 << 20), args.timeout)
                        state["connections"] += 1
                    t0 = time.perf_counter()
                    writer.write(request)
                    status, resp, arrivals, keep_alive = await asyncio.wait_for(read_response(reader), args.timeout)
                except asyncio.TimeoutError:
                    fail("timeout")
                    writer = _close(writer)
                    continue
                except ProbeError as e:
                    fail(e.kind)
                    writer = _close(writer)
                    continue
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
                    fail(type(e).__name__)
                    writer = _close(writer)
                    continue
                if status != 200:
                    fail(f"status_{status}")
                elif expect not in resp:
                    fail("unexpected_body" if b'"error"' not in resp else "in_band_error")
                elif not arrivals:
                    fail("empty_body")
                else:
                    state["ok"] += 1
                    ttft.append(arrivals[0] - t0)
                    completion.append(arrivals[-1] - t0)
                    gaps.append(max((b - a for a, b in zip(arrivals, arrivals[1:])), default=0.0))
                    events.append(resp.count(b"data: "))
                if not keep_alive:
                    writer = _close(writer)
        finally:
            _close(writer)

    workers = [asyncio.ensure_future(worker()) for _ in range(args.concurrency)]
    try:
        await asyncio.wait_for(asyncio.gather(*workers), args.duration + args.timeout + 5)
    except asyncio.TimeoutError:
        fail("probe_deadline")
    elapsed = time.perf_counter() - started_at
    return {
        "label": args.label,
        "concurrency": args.concurrency,
        "duration_s": round(elapsed, 3),
        "streams_started": state["started"],
        "streams_ok": state["ok"],
        "streams_failed": sum(errors.values()),
        "errors": errors,
        "connections_opened": state["connections"],
        "streams_per_s": round(state["ok"] / elapsed, 1) if elapsed > 0 else None,
        "events_per_stream": round(sum(events) / len(events), 1) if events else None,
        "ttft_us": summary_us(ttft),
        "completion_us": summary_us(completion),
        "max_gap_us": summary_us(gaps),
    }


def _close(writer):
    if writer is not None:
        try:
            writer.close()
        except Exception:
            pass
    return None


def check(args):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    data = None
    headers = {}
    if args.body_file:
        with open(args.body_file, "rb") as f:
            data = f.read()
        headers["Content-Type"] = "application/json"
    if args.auth:
        headers["Authorization"] = args.auth
    deadline = time.monotonic() + args.wait
    last = "no attempt"
    while True:
        try:
            req = urllib.request.Request(args.url, data=data, headers=headers, method="POST" if data else "GET")
            with opener.open(req, timeout=10) as resp:
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
        except (OSError, ValueError) as e:
            status, text = None, f"{type(e).__name__}: {e}"
        if status == args.status and (args.contains is None or args.contains in text):
            if args.print:
                sys.stdout.write(text)
            return 0
        last = f"status {status}: {text[:600]}"
        if time.monotonic() >= deadline:
            sys.stderr.write(f"check {args.url}: {last}\n")
            return 1
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--body-file", required=True)
    p.add_argument("--auth", default="")
    p.add_argument("--concurrency", type=int, required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--count", "--max-streams", dest="max_streams", type=int, default=1_000_000,
                   help="stop after starting this many requests")
    p.add_argument("--expect", default="data: [DONE]", help="text a successful response contains")
    p.add_argument("--timeout", type=float, default=15.0, help="per stream, seconds")
    p.add_argument("--label", default="")
    c = sub.add_parser("check")
    c.add_argument("--url", required=True)
    c.add_argument("--body-file")
    c.add_argument("--auth")
    c.add_argument("--status", type=int, default=200)
    c.add_argument("--contains")
    c.add_argument("--wait", type=float, default=0.0)
    c.add_argument("--print", action="store_true", help="print the matching body")
    args = ap.parse_args()
    if args.cmd == "check":
        return check(args)
    if args.concurrency < 1 or args.duration <= 0:
        ap.error("--concurrency and --duration must be positive")
    result = asyncio.run(probe(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
