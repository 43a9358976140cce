#!/usr/bin/env bash
# Counts what each request costs in calls rather than in time: malloc, swift_retain and
# swift_release per request, for one or more running gateways under the same wrk load
# (decisions/0033). On a shared VM a CPU figure moves by more between runs than the few µs a
# change is about; these counts do not move, so they tell whether work left the request path.
#
#   bench/count_calls.sh NAME=PID:PORT[:AUTHORIZATION] ...
#
# PID, PORT and the Authorization value are those `BENCH_SERVE=1 bench/run.sh` prints (the
# gateway, the baseline, the governed gateway with its own key, …).
# Environment: BODY (the request body file; required), AUTH (the Authorization value for targets
# that name none), URL_PATH (default /v1/chat/completions), CALL_SECONDS (default 3),
# CALL_CONNS (default 16).
#
# Needs perf with uprobes (root): it adds the three probes if they are missing and removes those
# it added. The probes slow the measured process about tenfold, so only the counts mean anything.
set -euo pipefail

[[ $# -ge 1 && -n "${BODY:-}" ]] || { sed -n '2,16p' "$0" >&2; exit 2; }
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
SECONDS_RUN="${CALL_SECONDS:-3}"
CONNS="${CALL_CONNS:-16}"
URL_PATH="${URL_PATH:-/v1/chat/completions}"
WRK_LUA="$(cd "$(dirname "$0")" && pwd)/wrk.lua"

# The libraries as the first target maps them.
first_pid="${1#*=}"; first_pid="${first_pid%%:*}"
library() { grep -m1 -o "/[^ ]*/$1[^ /]*\.so[.0-9]*" "/proc/$first_pid/maps" || true; }
LIBC="$(library libc)"
SWIFT_CORE="$(library libswiftCore)"
[[ -n "$LIBC" && -n "$SWIFT_CORE" ]] || { echo "libc or libswiftCore not found in /proc/$first_pid/maps" >&2; exit 1; }

ADDED=()
ensure_probe() {   # event library symbol
    perf probe -l 2>/dev/null | grep -q "$1 " && return 0
    perf probe -q -x "$2" "$3" >/dev/null
    ADDED+=("$1")
}
cleanup() { for event in "${ADDED[@]}"; do perf probe -q -d "$event" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
ensure_probe probe_libc:malloc "$LIBC" malloc
ensure_probe probe_libswiftCore:swift_retain "$SWIFT_CORE" swift_retain
ensure_probe probe_libswiftCore:swift_release "$SWIFT_CORE" swift_release

STAT="$(mktemp)"
printf '%-12s %9s %9s %9s %9s %9s\n' target requests malloc retain release total
for target in "$@"; do
    name="${target%%=*}"; rest="${target#*=}"; pid="${rest%%:*}"; rest="${rest#*:}"
    port="${rest%%:*}"; auth="${AUTH:-}"
    [[ "$rest" == *:* ]] && auth="${rest#*:}"
    perf stat -x, -e probe_libc:malloc,probe_libswiftCore:swift_retain,probe_libswiftCore:swift_release \
        -p "$pid" -o "$STAT" -- sleep "$(awk -v s="$SECONDS_RUN" 'BEGIN { print s + 0.5 }')" >/dev/null 2>&1 &
    stat_pid=$!
    sleep 0.2
    requests="$(BENCH_BODY_FILE="$BODY" BENCH_AUTH="$auth" wrk -t2 -c"$CONNS" -d"${SECONDS_RUN}s" -s "$WRK_LUA" \
        "http://127.0.0.1:$port$URL_PATH" | awk '/requests in/ {print $1}')"
    wait "$stat_pid"
    awk -F, -v name="$name" -v n="${requests:-0}" '
        /probe_libc:malloc/ { m = $1 } /swift_retain/ { r = $1 } /swift_release/ { l = $1 }
        END { if (n == 0) { printf "%-12s %9s (no request completed)\n", name, 0; exit }
              printf "%-12s %9d %9.1f %9.1f %9.1f %9.1f\n", name, n, m / n, r / n, l / n, (m + r + l) / n }' "$STAT"
done
rm -f "$STAT"
