"""Hostile-peer suite (issue 10 item 7). A package, so that its conftest and helpers do not shadow
the parent suite's `conftest` module (whose names the SDK tests import)."""
