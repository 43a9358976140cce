#!/usr/bin/env bash
# Gatewyse benchmark — the engine of `make bench`. See bench/README.md.
#
# Starts nginx as a mock upstream and the gateway (plus HAProxy and/or LiteLLM's proxy with PEERS, and
# an older gateway binary with BASELINE_BIN), all on loopback, drives them with wrk and
# bench/stream_probe.py, prints a markdown table and writes bench/results/<UTC timestamp>.json.
#
# Environment:
#   GATEWYSE_BIN        gateway binary (default .build/release/gatewyse)
#   DURATION            seconds per scenario (default 10)
#   ROUNDS              runs of each chat and stream (wrk) scenario per target (default 1); with
#                       more, the targets take turns, in reverse order every other round, and the
#                       report gives each figure's median and the paired per-round differences
#                       (gateway − baseline, governance on − gateway, …): the comparison that
#                       decides a µs-level question on a noisy machine
#   CONCURRENCY         connections for the chat scenarios (default "1 16 64 256")
#   STREAM_CONCURRENCY  concurrent streams for the streaming scenarios (default "64 512")
#   SIDE_BY_SIDE        rounds in which the two gateways of each same-run comparison (gateway and
#                       baseline, governance on and gateway) are loaded at the same time, each by
#                       its own wrk with half the connections, and each one's CPU per request read
#                       over that same window (default 8 with BASELINE_BIN, else 0): a phase of
#                       the machine then weighs on both sides of a difference at once
#   PEERS               space-separated: "haproxy" also measures Debian's HAProxy as a plain reverse
#                       proxy in front of the same mocks (the floor any proxy pays on this machine);
#                       "litellm" also installs (bench/.venv-litellm) and measures LiteLLM's proxy
#   BASELINE_BIN        an older gatewyse binary, run with the same config and measured as another
#                       target ("gatewyse (baseline)"), for before/after figures from one run
#   SOAK                seconds of mixed load on the gateway to look for leaks (default 0 = off)
#   WARMUP              seconds of unmeasured load on each proxy before measuring, and again at each
#                       new concurrency, so its upstream pool is as warm as a running proxy's (default 2)
#   WRK_TIMEOUT         wrk's per-request timeout (default 10s); timeouts are counted as errors
#   BENCH_KEEP_TMP      1 keeps the temp dir (configs, logs, raw wrk output)
#   BENCH_SERVE         1 only starts the mock and the proxies, prints how to reach them and waits
#                       for Ctrl-C (for profiling: see bench/README.md)
#   GATEWYSE_WRAPPER    command the gateway runs under, e.g. "valgrind --tool=callgrind ..."
#   PACED               1 (default) also probes paced streams from gatewyse-mock; 0 skips them
#   MOCK_BIN            the gatewyse-mock binary (default: next to GATEWYSE_BIN)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

GATEWYSE_BIN="${GATEWYSE_BIN:-.build/release/gatewyse}"
GATEWYSE_BIN_GIVEN="$GATEWYSE_BIN"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-1}"
CONCURRENCY="${CONCURRENCY:-1 16 64 256}"
STREAM_CONCURRENCY="${STREAM_CONCURRENCY:-64 512}"
PEERS="${PEERS:-}"
BASELINE_BIN="${BASELINE_BIN:-}"
BASELINE_BIN_GIVEN="$BASELINE_BIN"
SIDE_BY_SIDE="${SIDE_BY_SIDE:-}"
SOAK="${SOAK:-0}"
WARMUP="${WARMUP:-2}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10s}"
BENCH_KEEP_TMP="${BENCH_KEEP_TMP:-0}"
BENCH_SERVE="${BENCH_SERVE:-0}"
GATEWYSE_WRAPPER="${GATEWYSE_WRAPPER:-}"
MOCK_BIN="${MOCK_BIN:-}"
PACED="${PACED:-1}"
# A wrapped gateway (valgrind) starts and stops slowly, and must be let finish writing its profile.
START_TIMEOUT=30 STOP_TIMEOUT=5
[[ -n "$GATEWYSE_WRAPPER" ]] && START_TIMEOUT=300 STOP_TIMEOUT=60

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Inputs and tools

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_uint "$DURATION" && (( DURATION > 0 )) || die "DURATION must be a positive integer (seconds), got '$DURATION'"
is_uint "$ROUNDS" && (( ROUNDS > 0 )) || die "ROUNDS must be a positive integer, got '$ROUNDS'"
if [[ -z "$SIDE_BY_SIDE" ]]; then SIDE_BY_SIDE=0; [[ -n "$BASELINE_BIN" ]] && SIDE_BY_SIDE=8; fi
is_uint "$SIDE_BY_SIDE" || die "SIDE_BY_SIDE must be a number of rounds, got '$SIDE_BY_SIDE'"
is_uint "$SOAK" || die "SOAK must be an integer (seconds), got '$SOAK'"
is_uint "$WARMUP" || die "WARMUP must be an integer (seconds), got '$WARMUP'"
for c in $CONCURRENCY $STREAM_CONCURRENCY; do
    is_uint "$c" && (( c > 0 )) || die "concurrency values must be positive integers, got '$c'"
done
WITH_LITELLM=0 WITH_HAPROXY=0 WITH_BASELINE=0
# The same binary again with governance on (issue 12 item 7): GOVERNANCE=0 leaves it out.
WITH_GOVERNED="${GOVERNANCE:-1}"
# The same binary with OpenTelemetry tracing on, every request sampled, exporting to a sink on
# loopback (issue 14, decisions/0019): TRACING=0 leaves it out.
WITH_TRACED="${TRACING:-1}"
# The same binary with metrics off (`metrics: {enabled: false}`), so that the default's cost of
# metrics per request shows beside it (issue 14): METRICS=0 leaves it out.
WITH_UNMETERED="${METRICS:-1}"
# The same binary serving a key from the database-backed store (made through the admin API) with
# no rate limit and no budget, so that the cost of database keys alone shows beside the
# config-file key (issue 11): DBKEY=0 leaves it out.
WITH_DBKEY="${DBKEY:-1}"
for peer in $PEERS; do
    case "$peer" in
        litellm) WITH_LITELLM=1 ;;
        haproxy) WITH_HAPROXY=1 ;;
        *) die "unknown peer '$peer' (known: haproxy, litellm)" ;;
    esac
done

case "$GATEWYSE_BIN" in
    /*) ;;
    *) if [[ -e "$PWD/$GATEWYSE_BIN" ]]; then GATEWYSE_BIN="$PWD/$GATEWYSE_BIN"; else GATEWYSE_BIN="$REPO_DIR/$GATEWYSE_BIN"; fi ;;
esac
[[ -x "$GATEWYSE_BIN" ]] || die "gateway binary not found: $GATEWYSE_BIN (build it: swift build -c release --product gatewyse)"
GATEWYSE_BIN="$(realpath "$GATEWYSE_BIN")"
# The paced upstream is the test mock, from the same build as the gateway unless told otherwise.
[[ -n "$MOCK_BIN" ]] || MOCK_BIN="$(dirname "$GATEWYSE_BIN")/gatewyse-mock"
if [[ "$PACED" == 1 && ! -x "$MOCK_BIN" ]]; then
    die "paced-stream mock not found: $MOCK_BIN (build it: swift build -c release --product gatewyse-mock; or PACED=0)"
fi
build_config_of() {   # .build/<triple>/{release,debug}/gatewyse -> release|debug|unknown (dir)
    local c
    c="$(basename "$(dirname "$1")")"
    case "$c" in release|debug) echo "$c" ;; *) echo "unknown ($c)" ;; esac
}
BUILD_CONFIG="$(build_config_of "$GATEWYSE_BIN")"
BASELINE_BUILD_CONFIG=""
if [[ -n "$BASELINE_BIN" ]]; then
    case "$BASELINE_BIN" in
        /*) ;;
        *) if [[ -e "$PWD/$BASELINE_BIN" ]]; then BASELINE_BIN="$PWD/$BASELINE_BIN"; else BASELINE_BIN="$REPO_DIR/$BASELINE_BIN"; fi ;;
    esac
    [[ -x "$BASELINE_BIN" ]] || die "baseline gateway binary not found: $BASELINE_BIN"
    BASELINE_BIN="$(realpath "$BASELINE_BIN")"
    BASELINE_BUILD_CONFIG="$(build_config_of "$BASELINE_BIN")"
    WITH_BASELINE=1
fi

NGINX="$(command -v nginx || true)"
[[ -n "$NGINX" ]] || { [[ -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx; } || die "nginx not found (make bench-deps, or apt-get install nginx-light)"
command -v wrk >/dev/null || die "wrk not found (make bench-deps, or apt-get install wrk)"
HAPROXY=""
if (( WITH_HAPROXY )); then
    HAPROXY="$(command -v haproxy || true)"
    [[ -n "$HAPROXY" ]] || { [[ -x /usr/sbin/haproxy ]] && HAPROXY=/usr/sbin/haproxy; } || die "haproxy not found (make bench-deps, or apt-get install haproxy)"
fi
PYTHON="$(command -v python3 || true)"
[[ -n "$PYTHON" ]] || die "python3 not found"
CLK_TCK="$(getconf CLK_TCK)"

# More descriptors for 512 streams (+ upstream connections) per process, when the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE="$(ulimit -n)"
[[ "$NOFILE" == unlimited ]] && NOFILE=65536

TMP="$(mktemp -d "${TMPDIR:-/tmp}/gatewyse-bench.XXXXXX")"
RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
STARTED_S="$SECONDS"
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"   # other work on the machine skews every figure
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"

# ---------------------------------------------------------------------------------------------
# Process bookkeeping and cleanup

NGINX_PID="" GW_PID="" LL_PID="" MOCK_PID="" HA_PID="" BL_PID=""
SAMPLER_PIDS=()

tree_pids() {   # a pid and all its descendants
    local pid="$1" child
    [[ -d /proc/$pid ]] || return 0
    echo "$pid"
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do tree_pids "$child"; done
}

stop_tree() {   # TERM a process and its descendants, wait up to N s (default 5), then KILL what is left
    local root="$1" secs="${2:-5}" pids pid i
    [[ -n "$root" ]] || return 0
    pids="$(tree_pids "$root")"
    [[ -n "$pids" ]] || return 0
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < secs * 10; i++)); do
        local alive=0
        for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    wait "$root" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    stop_tree "$LL_PID"
    stop_tree "$HA_PID"
    stop_tree "$BL_PID"
    stop_tree "${GOV_PID:-}"
    stop_tree "${TR_PID:-}"
    stop_tree "${UM_PID:-}"
    stop_tree "${DK_PID:-}"
    stop_tree "${SINK_PID:-}"
    stop_tree "$GW_PID" "$STOP_TIMEOUT"
    stop_tree "$NGINX_PID"
    stop_tree "$MOCK_PID"
    if (( rc != 0 && rc != 130 && rc != 143 )); then
        for f in gateway.log unmetered.log dbkey.log governed.log traced.log baseline.log haproxy.log nginx-error.log litellm.log; do
            if [[ -s "$TMP/$f" ]]; then log "last lines of $f:"; tail -n 20 "$TMP/$f" >&2; fi
        done
    fi
    if [[ "$BENCH_KEEP_TMP" == 1 ]]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

died() {   # pid what: dies with how a child process ended (wait must run in this shell)
    local rc=0 how
    wait "$1" 2>/dev/null || rc=$?
    if (( rc > 128 )); then how="killed by signal $(kill -l $(( rc - 128 )) 2>/dev/null || echo $(( rc - 128 )))"
    else how="exit status $rc"; fi
    die "$2 ($how)"
}

free_ports() {   # N distinct free loopback ports
    "$PYTHON" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

cpu_ticks() {   # utime+stime (clock ticks) summed over the given pids
    local total=0 pid stat
    local -a f
    for pid in "$@"; do
        stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
        read -r -a f <<<"${stat##*) }"   # f[0] is field 3 (state): utime is field 14, stime 15
        total=$(( total + f[11] + f[12] ))
    done
    echo "$total"
}

rss_kb() {   # VmRSS (kB) summed over a process and its descendants
    local total=0 pid k v rest
    for pid in $(tree_pids "$1"); do
        while read -r k v rest; do
            if [[ "$k" == VmRSS: ]]; then total=$(( total + v )); break; fi
        done <"/proc/$pid/status" 2>/dev/null || true
    done
    echo "$total"
}

start_rss_sampler() {   # name root_pid: appends one VmRSS sample (kB) every 0.5 s to $TMP/rss-name.log
    local name="$1" pid="$2"
    : >"$TMP/rss-$name.log"
    ( while kill -0 "$pid" 2>/dev/null; do rss_kb "$pid" >>"$TMP/rss-$name.log"; sleep 0.5; done ) &
    SAMPLER_PIDS+=("$!")
}

rss_mark() { wc -l <"$TMP/rss-$1.log"; }

rss_peak_since() {   # name line_count [extra sample]: the largest sample after line_count
    { tail -n "+$(( $2 + 1 ))" "$TMP/rss-$1.log"; if [[ -n "${3:-}" ]]; then echo "$3"; fi; } | sort -n | tail -n 1
}

rss_samples_since() {   # name line_count: the samples after line_count as a JSON array
    tail -n "+$(( $2 + 1 ))" "$TMP/rss-$1.log" | paste -sd, | sed 's/^/[/; s/$/]/'
}

# ---------------------------------------------------------------------------------------------
# Payloads

read -r NGINX_PORT GW_PORT LL_PORT MOCK_PORT HA_PORT HA_PACED_PORT BL_PORT GOV_PORT TR_PORT SINK_PORT UM_PORT DK_PORT < <(free_ports 12)
GW_KEY="aigw_sk_$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
LL_KEY="sk-bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"

# A ~1 KB chat request: system + user message, temperature, max_tokens.
make_body() {   # model stream(true|false) -> JSON
    local model="$1" stream="$2" extra=""
    [[ "$stream" == true ]] && extra=',"stream":true'
    printf '%s' '{"model":"'"$model"'","messages":[{"role":"system","content":"You are a support assistant for Northwind Books, an online bookshop. Answer in a friendly, concise tone. Use only the order facts given in the conversation; never invent tracking numbers, prices or dates. If a customer asks for a refund, explain the 30-day return policy and offer to open a return request. Keep answers under 120 words and end with a short question that moves the conversation forward."},{"role":"user","content":"Hi! I ordered three books last Tuesday (order NW-48213): a hardcover copy of The Left Hand of Darkness, a paperback of Piranesi and the illustrated edition of The Hobbit. The tracking page has said label created for four days now and nothing has moved. I need the Hobbit as a birthday present on Saturday. Can you tell me whether the parcel has actually shipped, and if it will not arrive in time, can I pick the Hobbit up from your Leeds store instead and get the other two delivered later? Thanks a lot for your help."}],"temperature":0.2,"max_tokens":256,"top_p":1,"user":"customer-48213"'"$extra"'}'
}
make_body "mock/gpt-4o-mini" false >"$TMP/chat.json"
make_body "mockstream/gpt-4o-mini" true >"$TMP/stream.json"
make_body "bench-mock" false >"$TMP/litellm-chat.json"
make_body "bench-mockstream" true >"$TMP/litellm-stream.json"
# Direct requests carry the model name the gateway would send upstream.
make_body "gpt-4o-mini" false >"$TMP/direct-chat.json"
make_body "gpt-4o-mini" true >"$TMP/direct-stream.json"
# The paced upstream (gatewyse-mock) streams 24 frames 5 ms apart for this model.
make_body "paced/paced-stream" true >"$TMP/paced.json"
make_body "paced-stream" true >"$TMP/direct-paced.json"

# The mock's answers. They go into nginx `return` strings: no single quotes, no '$', no backslashes
# (the \n below are nginx's own escapes, turned into newlines when the config is read).
CHAT_RESPONSE='{"id":"chatcmpl-bench0001","object":"chat.completion","created":1732406400,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Thanks for the order number. Order NW-48213 is packed and waiting for the carrier, which is why tracking still shows label created. It should leave our warehouse tomorrow, so Saturday delivery is not guaranteed. I can split the order: the Hobbit held for pickup at our Leeds store from Friday, and the other two books delivered next week. Shall I set that up?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":211,"completion_tokens":78,"total_tokens":289,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_bench01"}'

sse_chunk() {   # choices-json usage-json -> one frame (nginx escapes) on one line
    printf 'data: {"id":"chatcmpl-bench0002","object":"chat.completion.chunk","created":1732406400,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_bench01","choices":%s,"usage":%s}\\n\\n\n' "$1" "$2"
}
build_sse() {
    local words=("Order" " NW-48213" " is" " packed" " and" " waiting" " for" " the" " carrier," " so" " tracking" " still" " shows" " label" " created." " It" " ships" " tomorrow." " Shall" " I?")
    local w
    sse_chunk '[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]' null
    for w in "${words[@]}"; do
        sse_chunk '[{"index":0,"delta":{"content":"'"$w"'"},"logprobs":null,"finish_reason":null}]' null
    done
    sse_chunk '[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]' null
    sse_chunk '[]' '{"prompt_tokens":211,"completion_tokens":20,"total_tokens":231,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
    printf 'data: [DONE]\\n\\n\n'
}
mapfile -t SSE_FRAMES < <(build_sse)   # one frame per line, each ending in the two-character \n\n

# ---------------------------------------------------------------------------------------------
# 1. nginx, the mock upstream

mkdir -p "$TMP/nginx"
NGINX_USER=""
[[ "$(id -u)" == 0 ]] && NGINX_USER="user $(id -un) $(id -gn);"   # workers stay this user, not nobody
WORKER_CONNECTIONS=$(( NOFILE > 16484 ? 16384 : NOFILE - 100 ))
# nginx reads a config token into a 4 KB buffer, so the stream is split over several variables
# (`set` then one `return` that joins them: a few string copies per request).
SSE_SETS="" SSE_VARS="" group="" n=0
for frame in "${SSE_FRAMES[@]}"; do
    if (( ${#group} + ${#frame} > 3000 )); then
        SSE_SETS+="            set \$sse$n '$group';"$'\n'; SSE_VARS+="\$sse$n"; group=""; n=$(( n + 1 ))
    fi
    group+="$frame"
done
SSE_SETS+="            set \$sse$n '$group';"; SSE_VARS+="\$sse$n"
cat >"$TMP/nginx.conf" <<EOF
$NGINX_USER
worker_processes 1;
daemon off;
master_process on;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx-error.log warn;
events {
    worker_connections $WORKER_CONNECTIONS;
    multi_accept on;
}
http {
    access_log off;
    server_tokens off;
    keepalive_requests 100000;
    keepalive_timeout 300s;
    client_max_body_size 1m;
    client_body_buffer_size 64k;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        location = /v1/chat/completions {
            default_type application/json;
            return 200 '$CHAT_RESPONSE';
        }
        location = /stream/v1/chat/completions {
            default_type text/event-stream;
$SSE_SETS
            return 200 '$SSE_VARS';
        }
        location = /healthz { default_type text/plain; return 200 'ok'; }
        location / { return 404; }
    }
}
EOF
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" 2>>"$TMP/nginx-error.log" \
    || die "nginx rejected $TMP/nginx.conf"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" 2>>"$TMP/nginx-error.log" &
NGINX_PID=$!
"$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$NGINX_PORT/healthz" --wait 10 \
    || die "nginx did not come up"
"$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$NGINX_PORT/stream/v1/chat/completions" \
    --body-file "$TMP/direct-stream.json" --contains 'data: [DONE]' || die "nginx stream route is wrong"
log "nginx mock upstream on 127.0.0.1:$NGINX_PORT (pid $NGINX_PID)"

# 1b. A paced upstream: nginx sends a whole stream at once, which cannot show whether a proxy
# adds pauses between frames that arrive over time, as a model's tokens do.
if [[ "$PACED" == 1 ]]; then
    "$MOCK_BIN" --port "$MOCK_PORT" >"$TMP/mock.log" 2>&1 &
    MOCK_PID=$!
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" --wait 10 \
        --body-file "$TMP/direct-paced.json" --contains 'data: [DONE]' || die "the paced-stream mock did not come up"
    log "paced-stream mock upstream on 127.0.0.1:$MOCK_PORT (pid $MOCK_PID)"
fi

# ---------------------------------------------------------------------------------------------
# 2. the gateway

cat >"$TMP/gatewyse.yaml" <<EOF
server:
  host: 127.0.0.1
providers:
  - id: mock
    type: openai
    api_key: sk-bench
    base_url: http://127.0.0.1:$NGINX_PORT/v1
    allow_private_network: true
  - id: mockstream
    type: openai
    api_key: sk-bench
    base_url: http://127.0.0.1:$NGINX_PORT/stream/v1
    allow_private_network: true
  - id: paced
    type: openai
    api_key: sk-bench
    base_url: http://127.0.0.1:$MOCK_PORT/v1
    allow_private_network: true
tenants:
  - id: bench
    api_keys:
      - name: bench
        key: $GW_KEY
EOF
declare -A RSS_START=() RSS_IDLE=() RSS_AFTER=()   # per measured proxy (target name), kB

# Runs this config from a gatewyse binary, waits for /healthz, checks one chat and one streaming
# request end to end, and starts its RSS sampler. In the main shell (not $(…)), so that `wait` works.
start_gatewyse() {   # target what binary port database log wrapper pid-variable [config]
    local target="$1" what="$2" bin="$3" port="$4" db="$5" logf="$6" wrapper="$7" config="${9:-$TMP/gatewyse.yaml}" pid i
    # shellcheck disable=SC2086  # the wrapper is a command line
    LOG_LEVEL=error $wrapper "$bin" serve --config "$config" --port "$port" \
        --database "sqlite:$db" >"$logf" 2>&1 &
    pid=$!
    printf -v "$8" '%s' "$pid"
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || died "$pid" "$what exited during start-up"
        "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$port/healthz" 2>/dev/null && break
        sleep 0.1
    done
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$port/healthz" || die "$what did not come up in $START_TIMEOUT s"
    RSS_START[$target]="$(rss_kb "$pid")"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$port/v1/chat/completions" \
        --body-file "$TMP/chat.json" --auth "Bearer $GW_KEY" --contains '"chat.completion"' \
        || die "a chat request through $what failed"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$port/v1/chat/completions" \
        --body-file "$TMP/stream.json" --auth "Bearer $GW_KEY" --contains 'data: [DONE]' \
        || die "a streaming request through $what failed"
    start_rss_sampler "$target" "$pid"
}

start_gatewyse gatewyse "the gateway" "$GATEWYSE_BIN" "$GW_PORT" "$TMP/bench.sqlite" "$TMP/gateway.log" "$GATEWYSE_WRAPPER" GW_PID
log "gateway ($BUILD_CONFIG) on 127.0.0.1:$GW_PORT (pid $GW_PID)"

# 2a. The same binary with metrics off: the gateway above has them on (the default), so the
# difference between the two rows is what metrics cost per request.
UM_PID=""
if (( WITH_UNMETERED )); then
    { cat "$TMP/gatewyse.yaml"; printf 'metrics:\n  enabled: false\n'; } >"$TMP/unmetered.yaml"
    start_gatewyse unmetered "the gateway without metrics" "$GATEWYSE_BIN" "$UM_PORT" "$TMP/unmetered.sqlite" "$TMP/unmetered.log" "" UM_PID \
        "$TMP/unmetered.yaml"
    log "gateway without metrics on 127.0.0.1:$UM_PORT (pid $UM_PID)"
fi

# The instances measured with keys from the database: each has its own database and a
# super-admin made by the CLI, then gets its key through the admin API (bench/governance_setup.py,
# whose options say what else it sets up), checked with one chat request.
start_admin_gatewyse() {   # target description port pid_var key_var [governance_setup.py options...]
    local target="$1" what="$2" port="$3" pid_var="$4" key_var="$5" password key
    shift 5
    password="Bench-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')-9!"
    "$GATEWYSE_BIN" admin create --config "$TMP/gatewyse.yaml" --database "sqlite:$TMP/$target.sqlite" \
        --email bench-admin@bench.test --role super-admin --password "$password" >"$TMP/$target-admin.log" 2>&1 \
        || { cat "$TMP/$target-admin.log" >&2; die "could not create the admin of $what"; }
    start_gatewyse "$target" "$what" "$GATEWYSE_BIN" "$port" "$TMP/$target.sqlite" "$TMP/$target.log" "" "$pid_var"
    key="$("$PYTHON" "$BENCH_DIR/governance_setup.py" "$@" --url "http://127.0.0.1:$port" --email bench-admin@bench.test \
        --password "$password" --tenant bench)" || die "could not set up $what"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$port/v1/chat/completions" \
        --body-file "$TMP/chat.json" --auth "Bearer $key" --contains '"chat.completion"' \
        || die "a chat request through $what failed"
    printf -v "$key_var" '%s' "$key"
}

# 2a. The same binary with a database-backed key and nothing else (no limits, no budget).
DK_KEY="" DK_PID=""
if (( WITH_DBKEY )); then
    start_admin_gatewyse dbkey "the database-key gateway" "$DK_PORT" DK_PID DK_KEY --key-only
    log "database-key gateway on 127.0.0.1:$DK_PORT (pid $DK_PID)"
fi

# 2b. The same binary with governance on: a database-backed key with a rate limit it never
# reaches and a tenant budget it never exhausts; usage is recorded by both instances.
GOV_KEY="" GOV_PID=""
if (( WITH_GOVERNED )); then
    start_admin_gatewyse governed "the governed gateway" "$GOV_PORT" GOV_PID GOV_KEY
    log "governed gateway on 127.0.0.1:$GOV_PORT (pid $GOV_PID): database key, rate limit, tenant budget, usage"
fi

# 2a'. The same binary with tracing on: every request sampled (a request span and an attempt
# span each), exported by OTLP/HTTP to bench/otlp_sink.py, whose CPU is not the gateway's.
TR_PID="" SINK_PID=""
if (( WITH_TRACED )); then
    "$PYTHON" "$BENCH_DIR/otlp_sink.py" --port "$SINK_PORT" >"$TMP/otlp-sink.log" 2>&1 &
    SINK_PID=$!
    start_gatewyse traced "the traced gateway" "$GATEWYSE_BIN" "$TR_PORT" "$TMP/traced.sqlite" "$TMP/traced.log" \
        "env OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$SINK_PORT OTEL_TRACES_SAMPLER=always_on OTEL_BSP_SCHEDULE_DELAY=1000" TR_PID
    log "traced gateway on 127.0.0.1:$TR_PORT (pid $TR_PID): tracing on, 100% sampled, OTLP sink on 127.0.0.1:$SINK_PORT"
fi

# 2b. The baseline gateway (BASELINE_BIN): an older binary, same config, its own database, never
# under GATEWYSE_WRAPPER. An older binary that rejects a key this config has gained fails here.
if (( WITH_BASELINE )); then
    start_gatewyse baseline "the baseline gateway ($BASELINE_BIN)" "$BASELINE_BIN" "$BL_PORT" \
        "$TMP/baseline.sqlite" "$TMP/baseline.log" "" BL_PID
    log "baseline gateway ($BASELINE_BUILD_CONFIG, $BASELINE_BIN) on 127.0.0.1:$BL_PORT (pid $BL_PID)"
fi

# ---------------------------------------------------------------------------------------------
# 2b. LiteLLM (PEERS=litellm)

LITELLM_VERSION=""
if (( WITH_LITELLM )); then
    VENV="$BENCH_DIR/.venv-litellm"
    if [[ ! -f "$VENV/.installed" ]]; then
        log "installing LiteLLM's proxy into $VENV (PyPI)"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "${LITELLM_SPEC:-litellm[proxy]}"
        # Without these two, every request retries two failing imports (~10 ms CPU each) and a bad
        # key answers 500: see docs in /work/shared/reference/litellm-peer.md.
        OTEL_API="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("opentelemetry-api"))' 2>/dev/null || true)"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-sdk${OTEL_API:+==$OTEL_API}" prisma
        touch "$VENV/.installed"
    fi
    LITELLM_VERSION="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))')"
    cat >"$TMP/litellm.yaml" <<EOF
model_list:
  - model_name: bench-mock
    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:$NGINX_PORT/v1", api_key: sk-bench}
  - model_name: bench-mockstream
    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:$NGINX_PORT/stream/v1", api_key: sk-bench}
litellm_settings:
  num_retries: 0
  request_timeout: 30
  set_verbose: false
  drop_params: true
  callbacks: []
  success_callback: []
  failure_callback: []
router_settings:
  routing_strategy: simple-shuffle
general_settings:
  master_key: $LL_KEY
  disable_spend_logs: true
  disable_error_logs: true
EOF
    # Offline: the local model cost map, no proxies from the environment (loopback only).
    env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
        NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
        LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR LITELLM_MODE=PRODUCTION DISABLE_ADMIN_UI=True \
        "$VENV/bin/litellm" --config "$TMP/litellm.yaml" --host 127.0.0.1 --port "$LL_PORT" --num_workers 1 \
        >"$TMP/litellm.log" 2>&1 &
    LL_PID=$!
    for ((i = 0; i < 1200; i++)); do
        kill -0 "$LL_PID" 2>/dev/null || died "$LL_PID" "LiteLLM exited during start-up"
        "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$LL_PORT/health/liveliness" 2>/dev/null && break
        sleep 0.1
    done
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$LL_PORT/health/liveliness" \
        || die "LiteLLM did not come up in 120 s"
    RSS_START[litellm]="$(rss_kb "$LL_PID")"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$LL_PORT/v1/chat/completions" \
        --body-file "$TMP/litellm-chat.json" --auth "Bearer $LL_KEY" --contains '"chat.completion"' \
        || die "a chat request through LiteLLM failed"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$LL_PORT/v1/chat/completions" \
        --body-file "$TMP/litellm-stream.json" --auth "Bearer $LL_KEY" --contains 'data: [DONE]' \
        || die "a streaming request through LiteLLM failed"
    start_rss_sampler litellm "$LL_PID"
    log "LiteLLM $LITELLM_VERSION on 127.0.0.1:$LL_PORT (pid $LL_PID)"
fi

# ---------------------------------------------------------------------------------------------
# 2c. HAProxy (PEERS=haproxy): a plain HTTP reverse proxy in front of the same mocks, the floor any
# proxy pays on this machine. Requests pass through unchanged (same path and body as direct).
# `option http-no-delay`: by default HAProxy sends with MSG_MORE while a message is incomplete, and
# the kernel then holds the small frames of a paced stream for up to ~200 ms (seen: +90 ms TTFT);
# anyone proxying token streams through HAProxy turns that off, and so does a fair floor.

HAPROXY_VERSION="" HA_NBTHREAD=""
if (( WITH_HAPROXY )); then
    HAPROXY_VERSION="$("$HAPROXY" -v 2>/dev/null | sed -n 1p)"   # not head: SIGPIPE + pipefail
    # nbthread = the usable cores (2 here): the gateway runs on NIO's singleton event-loop group, one
    # thread per core, and HAProxy's own default is one thread per CPU; both proxies may use every
    # core, which nginx (1 worker) and wrk (2 threads) share too. No CPU pinning: the gateway has none.
    HA_NBTHREAD="$(nproc)"
    HA_MAXCONN=$(( NOFILE > 41000 ? 20000 : (NOFILE - 1000) / 2 ))
    (( HA_MAXCONN >= 600 )) || die "haproxy needs more file descriptors (ulimit -n is $NOFILE)"
    HA_PACED=""
    if [[ "$PACED" == 1 ]]; then
        HA_PACED="
frontend paced
    bind 127.0.0.1:$HA_PACED_PORT backlog 4096
    default_backend paced

backend paced
    server mock 127.0.0.1:$MOCK_PORT pool-purge-delay 300s"
    fi
    cat >"$TMP/haproxy.cfg" <<EOF
global
    nbthread $HA_NBTHREAD
    maxconn $HA_MAXCONN
    pidfile $TMP/haproxy.pid

defaults
    mode http
    option http-keep-alive
    option http-no-delay
    http-reuse always
    maxconn $HA_MAXCONN
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-request 60s
    timeout http-keep-alive 300s
    timeout queue 60s

frontend mock
    bind 127.0.0.1:$HA_PORT backlog 4096
    default_backend nginx

backend nginx
    server nginx 127.0.0.1:$NGINX_PORT pool-purge-delay 300s
$HA_PACED
EOF
    "$HAPROXY" -c -q -f "$TMP/haproxy.cfg" >>"$TMP/haproxy.log" 2>&1 || die "haproxy rejected $TMP/haproxy.cfg"
    "$HAPROXY" -db -f "$TMP/haproxy.cfg" >>"$TMP/haproxy.log" 2>&1 &
    HA_PID=$!
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$HA_PORT/healthz" --wait 10 \
        || { kill -0 "$HA_PID" 2>/dev/null || died "$HA_PID" "haproxy exited during start-up"; die "haproxy did not come up"; }
    RSS_START[haproxy]="$(rss_kb "$HA_PID")"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$HA_PORT/v1/chat/completions" \
        --body-file "$TMP/direct-chat.json" --contains '"chat.completion"' || die "a chat request through haproxy failed"
    "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$HA_PORT/stream/v1/chat/completions" \
        --body-file "$TMP/direct-stream.json" --contains 'data: [DONE]' || die "a streaming request through haproxy failed"
    if [[ "$PACED" == 1 ]]; then
        "$PYTHON" "$BENCH_DIR/stream_probe.py" check --url "http://127.0.0.1:$HA_PACED_PORT/v1/chat/completions" \
            --body-file "$TMP/direct-paced.json" --contains 'data: [DONE]' || die "a paced stream through haproxy failed"
    fi
    start_rss_sampler haproxy "$HA_PID"
    log "$HAPROXY_VERSION (nbthread $HA_NBTHREAD) on 127.0.0.1:$HA_PORT${HA_PACED:+, paced on :$HA_PACED_PORT} (pid $HA_PID)"
fi

if [[ "$BENCH_SERVE" == 1 ]]; then
    {
        echo
        echo "Serving until Ctrl-C (files in $TMP):"
        echo "  mock (nginx): http://127.0.0.1:$NGINX_PORT/v1/chat/completions (stream: /stream/v1/chat/completions), pid $NGINX_PID"
        echo "  gateway:      http://127.0.0.1:$GW_PORT/v1/chat/completions, pid $GW_PID"
        echo "                Authorization: Bearer $GW_KEY"
        echo "                bodies: $TMP/chat.json $TMP/stream.json"
        if (( WITH_BASELINE )); then
            echo "  baseline:     http://127.0.0.1:$BL_PORT/v1/chat/completions, pid $BL_PID (same key and bodies)"
        fi
        if (( WITH_DBKEY )); then
            echo "  database key: http://127.0.0.1:$DK_PORT/v1/chat/completions, pid $DK_PID (same bodies)"
            echo "                Authorization: Bearer $DK_KEY"
        fi
        if (( WITH_GOVERNED )); then
            echo "  governed:     http://127.0.0.1:$GOV_PORT/v1/chat/completions, pid $GOV_PID (same bodies)"
            echo "                Authorization: Bearer $GOV_KEY"
        fi
        if (( WITH_UNMETERED )); then
            echo "  metrics off:  http://127.0.0.1:$UM_PORT/v1/chat/completions, pid $UM_PID (same key and bodies)"
        fi
        if (( WITH_HAPROXY )); then
            echo "  haproxy:      http://127.0.0.1:$HA_PORT/v1/chat/completions (stream: /stream/v1/chat/completions), pid $HA_PID"
            echo "                no auth; bodies: $TMP/direct-chat.json $TMP/direct-stream.json"
        fi
        if (( WITH_LITELLM )); then
            echo "  litellm:      http://127.0.0.1:$LL_PORT/v1/chat/completions, pid $LL_PID"
            echo "                Authorization: Bearer $LL_KEY"
            echo "                bodies: $TMP/litellm-chat.json $TMP/litellm-stream.json"
        fi
        echo
        echo "  2000 chat requests over 4 connections:"
        echo "    python3 bench/stream_probe.py probe --port $GW_PORT --path /v1/chat/completions --body-file $TMP/chat.json --auth 'Bearer $GW_KEY' --concurrency 4 --duration 600 --count 2000 --expect '\"chat.completion\"'"
        echo "  wrk:"
        echo "    BENCH_BODY_FILE=$TMP/chat.json BENCH_AUTH='Bearer $GW_KEY' wrk -t2 -c64 -d10s --latency -s bench/wrk.lua http://127.0.0.1:$GW_PORT/v1/chat/completions"
    } >&2
    while kill -0 "$GW_PID" 2>/dev/null; do sleep 1; done
    died "$GW_PID" "the gateway exited"
fi

# ---------------------------------------------------------------------------------------------
# Targets: name -> url base, bodies, auth, pid to measure

# Run order within a scenario, and the order of the rows: the floor next to the gateway.
TARGETS=(direct)
(( WITH_HAPROXY )) && TARGETS+=(haproxy)
TARGETS+=(gatewyse)
(( WITH_UNMETERED )) && TARGETS+=(unmetered)
(( WITH_DBKEY )) && TARGETS+=(dbkey)
(( WITH_GOVERNED )) && TARGETS+=(governed)
(( WITH_TRACED )) && TARGETS+=(traced)
(( WITH_BASELINE )) && TARGETS+=(baseline)
(( WITH_LITELLM )) && TARGETS+=(litellm)

target_url() {   # target kind(chat|stream)
    case "$1/$2" in
        direct/chat) echo "http://127.0.0.1:$NGINX_PORT/v1/chat/completions" ;;
        direct/stream) echo "http://127.0.0.1:$NGINX_PORT/stream/v1/chat/completions" ;;
        direct/paced) echo "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" ;;
        haproxy/chat) echo "http://127.0.0.1:$HA_PORT/v1/chat/completions" ;;
        haproxy/stream) echo "http://127.0.0.1:$HA_PORT/stream/v1/chat/completions" ;;
        haproxy/paced) echo "http://127.0.0.1:$HA_PACED_PORT/v1/chat/completions" ;;
        gatewyse/*) echo "http://127.0.0.1:$GW_PORT/v1/chat/completions" ;;
        unmetered/*) echo "http://127.0.0.1:$UM_PORT/v1/chat/completions" ;;
        dbkey/*) echo "http://127.0.0.1:$DK_PORT/v1/chat/completions" ;;
        governed/*) echo "http://127.0.0.1:$GOV_PORT/v1/chat/completions" ;;
        traced/*) echo "http://127.0.0.1:$TR_PORT/v1/chat/completions" ;;
        baseline/*) echo "http://127.0.0.1:$BL_PORT/v1/chat/completions" ;;
        litellm/*) echo "http://127.0.0.1:$LL_PORT/v1/chat/completions" ;;
    esac
}
target_body() {
    case "$1" in
        direct|haproxy) echo "$TMP/direct-$2.json" ;;
        gatewyse|unmetered|dbkey|governed|traced|baseline) echo "$TMP/$2.json" ;;
        litellm) echo "$TMP/litellm-$2.json" ;;
    esac
}
target_auth() {
    case "$1" in
        direct|haproxy) echo "" ;;
        gatewyse|unmetered|traced|baseline) echo "Bearer $GW_KEY" ;;
        governed) echo "Bearer $GOV_KEY" ;;
        dbkey) echo "Bearer $DK_KEY" ;;
        litellm) echo "Bearer $LL_KEY" ;;
    esac
}
target_root_pid() {
    case "$1" in
        direct) if [[ ${2:-} == paced ]]; then echo "$MOCK_PID"; else echo "$NGINX_PID"; fi ;;
        haproxy) echo "$HA_PID" ;;
        gatewyse) echo "$GW_PID" ;;
        unmetered) echo "$UM_PID" ;;
        dbkey) echo "$DK_PID" ;;
        governed) echo "$GOV_PID" ;;
        traced) echo "$TR_PID" ;;
        baseline) echo "$BL_PID" ;;
        litellm) echo "$LL_PID" ;;
    esac
}

check_alive() {
    kill -0 "$NGINX_PID" 2>/dev/null || died "$NGINX_PID" "nginx died during $1"
    kill -0 "$GW_PID" 2>/dev/null || died "$GW_PID" "the gateway died during $1; its log follows"
    if (( WITH_UNMETERED )); then kill -0 "$UM_PID" 2>/dev/null || died "$UM_PID" "the gateway without metrics died during $1; its log follows"; fi
    if (( WITH_DBKEY )); then kill -0 "$DK_PID" 2>/dev/null || died "$DK_PID" "the database-key gateway died during $1; its log follows"; fi
    if (( WITH_GOVERNED )); then kill -0 "$GOV_PID" 2>/dev/null || died "$GOV_PID" "the governed gateway died during $1; its log follows"; fi
    if (( WITH_TRACED )); then kill -0 "$TR_PID" 2>/dev/null || died "$TR_PID" "the traced gateway died during $1; its log follows"; fi
    if (( WITH_BASELINE )); then kill -0 "$BL_PID" 2>/dev/null || died "$BL_PID" "the baseline gateway died during $1; its log follows"; fi
    if (( WITH_HAPROXY )); then kill -0 "$HA_PID" 2>/dev/null || died "$HA_PID" "haproxy died during $1"; fi
    if (( WITH_LITELLM )); then kill -0 "$LL_PID" 2>/dev/null || died "$LL_PID" "LiteLLM died during $1"; fi
    if [[ -n "$MOCK_PID" ]]; then kill -0 "$MOCK_PID" 2>/dev/null || died "$MOCK_PID" "the paced-stream mock died during $1"; fi
}

settle() {   # waits (up to 5 s) until the proxies have stopped using CPU from the previous run
    local pids t0 t1 i
    pids="$(for t in "${TARGETS[@]}"; do tree_pids "$(target_root_pid "$t")"; done)"
    for ((i = 0; i < 20; i++)); do
        t0="$(cpu_ticks $pids)"; sleep 0.25; t1="$(cpu_ticks $pids)"
        (( t1 - t0 <= 1 )) && break
    done
    return 0
}

ROUND=1 ROUNDS_LABEL=""   # which of the ROUNDS run_wrk measures (run_rounds sets them)
wrk_json() {   # wrk-output-file what: wrk.lua's BENCHJSON line, or {"failed":true} (wrk's last lines logged)
    local json
    json="$(sed -n 's/^BENCHJSON //p' "$1" | tail -n 1)"
    if [[ -z "$json" ]]; then
        log "wrk produced no result for $2:"; tail -n 5 "$1" >&2
        json='{"failed":true}'
    fi
    printf '%s' "$json"
}
run_wrk() {   # kind(chat|stream) target concurrency seconds [record(1|0)]
    local kind="$1" target="$2" conns="$3" secs="$4" record="${5:-1}"
    local threads=$(( conns < 2 ? conns : 2 ))
    local url body auth root pids ticks0 ticks1 mark peak out json
    url="$(target_url "$target" "$kind")"; body="$(target_body "$target" "$kind")"
    auth="$(target_auth "$target")"; root="$(target_root_pid "$target")"
    pids="$(tree_pids "$root")"
    out="$TMP/wrk-$kind-$target-$conns-r$ROUND.txt"
    [[ $record == 1 ]] || out="$TMP/wrk-warmup.txt"
    settle
    [[ $target == direct ]] || mark="$(rss_mark "$target")"
    ticks0="$(cpu_ticks $pids)"
    BENCH_BODY_FILE="$body" BENCH_AUTH="$auth" \
        wrk -t "$threads" -c "$conns" -d "${secs}s" --timeout "$WRK_TIMEOUT" --latency \
        -s "$BENCH_DIR/wrk.lua" "$url" >"$out" 2>&1 || true
    ticks1="$(cpu_ticks $pids)"
    check_alive "$kind $target c=$conns"
    [[ $record == 1 ]] || return 0
    json="$(wrk_json "$out" "$kind $target c=$conns")"
    peak=null
    [[ $target == direct ]] || peak="$(rss_peak_since "$target" "$mark" "$(rss_kb "$root")")"
    printf '{"kind":"%s","target":"%s","concurrency":%d,"round":%d,"threads":%d,"wrk":%s,"cpu_ticks":%d,"clk_tck":%d,"rss_peak_kb":%s}\n' \
        "$kind" "$target" "$conns" "$ROUND" "$threads" "$json" "$(( ticks1 - ticks0 ))" "$CLK_TCK" "$peak" >>"$RESULTS"
    log "  $kind $target c=$conns${ROUNDS_LABEL}: $(awk '/Requests\/sec/{print $2 " req/s"}' "$out")"
}

run_probe() {   # target concurrency seconds [route(stream|paced)]
    local target="$1" conns="$2" secs="$3" route="${4:-stream}" url port path json mark="" peak=null root kind=probe
    [[ $route == paced ]] && kind=paced
    url="$(target_url "$target" "$route")"
    port="${url#http://127.0.0.1:}"; path="/${port#*/}"; port="${port%%/*}"
    root="$(target_root_pid "$target" "$route")"
    settle
    [[ $target == direct ]] || mark="$(rss_mark "$target")"
    json="$("$PYTHON" "$BENCH_DIR/stream_probe.py" probe --port "$port" --path "$path" \
        --body-file "$(target_body "$target" "$route")" --auth "$(target_auth "$target")" \
        --concurrency "$conns" --duration "$secs" --timeout 15 --max-streams 2000000 --label "$target" \
        2>"$TMP/$kind-$target-$conns.err")" || json='{"failed":true}'
    check_alive "stream $kind $target c=$conns"
    [[ $target == direct ]] || peak="$(rss_peak_since "$target" "$mark" "$(rss_kb "$root")")"
    printf '{"kind":"%s","target":"%s","concurrency":%d,"probe":%s,"rss_peak_kb":%s}\n' "$kind" "$target" "$conns" "$json" "$peak" >>"$RESULTS"
    log "  $kind $target c=$conns: $(printf '%s' "$json" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d.get("streams_ok"), "streams ok,", d.get("streams_failed"), "failed")' 2>/dev/null || echo failed)"
}

# ---------------------------------------------------------------------------------------------
# 3-5. Load

if (( WARMUP > 0 )); then
    log "warm-up (${WARMUP}s per proxy and route, not measured)"
    for t in "${TARGETS[@]}"; do
        [[ $t == direct ]] && continue
        run_wrk chat "$t" 16 "$WARMUP" 0
        run_wrk stream "$t" 16 "$WARMUP" 0
    done
    sleep 1
fi
for t in "${TARGETS[@]}"; do
    [[ $t == direct ]] || RSS_IDLE[$t]="$(rss_kb "$(target_root_pid "$t")")"
done

warm_at() {   # kind target concurrency: unmeasured load at a new concurrency, so that the proxy's
    # upstream connections for it are open (a fresh 256-connection run spent its p99.9 opening them)
    [[ $2 != direct ]] && (( WARMUP > 0 )) && run_wrk "$1" "$2" "$3" "$WARMUP" 0
    return 0
}

run_rounds() {   # kind concurrency: every target, ROUNDS times, taking turns (reversed every other round)
    local kind="$1" c="$2" t i
    local -a order
    for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
        (( ROUNDS > 1 )) && ROUNDS_LABEL=" round $ROUND/$ROUNDS"
        order=("${TARGETS[@]}")
        if (( ROUND % 2 == 0 )); then
            order=()
            for ((i = ${#TARGETS[@]} - 1; i >= 0; i--)); do order+=("${TARGETS[i]}"); done
        fi
        for t in "${order[@]}"; do
            (( ROUND == 1 )) && warm_at "$kind" "$t" "$c"
            run_wrk "$kind" "$t" "$c" "$DURATION"
        done
    done
    ROUND=1 ROUNDS_LABEL=""
}

log "chat completions: ${DURATION}s per run at concurrency $CONCURRENCY$( (( ROUNDS > 1 )) && echo ", $ROUNDS rounds")"
for c in $CONCURRENCY; do run_rounds chat "$c"; done

log "streams (wrk, whole stream): ${DURATION}s per run at $STREAM_CONCURRENCY concurrent streams$( (( ROUNDS > 1 )) && echo ", $ROUNDS rounds")"
for c in $STREAM_CONCURRENCY; do run_rounds stream "$c"; done

# Side by side: alternated runs compare two targets measured seconds apart, and on a shared VM
# the same binary moves by more than the difference asked about from one run to the next. Loaded
# at once, both sides of a pair run through the same phase of the machine.
SBS_PAIRS=()
(( WITH_BASELINE )) && SBS_PAIRS+=("gatewyse baseline")
(( WITH_GOVERNED )) && SBS_PAIRS+=("governed gatewyse")
run_side_by_side() {   # kind a b round: a and b loaded at once, half the connections each
    local kind="$1" a="$2" b="$3" round="$4" conns=$(( ${STREAM_CONCURRENCY%% *} / 2 )) t pids json
    [[ $kind == chat ]] && conns=$(( ${CONCURRENCY##* } / 2 ))
    (( conns > 0 )) || conns=1
    local -A ticks0=() ticks1=() out=()
    local -a loads=() order=("$a" "$b")
    # The side whose load starts first reads a few µs lower (measured: 2–6 µs per chat request
    # here, either way round); starting the other first every second round cancels that.
    (( round % 2 == 0 )) && order=("$b" "$a")
    settle
    for t in "${order[@]}"; do
        pids="$(tree_pids "$(target_root_pid "$t")")"
        ticks0[$t]="$(cpu_ticks $pids)"
        out[$t]="$TMP/sbs-$kind-$t-r$round.txt"
    done
    for t in "${order[@]}"; do
        BENCH_BODY_FILE="$(target_body "$t" "$kind")" BENCH_AUTH="$(target_auth "$t")" \
            wrk -t 1 -c "$conns" -d "${DURATION}s" --timeout "$WRK_TIMEOUT" --latency \
            -s "$BENCH_DIR/wrk.lua" "$(target_url "$t" "$kind")" >"${out[$t]}" 2>&1 &
        loads+=($!)
    done
    wait "${loads[@]}" || true
    for t in "${order[@]}"; do ticks1[$t]="$(cpu_ticks $(tree_pids "$(target_root_pid "$t")"))"; done
    check_alive "side by side $kind $a/$b"
    for t in "$a" "$b"; do
        json="$(wrk_json "${out[$t]}" "side by side $kind $t round $round")"
        printf '{"kind":"side-%s","target":"%s","pair":"%s|%s","concurrency":%d,"round":%d,"threads":1,"wrk":%s,"cpu_ticks":%d,"clk_tck":%d}\n' \
            "$kind" "$t" "$a" "$b" "$conns" "$round" "$json" "$(( ticks1[$t] - ticks0[$t] ))" "$CLK_TCK" >>"$RESULTS"
    done
    log "  side by side $kind $a/$b round $round/$SIDE_BY_SIDE: $(awk '/Requests\/sec/{print $2}' "${out[$a]}") and $(awk '/Requests\/sec/{print $2}' "${out[$b]}") req/s"
}
if (( SIDE_BY_SIDE > 0 && ${#SBS_PAIRS[@]} > 0 )); then
    log "side by side: ${DURATION}s per run, $SIDE_BY_SIDE rounds per pair and kind"
    for kind in chat stream; do
        for ((r = 1; r <= SIDE_BY_SIDE; r++)); do
            for pair in "${SBS_PAIRS[@]}"; do
                # shellcheck disable=SC2086  # two words: the pair
                run_side_by_side "$kind" $pair "$r"
            done
        done
    done
fi

log "streams (probe, time to first byte and stalls): ${DURATION}s per run"
for c in $STREAM_CONCURRENCY; do
    for t in "${TARGETS[@]}"; do run_probe "$t" "$c" "$DURATION"; done
done

if [[ "$PACED" == 1 ]]; then
    # LiteLLM is left out here: its figures at these concurrencies are already timeouts.
    log "paced streams (probe; 24 frames 5 ms apart from gatewyse-mock): ${DURATION}s per run"
    for c in $STREAM_CONCURRENCY; do
        for t in "${TARGETS[@]}"; do [[ $t == litellm ]] || run_probe "$t" "$c" "$DURATION" paced; done
    done
fi

sleep 2
for t in "${TARGETS[@]}"; do
    [[ $t == direct ]] || RSS_AFTER[$t]="$(rss_kb "$(target_root_pid "$t")")"
done

if (( SOAK > 0 )); then
    log "soak: ${SOAK}s of 3 chat : 1 stream at 64 connections through the gateway"
    mark="$(rss_mark gatewyse)"
    settle
    ticks0="$(cpu_ticks "$GW_PID")"
    BENCH_BODY_FILE="$TMP/chat.json" BENCH_AUTH="Bearer $GW_KEY" \
    BENCH_MIX_PATH=/v1/chat/completions BENCH_MIX_BODY_FILE="$TMP/stream.json" BENCH_MIX_EVERY=4 \
        wrk -t 2 -c 64 -d "${SOAK}s" --timeout "$WRK_TIMEOUT" --latency -s "$BENCH_DIR/wrk.lua" \
        "http://127.0.0.1:$GW_PORT/v1/chat/completions" >"$TMP/wrk-soak.txt" 2>&1 || true
    ticks1="$(cpu_ticks "$GW_PID")"
    check_alive soak
    samples="$(rss_samples_since gatewyse "$mark")"
    sleep 2
    json="$(wrk_json "$TMP/wrk-soak.txt" soak)"
    printf '{"kind":"soak","target":"gatewyse","concurrency":64,"seconds":%d,"wrk":%s,"cpu_ticks":%d,"clk_tck":%d,"rss_before_kb":%d,"rss_after_kb":%d,"rss_samples_kb":%s}\n' \
        "$SOAK" "$json" "$(( ticks1 - ticks0 ))" "$CLK_TCK" "${RSS_AFTER[gatewyse]}" "$(rss_kb "$GW_PID")" "${samples:-[]}" >>"$RESULTS"
fi

# ---------------------------------------------------------------------------------------------
# 6. Report

mkdir -p "$BENCH_DIR/results"
OUT_JSON="$BENCH_DIR/results/$STAMP.json"
for t in "${TARGETS[@]}"; do
    [[ $t == direct ]] && continue
    printf '{"kind":"rss","target":"%s","start_kb":%s,"idle_kb":%s,"after_load_kb":%s}\n' \
        "$t" "${RSS_START[$t]}" "${RSS_IDLE[$t]}" "${RSS_AFTER[$t]}" >>"$RESULTS"
done

"$PYTHON" "$BENCH_DIR/report.py" --results "$RESULTS" --out "$OUT_JSON" \
    --started-at "$STARTED_AT" --bin "$GATEWYSE_BIN" --bin-given "$GATEWYSE_BIN_GIVEN" --loadavg-start "$LOADAVG_START" --build-config "$BUILD_CONFIG" --repo "$REPO_DIR" \
    --duration "$DURATION" --rounds "$ROUNDS" --side-by-side "$SIDE_BY_SIDE" --concurrency "$CONCURRENCY" --stream-concurrency "$STREAM_CONCURRENCY" \
    --peers "$PEERS" --soak "$SOAK" --warmup "$WARMUP" --wrk-timeout "$WRK_TIMEOUT" \
    --litellm-version "$LITELLM_VERSION" --command "${BENCH_COMMAND:-}" \
    --baseline-bin "$BASELINE_BIN" --baseline-bin-given "$BASELINE_BIN_GIVEN" --baseline-build-config "$BASELINE_BUILD_CONFIG" \
    --haproxy-version "$HAPROXY_VERSION" --haproxy-nbthread "$HA_NBTHREAD"
log "results: ${OUT_JSON#"$REPO_DIR"/} ($(( SECONDS - STARTED_S ))s)"
