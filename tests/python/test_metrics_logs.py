"""Prometheus metrics and structured logs (issue 14 items 1 and 3, decisions/0015), against a real
`gatewyse serve` in front of the mock upstream, driven by the official SDKs:

- `GET /metrics` needs the configured bearer token;
- after a chat, a stream and failing requests (the mock answering 500 and 429) the series carry
  the right counts and labels; rate-limit and budget refusals are counted where the engine refuses;
- a model name the configuration does not give (unknown alias, unlisted `provider/model`) adds no
  series, however many different names are sent;
- every request leaves one JSON log line with its request id, tenant, key id, route, provider,
  model, status, latency, tokens, attempts and error code;
- the whole captured stdout+stderr of the process (at debug level, through chat, stream, errors,
  an upstream error that quotes the provider key, and admin calls) contains no secret.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets

import openai
import pytest
import requests

from conftest import MOCK_KEY, _binary, _start, _stop

EMAIL = "root@metrics.test"
PASSWORD = "Metrics-Test-Pass-" + secrets.token_hex(6)
METRICS_TOKEN = "metrics-token-" + secrets.token_hex(12)
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
GATEWAY_KEY = "aigw_sk_" + secrets.token_hex(24)
CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def served(gateway, tmp_path_factory):
    work = tmp_path_factory.mktemp("metrics")
    (work / "gatewyse.yaml").write_text(f"""\
server:
  host: 127.0.0.1
logging:
  level: debug
  format: json
metrics:
  bearer_token: ${{METRICS_TOKEN}}
routing:
  retry_base_delay_ms: 10
  retry_max_delay_ms: 50
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {gateway.mock_url}/v1
    allow_private_network: true
prices:
  - provider: mock
    model: mock-chat
    input: 1000
    output: 2000
models:
  - name: chat
    targets:
      - provider: mock
        model: mock-chat
  - name: broken
    targets:
      - provider: mock
        model: error-500
  - name: limited
    targets:
      - provider: mock
        model: error-429
  - name: leaky
    targets:
      - provider: mock
        model: error-401
tenants:
  - id: acme
    api_keys:
      - name: ci
        key: ${{GATEWAY_KEY}}
""")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL") and k != "LOG_LEVEL"}
    env.update({"MOCK_KEY": MOCK_KEY, "GATEWAY_KEY": GATEWAY_KEY, "METRICS_TOKEN": METRICS_TOKEN, "GATEWYSE_MASTER_KEY": MASTER_KEY,
                "SUPER_ADMIN_EMAIL": EMAIL, "SUPER_ADMIN_PASSWORD": PASSWORD})
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    process, port = _start("metrics-gateway", lambda port: [str(binary), "serve", "--config", str(work / "gatewyse.yaml"),
                                                            "--port", str(port), "--database", "memory:"], "/healthz", env, work)
    state = {"url": f"http://127.0.0.1:{port}", "work": work, "process": process, "secrets": [GATEWAY_KEY, MOCK_KEY, METRICS_TOKEN,
                                                                                              MASTER_KEY, PASSWORD]}
    try:
        yield state
    finally:
        _stop(process)


def _client(url: str, key: str = GATEWAY_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=15)


def _scrape(url: str) -> dict[tuple[str, frozenset], float]:
    answer = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    series: dict[tuple[str, frozenset], float] = {}
    for line in answer.text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        assert match, f"not exposition format: {line!r}"
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        series[(match.group(1), labels)] = float(match.group(3))
    return series


def _value(series, name: str, **labels) -> float:
    key = (name, frozenset(labels.items()))
    assert key in series, f"no series {name}{labels}; have: {sorted(str(dict(l)) for n, l in series if n == name)[:20]}"
    return series[key]


def _matching(series, name: str, **labels) -> dict[frozenset, float]:
    wanted = set(labels.items())
    return {l: v for (n, l), v in series.items() if n == name and wanted <= set(l)}


def test_scrape_needs_the_bearer_token(served):
    url = served["url"]
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 401
    wrong = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"}, timeout=10)
    assert wrong.status_code == 401 and wrong.headers.get("www-authenticate") == "Bearer"
    assert requests.get(f"{url}/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"}, timeout=10).status_code == 401
    assert requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10).status_code == 200


def test_series_after_chat_stream_and_failing_requests(served):
    url = served["url"]
    client = _client(url)
    answer = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hello"}],
                                            extra_headers={"X-Request-ID": "metrics-chat-1"})
    usage = [answer.usage]
    stream = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "stream please"}], stream=True,
                                            stream_options={"include_usage": True}, extra_headers={"X-Request-ID": "metrics-stream-1"})
    for chunk in stream:
        if chunk.usage:
            usage.append(chunk.usage)
    assert len(usage) == 2
    statuses = {}
    for model, request_id in (("broken", "metrics-broken-1"), ("limited", "metrics-limited-1")):
        with pytest.raises(openai.APIStatusError) as failure:
            client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                           extra_headers={"X-Request-ID": request_id})
        statuses[model] = failure.value.status_code
    assert statuses["limited"] == 429 and statuses["broken"] >= 500

    series = _scrape(url)
    ok = dict(route=CHAT, provider="mock", model="chat", status="200")
    assert _value(series, "gatewyse_requests_total", **ok) == 2
    assert _value(series, "gen_ai_server_request_duration_seconds_count", **ok) == 2
    assert _value(series, "gen_ai_server_request_duration_seconds_bucket", **ok, le="+Inf") == 2
    assert _value(series, "gen_ai_server_time_to_first_token_seconds_count", route=CHAT, provider="mock", model="chat") == 1
    assert _value(series, "gatewyse_overhead_seconds_count", route=CHAT) >= 2
    for model in ("broken", "limited"):
        assert _value(series, "gatewyse_requests_total", route=CHAT, provider="mock", model=model, status=str(statuses[model])) == 1

    deployment = dict(provider="mock", model="mock-chat")
    input_tokens = sum(u.prompt_tokens for u in usage)
    output_tokens = sum(u.completion_tokens for u in usage)
    assert _value(series, "gatewyse_tokens_total", **deployment, token_type="input") == input_tokens
    assert _value(series, "gatewyse_tokens_total", **deployment, token_type="output") == output_tokens
    assert _value(series, "gen_ai_client_token_usage_count", **deployment, token_type="input") == 2
    assert _value(series, "gen_ai_client_token_usage_sum", **deployment, token_type="output") == output_tokens
    # $1,000 and $2,000 per million tokens.
    assert _value(series, "gatewyse_cost_usd_total", **deployment) == pytest.approx((input_tokens * 1000 + output_tokens * 2000) / 1e6)
    assert _value(series, "gatewyse_upstream_attempts_total", **deployment) == 2
    assert not _matching(series, "gatewyse_upstream_failures_total", **deployment)
    # Every attempt at the 500 failed as a server error (retried as the policy decided); the 429
    # asked for a long pause, so it was one attempt handed back to the client.
    broken = dict(provider="mock", model="error-500")
    attempts = _value(series, "gatewyse_upstream_attempts_total", **broken)
    assert attempts >= 1
    assert _value(series, "gatewyse_upstream_failures_total", **broken, reason="server_error") == attempts
    assert _value(series, "gatewyse_upstream_failures_total", provider="mock", model="error-429", reason="rate_limited") == 1

    assert _value(series, "gatewyse_circuit_breaker_state", **deployment, state="closed") == 1
    assert _value(series, "gatewyse_circuit_breaker_state", **deployment, state="open") == 0
    assert _value(series, "gatewyse_deployment_health", **deployment, status="healthy") == 1
    assert _value(series, "gatewyse_open_streams") == 0
    assert _value(series, "gatewyse_draining") == 0
    assert ("gatewyse_usage_queue_depth", frozenset()) in series
    assert ("gatewyse_requests_in_flight", frozenset()) in series


def test_client_chosen_model_names_add_no_series(served):
    url = served["url"]
    client = _client(url)

    def round_of(suffix: str) -> None:
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model=f"no-such-alias-{suffix}", messages=[{"role": "user", "content": "hi"}])
        # Served (the mock echoes any model) but not configured: counted as `other`.
        client.chat.completions.create(model=f"mock/unlisted-{suffix}", messages=[{"role": "user", "content": "hi"}])

    round_of("a")
    before = _scrape(url)
    for suffix in ("b", "c", "d"):
        round_of(suffix)
    after = _scrape(url)
    assert set(after) == set(before), f"new series: {set(after) - set(before)}"
    names = " ".join(v for (_, labels) in after for _, v in labels)
    assert "unlisted" not in names and "no-such-alias" not in names
    assert _value(after, "gatewyse_requests_total", route=CHAT, provider="none", model="other", status="404") == 4
    assert _value(after, "gatewyse_requests_total", route=CHAT, provider="mock", model="other", status="200") == 4
    assert _value(after, "gatewyse_tokens_total", provider="mock", model="other", token_type="input") > 0


def test_metrics_on_a_separate_port(gateway, tmp_path):
    from conftest import free_port
    metrics_port = free_port()
    (tmp_path / "gatewyse.yaml").write_text(f"""\
server:
  host: 127.0.0.1
metrics:
  port: {metrics_port}
  path: /internal/metrics
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {gateway.mock_url}/v1
    allow_private_network: true
tenants:
  - id: acme
    api_keys:
      - name: ci
        key: ${{GATEWAY_KEY}}
""")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update({"MOCK_KEY": MOCK_KEY, "GATEWAY_KEY": GATEWAY_KEY, "LOG_LEVEL": "warning"})
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    process, port = _start("metrics-port", lambda port: [str(binary), "serve", "--config", str(tmp_path / "gatewyse.yaml"),
                                                         "--port", str(port), "--database", "memory:"], "/healthz", env, tmp_path)
    try:
        _client(f"http://127.0.0.1:{port}").chat.completions.create(model="mock/mock-chat", messages=[{"role": "user", "content": "hi"}])
        assert requests.get(f"http://127.0.0.1:{port}/internal/metrics", timeout=10).status_code == 404
        answer = requests.get(f"http://127.0.0.1:{metrics_port}/internal/metrics", timeout=10)
        assert answer.status_code == 200
        assert 'gatewyse_requests_total{route="/v1/chat/completions",provider="mock",model="other",status="200"} 1' in answer.text
    finally:
        _stop(process)


def _admin(url: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    answer = session.post(f"{url}/api/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = "Bearer " + answer.json()["accessToken"]
    session.headers["X-Tenant-ID"] = "acme"
    return session


def test_rate_limit_and_budget_refusals_are_counted(served):
    url = served["url"]
    admin = _admin(url)
    created = admin.post(f"{url}/api/admin/keys", json={"name": "limited", "scopes": {"capabilities": ["chat"]},
                                                       "rateLimits": {"requestsPerMinute": 100, "requestsPerDay": 1}}, timeout=10)
    assert created.status_code == 201, created.text
    limited_key = created.json()["key"]
    served["secrets"].append(limited_key)
    created = admin.post(f"{url}/api/admin/keys", json={"name": "spender", "scopes": {"capabilities": ["chat"]}}, timeout=10)
    assert created.status_code == 201, created.text
    spender_id, spender_key = created.json()["id"], created.json()["key"]
    served["secrets"].append(spender_key)
    budget = admin.post(f"{url}/api/admin/budgets", json={"id": "metrics-zero", "name": "Nothing", "scope": "apiKey", "scopeId": spender_id,
                                                          "limits": {"dailyUsd": "0.000001"}, "action": "block"}, timeout=10)
    assert budget.status_code == 201, budget.text
    assert admin.get(f"{url}/api/admin/usage", timeout=10).status_code == 200

    before = _scrape(url)
    limited = _client(url, limited_key)
    limited.chat.completions.create(model="chat", messages=[{"role": "user", "content": "one"}])
    with pytest.raises(openai.RateLimitError):
        limited.chat.completions.create(model="chat", messages=[{"role": "user", "content": "two"}])
    spender = _client(url, spender_key)
    refused = 0
    for _ in range(5):
        try:
            spender.chat.completions.create(model="chat", messages=[{"role": "user", "content": "spend"}])
        except openai.RateLimitError as error:
            assert error.code == "BUDGET_EXCEEDED"
            refused += 1
    assert refused >= 1
    after = _scrape(url)

    def delta(reason: str) -> float:
        return (_value(after, "gatewyse_rejections_total", route=CHAT, reason=reason)
                - _value(before, "gatewyse_rejections_total", route=CHAT, reason=reason))

    assert delta("rate_limit") == 1
    assert delta("budget") == refused
    assert delta("overloaded") == 0


def _log_lines(served) -> list[str]:
    text = ""
    for log in sorted(served["work"].glob("metrics-gateway-*.log")):
        text += log.read_text(errors="replace")
    return text.splitlines()


def test_one_json_log_line_per_request(served):
    url = served["url"]
    client = _client(url)
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="leaky", messages=[{"role": "user", "content": "hi"}],
                                       extra_headers={"X-Request-ID": "metrics-leaky-1"})
    # The log is written by its own thread: give it a moment.
    import time
    deadline = time.monotonic() + 5
    records: dict[str, dict] = {}
    while time.monotonic() < deadline:
        records = {}
        for line in _log_lines(served):
            if line.startswith("{"):
                record = json.loads(line)
                assert {"ts", "level", "logger", "msg"} <= set(record), record
                if record["logger"] == "gatewyse.request":
                    records[record["request_id"]] = record
        if "metrics-leaky-1" in records:
            break
        time.sleep(0.1)
    chat = records["metrics-chat-1"]
    assert chat["route"] == CHAT and chat["tenant"] == "acme" and chat["key_id"].startswith("key_")
    assert chat["provider"] == "mock" and chat["model"] == "chat" and chat["upstream_model"] == "mock-chat"
    assert chat["status"] == 200 and chat["outcome"] == "answered" and chat["attempts"] == 1 and chat["level"] == "info"
    assert chat["input_tokens"] > 0 and chat["output_tokens"] > 0 and chat["latency_ms"] > 0
    assert "error_code" not in chat
    assert records["metrics-stream-1"]["outcome"] == "stream_finished"
    limited = records["metrics-limited-1"]
    assert limited["status"] == 429 and limited["level"] == "warning" and limited["error_code"] and limited["attempts"] == 1
    assert records["metrics-broken-1"]["outcome"] == "failed"


def test_no_secret_in_the_whole_log(served):
    """Runs last in this module: everything the earlier tests did is in the log."""
    url = served["url"]
    # An unauthenticated and a wrong-key request, an admin call with a wrong password.
    requests.post(f"{url}/v1/chat/completions", json={"model": "chat", "messages": []}, timeout=10)
    requests.post(f"{url}/v1/chat/completions", headers={"Authorization": f"Bearer {GATEWAY_KEY}x"},
                  json={"model": "chat", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    requests.post(f"{url}/api/auth/login", json={"email": EMAIL, "password": PASSWORD + "x"}, timeout=10)
    import signal
    process = served["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    lines = _log_lines(served)
    assert len(lines) > 20, "the log is nearly empty: the scan would prove nothing"
    text = "\n".join(lines)
    for secret in served["secrets"]:
        assert secret not in text, f"a secret ({secret[:6]}…) is in the log"
        # Not even its distinctive tail (a key's prefix is shown by design; the rest never).
        assert secret[-16:] not in text, f"the end of a secret ({secret[:6]}…) is in the log"
