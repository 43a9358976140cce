#!/bin/bash
# gatewyse-healthcheck [PATH]: exits 0 when the gateway on 127.0.0.1:${GATEWYSE_PORT:-8080}
# answers PATH (default /healthz) with 200 within ${GATEWYSE_HEALTH_TIMEOUT:-2} seconds.
# bash's /dev/tcp speaks the HTTP/1.0 request, so the runtime image needs no curl or wget (and
# none of their libraries). Used by the Dockerfile's HEALTHCHECK; tests/python/test_deploy_*.py
# runs it against a real gateway.
set -u
path="${1:-/healthz}"
port="${GATEWYSE_PORT:-8080}"
host="${GATEWYSE_HEALTH_HOST:-127.0.0.1}"
exec 3<>"/dev/tcp/${host}/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3
IFS= read -r -t "${GATEWYSE_HEALTH_TIMEOUT:-2}" status <&3 || exit 1
exec 3<&-
case "$status" in
    "HTTP/1."[01]" 200 "*) exit 0 ;;
    *) exit 1 ;;
esac
