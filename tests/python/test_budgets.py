"""Budgets and rate limits as the official SDKs see them (issue 12, admin-api.md §6), against a
real `gatewyse serve` on SQLite that is `kill -9`ed and started again: a rate-limited key gets
the SDK's RateLimitError with `Retry-After` and OpenAI's `x-ratelimit-*` headers; a `block`
budget refuses with BUDGET_EXCEEDED in both the OpenAI and the Anthropic envelope; and after the
kill neither the budget's spend nor the key's day count has been reset."""

from __future__ import annotations

import os
import signal

import anthropic
import openai
import requests

from conftest import MOCK_KEY, _binary, _start, _stop

EMAIL = "root@budgets.test"
PASSWORD = "Budgets-Test-Pass-1!"


def _write_config(work, mock_url: str) -> None:
    (work / "gatewyse.yaml").write_text(f"""\
server:
  host: 127.0.0.1
database: sqlite:{work}/data/gatewyse.sqlite
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {mock_url}/v1
    allow_private_network: true
prices:
  - provider: mock
    model: mock-chat
    input: 1000
    output: 1000
models:
  - name: mock-chat
    targets:
      - provider: mock
        model: mock-chat
tenants:
  - id: acme
""")


def _admin(url: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    answer = session.post(f"{url}/api/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = "Bearer " + answer.json()["accessToken"]
    session.headers["X-Tenant-ID"] = "acme"
    return session


def _key(admin: requests.Session, url: str, name: str, **fields) -> tuple[str, str]:
    answer = admin.post(f"{url}/api/admin/keys", json={"name": name, "scopes": {"capabilities": ["chat", "budget:read"]}, **fields},
                        timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.json()["key"]


def _chat(client: openai.OpenAI):
    return client.chat.completions.with_raw_response.create(model="mock-chat", max_tokens=10,
                                                            messages=[{"role": "user", "content": "hi"}])


def test_rate_limits_and_budgets_through_the_sdks_survive_a_kill_9(gateway, tmp_path):
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    _write_config(tmp_path, gateway.mock_url)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update({"LOG_LEVEL": "warning", "MOCK_KEY": MOCK_KEY, "SUPER_ADMIN_EMAIL": EMAIL, "SUPER_ADMIN_PASSWORD": PASSWORD})
    command = lambda port: [str(binary), "serve", "--config", str(tmp_path / "gatewyse.yaml"), "--port", str(port)]  # noqa: E731

    process, port = _start("budgets-a", command, "/healthz", env, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        admin = _admin(url)
        _, limited = _key(admin, url, "limited", rateLimits={"requestsPerMinute": 100, "requestsPerDay": 3})
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=limited, max_retries=0, timeout=10)
        for remaining in (2, 1, 0):
            raw = _chat(client)
            assert raw.headers["x-ratelimit-limit-requests"] == "3"
            assert raw.headers["x-ratelimit-remaining-requests"] == str(remaining)
            assert raw.headers["x-ratelimit-reset-requests"].endswith("s")
        try:
            _chat(client)
            raise AssertionError("a fourth request in the day was admitted")
        except openai.RateLimitError as error:
            assert error.status_code == 429
            assert error.code == "RATE_LIMIT_EXCEEDED"
            assert int(error.response.headers["retry-after"]) > 0

        # A $0.05 daily block budget on another key: $0.015 a request (10 + 5 tokens at $1,000 per 1M).
        spender_id, spender = _key(admin, url, "spender")
        answer = admin.post(f"{url}/api/admin/budgets", json={"id": "spender-day", "name": "Spender daily", "scope": "apiKey",
                                                              "scopeId": spender_id, "limits": {"dailyUsd": "0.05"}, "action": "block"},
                            timeout=10)
        assert answer.status_code == 201, answer.text
        spending = openai.OpenAI(base_url=f"{url}/v1", api_key=spender, max_retries=0, timeout=10)
        answered = 0
        refusal = None
        for _ in range(20):
            try:
                _chat(spending)
                answered += 1
            except openai.RateLimitError as error:
                refusal = error
                break
        assert refusal is not None and refusal.code == "BUDGET_EXCEEDED", "the budget never refused"
        assert "spender-day" in str(refusal.message) and int(refusal.response.headers["retry-after"]) > 0
        # Within the bound: the limit plus one request's ceiling (here a few cents).
        assert 3 <= answered <= 6, answered
        claude = anthropic.Anthropic(base_url=url, api_key=spender, max_retries=0, timeout=10)
        try:
            claude.messages.create(model="mock-chat", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
            raise AssertionError("the Anthropic route ignored the budget")
        except anthropic.RateLimitError as error:
            assert error.status_code == 429
            assert error.body["error"]["type"] == "rate_limit_error" or "BUDGET_EXCEEDED" in str(error.body)
        budget = requests.get(f"{url}/v1/budget", headers={"Authorization": f"Bearer {spender}"}, timeout=10).json()["data"]
        assert [entry["id"] for entry in budget] == ["spender-day"] and budget[0]["status"] == "exceeded"
        spent_before = budget[0]["usage"]["dailyUsd"]["used"]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    # kill -9, then start again on the same data: the spend and the day's count come back.
    restarted, port = _start("budgets-b", command, "/healthz", env, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        budget = requests.get(f"{url}/v1/budget", headers={"Authorization": f"Bearer {spender}"}, timeout=10).json()["data"]
        assert budget[0]["usage"]["dailyUsd"]["used"] == spent_before
        try:
            _chat(openai.OpenAI(base_url=f"{url}/v1", api_key=spender, max_retries=0, timeout=10))
            raise AssertionError("the restart reset the budget")
        except openai.RateLimitError as error:
            assert error.code == "BUDGET_EXCEEDED"
        try:
            _chat(openai.OpenAI(base_url=f"{url}/v1", api_key=limited, max_retries=0, timeout=10))
            raise AssertionError("the restart reset the key's day count")
        except openai.RateLimitError as error:
            assert error.code in ("RATE_LIMIT_EXCEEDED", "BUDGET_EXCEEDED")
    finally:
        _stop(restarted)
