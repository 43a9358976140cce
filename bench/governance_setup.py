#!/usr/bin/env python3
"""Turns governance on in a running gateway for the benchmark (issue 12 item 7): signs in as
the super-admin `bench/run.sh` created, then through the admin API creates a database-backed
key with a rate limit far above what the benchmark sends, and a monthly budget on the tenant far
above what it spends. With --key-only, only the key, with neither (issue 11: the cost of database
keys alone). Prints the key's plaintext on standard output, nothing else.

Standard library only: runs on the machine's python3 before any venv exists."""
import argparse
import json
import sys
import urllib.request


def call(base, method, path, body=None, token=None, tenant=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if tenant:
        request.add_header("X-Tenant-ID", tenant)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--key-only", action="store_true",
                        help="only a database-backed key, with no rate limit and no budget (the cost of database keys alone)")
    args = parser.parse_args()
    token = call(args.url, "POST", "/api/auth/login", {"email": args.email, "password": args.password})["accessToken"]
    if args.key_only:
        print(call(args.url, "POST", "/api/admin/keys", {"name": "bench-database-key", "scopes": {"capabilities": ["chat"]}},
                   token, args.tenant)["key"])
        return
    key = call(args.url, "POST", "/api/admin/keys", {
        "name": "bench-governed",
        "scopes": {"capabilities": ["chat"]},
        # Limits the benchmark never reaches: the cost of counting, not of refusing.
        "rateLimits": {"requestsPerMinute": 1_000_000_000, "requestsPerDay": 1_000_000_000, "tokensPerDay": 1_000_000_000_000},
    }, token, args.tenant)
    call(args.url, "POST", "/api/admin/budgets", {
        "name": "bench tenant budget", "scope": "tenant", "limits": {"monthlyUsd": "1000000000"}, "action": "block",
    }, token, args.tenant)
    print(key["key"])


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - the shell reports it
        print(f"governance setup failed: {error}", file=sys.stderr)
        sys.exit(1)
