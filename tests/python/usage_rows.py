"""Usage records read straight from a stopped gateway's SQLite file, as an operator would with
`sqlite3`: the rows earlier versions wrote in `usage_records` and the records of `usage_batches`
(decisions/0035), whose `body` is the records' journal lines — one JSON array per line, led by
the format version, the fields in `UsageRecord.columns` order."""

from __future__ import annotations

import json
import sqlite3

# Positions in a journal line (after the version at 0).
ID, REQUEST_ID, TIME, TENANT = 1, 2, 3, 4
STATUS, OUTCOME = 21, 26


def records(database: str) -> list[dict]:
    """Every usage record, as {id, request_id, time, tenant_id, status, outcome}."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        found = [dict(id=i, request_id=r, time=t, tenant_id=te, status=s, outcome=o) for i, r, t, te, s, o in
                 connection.execute("SELECT id, request_id, time, tenant_id, status, outcome FROM usage_records")]
        for (body,) in connection.execute("SELECT body FROM usage_batches"):
            for line in bytes(body).decode().splitlines():
                fields = json.loads(line)
                assert fields[0] == 1, f"unknown usage line version: {line[:40]}"
                found.append(dict(id=fields[ID], request_id=fields[REQUEST_ID], time=fields[TIME], tenant_id=fields[TENANT],
                                  status=fields[STATUS], outcome=fields[OUTCOME]))
        return found
    finally:
        connection.close()
