"""The settings of the gateways under test, shared by conftest.py and the tests that depend on them.
Small timeouts keep the timing tests short (the whole suite should take ~90 s)."""

# The main gateway: every module's `gw` unless the module overrides it.
MAIN_SETTINGS = {
    "server": {"max_body_bytes": 4 * 1024 * 1024},
    "upstream": {"connect_timeout_ms": 1000, "first_byte_timeout_ms": 1500, "total_timeout_ms": 3000},
}

# Client-side timeouts (server.header_timeout_ms, idle_timeout_ms, body_timeout_ms: being implemented).
HEADER_TIMEOUT_MS = 1000
IDLE_TIMEOUT_MS = 2000
BODY_TIMEOUT_MS = 1500
TIMEOUT_SETTINGS = {
    "server": dict(MAIN_SETTINGS["server"], header_timeout_ms=HEADER_TIMEOUT_MS, idle_timeout_ms=IDLE_TIMEOUT_MS,
                   body_timeout_ms=BODY_TIMEOUT_MS),
    "upstream": MAIN_SETTINGS["upstream"],
}

# Admission control (server.max_in_flight: being implemented).
MAX_IN_FLIGHT = 2
IN_FLIGHT_SETTINGS = {
    "server": dict(MAIN_SETTINGS["server"], max_in_flight=MAX_IN_FLIGHT),
    "upstream": MAIN_SETTINGS["upstream"],
}
