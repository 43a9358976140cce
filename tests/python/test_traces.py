"""OpenTelemetry traces (issue 14 item 2, decisions/0019), against a real `gatewyse serve` in front of
the mock upstream, driven by the official `openai` SDK, exporting to an OTLP/HTTP receiver that
this test runs on loopback:

- tracing is configured by the standard `OTEL_*` variables alone (no `tracing:` section);
- a streamed chat leaves a server span for the request and a client span for its upstream
  attempt, the attempt a child of the request, with the GenAI semantic-convention attributes
  set, no prompt text and no key in the export, and the attempt's context in the upstream's
  `traceparent`;
- a client's `traceparent` makes the request span its child; an unsampled one is passed upstream
  unchanged and nothing is exported for it;
- a failover shows two sibling attempt spans, the failed one with its error type;
- spans still queued at SIGTERM are exported before the process exits.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

from conftest import MOCK_KEY, _binary, _start, _stop

GATEWAY_KEY = "aigw_sk_" + secrets.token_hex(24)
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
SERVICE_NAME = "gatewyse-e2e-" + secrets.token_hex(3)
SERVER, CLIENT = 2, 3  # OTLP SpanKind


class OTLPReceiver:
    """A minimal OTLP/HTTP traces receiver: stores every JSON export posted to /v1/traces."""

    def __init__(self):
        self.exports: list[tuple[dict, bytes, dict]] = []  # (headers, raw body, parsed)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.exports.append((dict(self.headers.items()), body, json.loads(body)))
                answer = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def spans(self) -> list[dict]:
        """Every span received, each with its resource's attributes under `_resource`."""
        out = []
        with self.lock:
            exports = list(self.exports)
        for _, _, document in exports:
            for resource_spans in document["resourceSpans"]:
                resource = attributes(resource_spans["resource"])
                for scope_spans in resource_spans["scopeSpans"]:
                    for span in scope_spans["spans"]:
                        out.append({**span, "_resource": resource})
        return out

    def raw(self) -> bytes:
        with self.lock:
            return b"".join(body for _, body, _ in self.exports)

    def wait_for(self, predicate, count: int, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [s for s in self.spans() if predicate(s)]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} spans, got {[s['name'] for s in self.spans() if predicate(s)]}")


def value(v: dict):
    """An OTLP/JSON AnyValue as Python (int64 arrives as a decimal string)."""
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        assert isinstance(v["intValue"], str), "int64 must be encoded as a string"
        return int(v["intValue"])
    if "boolValue" in v:
        return v["boolValue"]
    if "doubleValue" in v:
        return v["doubleValue"]
    if "arrayValue" in v:
        return [value(x) for x in v["arrayValue"].get("values", [])]
    raise AssertionError(f"unexpected value {v}")


def attributes(holder: dict) -> dict:
    return {a["key"]: value(a["value"]) for a in holder.get("attributes", [])}


def _config(mock_url: str) -> str:
    return f"""\
server:
  host: 127.0.0.1
logging:
  level: info
  format: json
routing:
  retry_base_delay_ms: 10
  retry_max_delay_ms: 50
  max_attempts_per_target: 1
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {mock_url}/v1
    allow_private_network: true
models:
  - name: chat
    targets:
      - provider: mock
        model: mock-chat
  - name: failover-chat
    # priority: the failing target is tried first on every request.
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: mock
        model: mock-chat
tenants:
  - id: acme
    api_keys:
      - name: ci
        key: ${{GATEWAY_KEY}}
"""


def _serve(gateway, work, receiver: OTLPReceiver, name: str, schedule_delay_ms: int):
    (work / "gatewyse.yaml").write_text(_config(gateway.mock_url))
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL") and not k.startswith("OTEL_")}
    env.update({"MOCK_KEY": MOCK_KEY, "GATEWAY_KEY": GATEWAY_KEY, "GATEWYSE_MASTER_KEY": MASTER_KEY,
                # The standard variables alone turn tracing on (no `tracing:` section above).
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}",
                "OTEL_SERVICE_NAME": SERVICE_NAME, "OTEL_BSP_SCHEDULE_DELAY": str(schedule_delay_ms),
                "OTEL_EXPORTER_OTLP_HEADERS": "x-collector-token=collector-" + GATEWAY_KEY[-8:]})
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    return _start(name, lambda port: [str(binary), "serve", "--config", str(work / "gatewyse.yaml"), "--port", str(port),
                                      "--database", "memory:"], "/healthz", env, work)


@pytest.fixture(scope="module")
def traced(gateway, tmp_path_factory):
    receiver = OTLPReceiver()
    work = tmp_path_factory.mktemp("traces")
    process, port = _serve(gateway, work, receiver, "traces-gateway", schedule_delay_ms=100)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "receiver": receiver}
    finally:
        _stop(process)
        receiver.close()


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=GATEWAY_KEY, max_retries=0, timeout=15)


def _stream(url: str, model: str, prompt: str, headers: dict | None = None):
    """A streamed chat through the SDK; returns (request id, response headers, text)."""
    raw = _client(url).chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": prompt}], stream=True,
        stream_options={"include_usage": True}, extra_headers=headers or {})
    text = "".join(chunk.choices[0].delta.content or "" for chunk in raw.parse() if chunk.choices)
    return raw.headers["x-request-id"], raw.headers, text


def _request_spans(receiver: OTLPReceiver, request_id: str, count: int) -> tuple[dict, list[dict]]:
    """The request's server span and its attempt spans (found through the server span's trace)."""
    server = receiver.wait_for(lambda s: attributes(s).get("gatewyse.request.id") == request_id, 1)[0]
    spans = receiver.wait_for(lambda s: s["traceId"] == server["traceId"], count + 1)
    attempts = sorted((s for s in spans if s["kind"] == CLIENT), key=lambda s: attributes(s)["gatewyse.attempt"])
    return server, attempts


def test_streamed_chat_has_a_request_span_with_its_attempt_as_child(traced, mock):
    receiver = traced["receiver"]
    prompt = "trace-me-" + secrets.token_hex(8)
    request_id, _, text = _stream(traced["url"], "chat", prompt)
    assert text
    server, attempts = _request_spans(receiver, request_id, 1)

    assert server["kind"] == SERVER and server["name"] == "POST /v1/chat/completions"
    assert len(server["traceId"]) == 32 and len(server["spanId"]) == 16 and "parentSpanId" not in server
    assert int(server["endTimeUnixNano"]) >= int(server["startTimeUnixNano"]) > 1_600_000_000 * 10**9
    assert "status" not in server or server["status"].get("code", 0) != 2
    a = attributes(server)
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.request.model"] == "chat"
    assert a["gen_ai.response.model"] == "mock-chat"
    assert a["gen_ai.provider.name"] == "openai" and a["gen_ai.system"] == "openai"
    assert a["gen_ai.usage.input_tokens"] > 0 and a["gen_ai.usage.output_tokens"] > 0
    assert a["gen_ai.response.finish_reasons"] == ["stop"]
    assert a["gatewyse.tenant.id"] == "acme"
    assert a["http.response.status_code"] == 200 and a["http.route"] == "/v1/chat/completions"
    assert a["gatewyse.attempts"] == 1 and "error.type" not in a
    assert server["_resource"]["service.name"] == SERVICE_NAME

    (attempt,) = attempts
    assert attempt["kind"] == CLIENT and attempt["name"] == "chat mock-chat"
    assert attempt["traceId"] == server["traceId"] and attempt["parentSpanId"] == server["spanId"]
    assert int(server["startTimeUnixNano"]) <= int(attempt["startTimeUnixNano"]) <= int(attempt["endTimeUnixNano"])
    b = attributes(attempt)
    assert b["gen_ai.request.model"] == "mock-chat" and b["gen_ai.provider.name"] == "openai"
    assert b["http.response.status_code"] == 200 and b["gatewyse.provider.id"] == "mock"

    # The upstream call carried the attempt's context.
    assert mock.last_chat()["headers"]["traceparent"] == f"00-{server['traceId']}-{attempt['spanId']}-01"
    # No prompt text and no secret left the gateway in a span; the collector's header was sent.
    raw = receiver.raw()
    for secret in (prompt, GATEWAY_KEY, MOCK_KEY, MASTER_KEY):
        assert secret.encode() not in raw
    assert any(h.get("x-collector-token") == "collector-" + GATEWAY_KEY[-8:] for h, _, _ in receiver.exports)


def test_client_traceparent_makes_the_request_span_its_child(traced, mock):
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    request_id, _, _ = _stream(traced["url"], "chat", "hello", {"traceparent": f"00-{trace_id}-{parent_id}-01",
                                                                 "tracestate": "vendor=value"})
    server, (attempt,) = _request_spans(traced["receiver"], request_id, 1)
    assert server["traceId"] == trace_id and server["parentSpanId"] == parent_id
    assert server["traceState"] == "vendor=value"
    assert attempt["parentSpanId"] == server["spanId"]
    upstream = mock.last_chat()["headers"]
    assert upstream["traceparent"] == f"00-{trace_id}-{attempt['spanId']}-01"
    assert upstream["tracestate"] == "vendor=value"


def test_unsampled_client_trace_is_passed_on_and_not_exported(traced, mock):
    receiver = traced["receiver"]
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    _stream(traced["url"], "chat", "hello", {"traceparent": f"00-{trace_id}-{parent_id}-00"})
    assert mock.last_chat()["headers"]["traceparent"] == f"00-{trace_id}-{parent_id}-00"
    # The queue is exported in order: once a later request's spans arrived, the unsampled one's
    # would have too.
    later, _, _ = _stream(traced["url"], "chat", "hello")
    _request_spans(receiver, later, 1)
    assert not [s for s in receiver.spans() if s["traceId"] == trace_id]


def test_failover_shows_two_sibling_attempt_spans(traced, mock):
    request_id, headers, text = _stream(traced["url"], "failover-chat", "hello")
    assert text and headers["x-gatewyse-attempts"] == "2"
    server, attempts = _request_spans(traced["receiver"], request_id, 2)
    assert attributes(server)["gatewyse.attempts"] == 2
    assert attributes(server)["gen_ai.response.model"] == "mock-chat"
    failed, answered = attempts
    for attempt in attempts:
        assert attempt["kind"] == CLIENT and attempt["parentSpanId"] == server["spanId"]
    assert failed["spanId"] != answered["spanId"]
    f = attributes(failed)
    assert f["gen_ai.request.model"] == "error-500" and f["http.response.status_code"] == 500
    assert f["error.type"] and failed["status"]["code"] == 2
    assert attributes(answered)["gen_ai.request.model"] == "mock-chat" and "error.type" not in attributes(answered)
    assert int(failed["endTimeUnixNano"]) <= int(answered["startTimeUnixNano"])
    # Each upstream request named its own attempt.
    sent = [r["headers"]["traceparent"] for r in mock.chat_requests()]
    assert sent == [f"00-{server['traceId']}-{failed['spanId']}-01", f"00-{server['traceId']}-{answered['spanId']}-01"]


def test_queued_spans_are_exported_at_graceful_shutdown(gateway, tmp_path_factory):
    receiver = OTLPReceiver()
    work = tmp_path_factory.mktemp("traces-drain")
    # Ten minutes between exports: only the shutdown's flush can deliver these spans.
    process, port = _serve(gateway, work, receiver, "traces-drain-gateway", schedule_delay_ms=600_000)
    try:
        request_id, _, _ = _stream(f"http://127.0.0.1:{port}", "chat", "hello")
        time.sleep(0.3)
        assert receiver.spans() == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        server, attempts = _request_spans(receiver, request_id, 1)
        assert attempts[0]["parentSpanId"] == server["spanId"]
    finally:
        _stop(process)
        receiver.close()
