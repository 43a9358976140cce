#!/usr/bin/env bash
# Fuzzes the parsers outsiders feed the gateway, each for a bounded time, with libFuzzer and
# AddressSanitizer (harnesses: Sources/gatewyse-fuzz; see FuzzTarget.swift for what each checks).
#
#   tests/fuzz/run.sh [target...]     targets: json sse eventstream config multipart (default: all)
#   FUZZ_SECONDS=20                   fuzzing time per target
#
# For each target: first the regression inputs (hostile shapes that once were slow or fatal:
# 100,000 keys, 100,000 brackets…), run once with a per-input time limit, then fuzzing from the
# committed seeds in tests/fuzz/corpus/<target>/. New inputs and crash artifacts go under
# .build-fuzz/fuzz/<target>/ (not committed; copy a crash into the corpus with its fix).
# Replay an artifact without the fuzzer: swift build --product gatewyse-fuzz &&
#   .build/debug/gatewyse-fuzz <target> <file>
# Exits non-zero if any target crashed, leaked, timed out or ran out of memory.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds="${FUZZ_SECONDS:-20}"
scratch=.build-fuzz
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json sse eventstream config multipart)

echo "== building gatewyse-fuzz (libFuzzer + AddressSanitizer, scratch path $scratch)"
# `--sanitize fuzzer` makes SwiftPM link libFuzzer's main; the -Xswiftc flag instruments every
# Swift module (SwiftPM alone passes the two sanitizers so that only one reaches the compiler).
swift build -c debug --product gatewyse-fuzz --scratch-path "$scratch" --sanitize fuzzer \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DGATEWYSE_FUZZ 2>&1 \
    | grep -v "Cannot export local symbol" | tail -3
binary="$scratch/debug/gatewyse-fuzz"
[ -x "$binary" ] || { echo "fuzz: build failed"; exit 1; }

# Hostile shapes, generated rather than committed (megabytes each).
regressions() {
    local dir="$scratch/fuzz/$1/regressions"
    mkdir -p "$dir"
    case "$1" in
    json)
        awk 'BEGIN { printf "{"; for (i = 0; i < 100000; i++) printf "%s\"k%d\":%d", (i ? "," : ""), i, i; printf "}" }' > "$dir/many-keys.json"
        awk 'BEGIN { printf "{"; for (i = 0; i < 100000; i++) printf "%s\"k%d\":%d", (i ? "," : ""), i % 50000, i; printf "}" }' > "$dir/many-duplicates.json"
        head -c 100000 /dev/zero | tr '\0' '[' > "$dir/deep-brackets.json"
        awk 'BEGIN { printf "{\"usage\":"; for (i = 0; i < 50000; i++) printf "{\"a\":"; }' > "$dir/deep-objects.json"
        ;;
    sse)
        head -c 1000000 /dev/zero | tr '\0' '\r' > "$dir/carriage-returns.txt"
        { printf 'data: '; head -c 1000000 /dev/zero | tr '\0' 'x'; printf '\n\n'; } > "$dir/long-line.txt"
        ;;
    config)
        head -c 100000 /dev/zero | tr '\0' '[' > "$dir/deep-flow.yaml"
        ;;
    multipart)
        { printf -- '--B\r\nX: '; head -c 1000000 /dev/zero | tr '\0' 'a'; } > "$dir/huge-part-header.txt"
        for i in $(seq 1 300); do printf -- '--B\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' "$i"; done > "$dir/many-parts.txt"
        ;;
    esac
    ls "$dir"/* 2>/dev/null
}

# Swift's own crash backtracer runs inside the crashing process and trips AddressSanitizer;
# libFuzzer and ASan print the stack themselves.
export SWIFT_BACKTRACE=enable=no

failed=()
for target in "${targets[@]}"; do
    work="$scratch/fuzz/$target"
    mkdir -p "$work/corpus" "$work/artifacts"
    export GATEWYSE_FUZZ_TARGET="$target"
    mapfile -t inputs < <(regressions "$target")
    if [ ${#inputs[@]} -gt 0 ]; then
        echo "== $target: ${#inputs[@]} regression inputs"
        if ! "$binary" -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/" "${inputs[@]}" > "$work/regressions.log" 2>&1; then
            echo "   FAILED (log: $work/regressions.log)"; tail -20 "$work/regressions.log"
            failed+=("$target regressions")
        fi
    fi
    echo "== $target: fuzzing for ${seconds}s"
    if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" "tests/fuzz/corpus/$target" > "$work/fuzz.log" 2>&1; then
        grep -E "^Done [0-9]+ runs|stat::new_units_added|stat::peak_rss_mb" "$work/fuzz.log" | sed 's/^/   /'
    else
        echo "   FAILED (log: $work/fuzz.log, artifacts: $work/artifacts/)"
        grep -E "ERROR|==[0-9]+==|Fatal error|SUMMARY|Test unit written" "$work/fuzz.log" | head -20 | sed 's/^/   /'
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: ${targets[*]}: no crash in ${seconds}s each"
