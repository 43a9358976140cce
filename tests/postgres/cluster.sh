#!/usr/bin/env bash
# A private PostgreSQL cluster for the test suites: initdb into a folder under .build, listening
# only on its own unix socket directory and a loopback port, started with `pg_ctl start -w` and
# stopped (and removed) by `stop`. Nothing depends on a system service.
#
#   tests/postgres/cluster.sh start   # prints nothing on success; the URL with `url`
#   tests/postgres/cluster.sh url     # postgres://gatewyse@127.0.0.1:PORT/postgres
#   tests/postgres/cluster.sh stop
#
# initdb refuses to run as root: as root the cluster belongs to an unprivileged system user
# (gatewyse-pg, created when missing) and every server command runs as that user.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="${GATEWYSE_PG_DIR:-$PWD/.build/test-postgres}"
PORT="${GATEWYSE_PG_PORT:-55432}"
PG_USER=gatewyse-pg
DB_ROLE=gatewyse

bin_dir() {
    local initdb
    initdb=$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$initdb" ] || { echo "cluster.sh: PostgreSQL is not installed (make test-deps)" >&2; exit 1; }
    dirname "$(readlink -f "$initdb")"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

start() {
    local bin; bin=$(bin_dir)
    if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    fi
    stop >/dev/null 2>&1 || true
    rm -rf "$ROOT"
    mkdir -p "$ROOT/socket"
    # The folder (under .build, possibly root's) must be reachable by the cluster's owner.
    if [ "$(id -u)" = 0 ]; then
        chown -R "$PG_USER" "$ROOT"
        local dir="$ROOT"
        while [ "$dir" != / ]; do chmod o+x "$dir" 2>/dev/null || true; dir=$(dirname "$dir"); done
    fi
    as_owner "$bin/initdb" -D "$ROOT/data" -U "$DB_ROLE" --auth=trust -E UTF8 --locale=C.UTF-8 >"$ROOT/initdb.log" 2>&1 \
        || { cat "$ROOT/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$ROOT/data" -l "$ROOT/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT/socket -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$ROOT/server.log" >&2; exit 1; }
    echo "$PORT" >"$ROOT/port"
}

stop() {
    [ -d "$ROOT/data" ] || return 0
    local bin; bin=$(bin_dir)
    as_owner "$bin/pg_ctl" -D "$ROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$ROOT"
}

url() { echo "postgres://$DB_ROLE@127.0.0.1:$(cat "$ROOT/port" 2>/dev/null || echo "$PORT")/postgres"; }

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
