"""Errors as the SDK's own exception types, with the gateway's envelope, codes and headers."""

from __future__ import annotations

import http.client
import json
import socket

import openai
import pytest

from conftest import MOCK_KEY

USER = [{"role": "user", "content": "hi"}]


def assert_envelope(body: dict, code: str) -> dict:
    """The OpenAI error envelope: {"error": {"message", "type", "code", "param"}}."""
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"message", "type", "code", "param"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str) and error["type"]
    assert error["code"] == code, error
    assert MOCK_KEY not in json.dumps(body)
    return error


def assert_sdk_error(exc: openai.APIStatusError, status: int, code: str) -> dict:
    assert exc.status_code == status
    assert exc.code == code
    assert exc.response.headers.get("x-request-id")
    return assert_envelope(exc.response.json(), code)


# MARK: authentication

def test_wrong_key_is_authentication_error(make_client):
    bad = make_client("aigw_sk_" + "0" * 48)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.chat.completions.create(model="mock/mock-chat", messages=USER)
    error = assert_sdk_error(caught.value, 401, "AUTH_INVALID_KEY")
    assert error["type"] == "authentication_error"


def test_key_of_another_scheme_is_rejected(make_client):
    with pytest.raises(openai.AuthenticationError) as caught:
        make_client("sk-not-a-gateway-key").models.list()
    assert_sdk_error(caught.value, 401, "AUTH_INVALID_KEY")


def test_missing_key(http, gateway_url):
    response = http.post(f"{gateway_url}/v1/chat/completions", json={"model": "mock/mock-chat", "messages": USER}, timeout=10)
    assert response.status_code == 401
    assert response.headers.get("x-request-id")
    error = assert_envelope(response.json(), "AUTH_REQUIRED")
    assert error["type"] == "authentication_error"


def test_models_require_a_key(http, gateway_url):
    response = http.get(f"{gateway_url}/v1/models", timeout=10)
    assert response.status_code == 401
    assert_envelope(response.json(), "AUTH_REQUIRED")


# MARK: request validation

def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-model", messages=USER)
    error = assert_sdk_error(caught.value, 404, "MODEL_NOT_FOUND")
    assert error["param"] == "model"


def test_unknown_provider_prefix_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="nobody/mock-chat", messages=USER)
    assert_sdk_error(caught.value, 404, "MODEL_NOT_FOUND")


def test_missing_messages(http, gateway_url, api_key, mock):
    response = http.post(f"{gateway_url}/v1/chat/completions", json={"model": "mock/mock-chat"},
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert response.status_code == 400
    error = assert_envelope(response.json(), "MISSING_FIELD")
    assert error["param"] == "messages"
    assert mock.chat_requests() == []


def test_malformed_json(http, gateway_url, api_key, mock):
    response = http.post(f"{gateway_url}/v1/chat/completions", data=b'{"model": "mock/mock-chat", "messages": [',
                         headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400
    assert_envelope(response.json(), "INVALID_JSON")
    assert mock.chat_requests() == []


def test_invalid_field_via_sdk_is_bad_request(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="mock/mock-chat", messages=USER, temperature=7)
    error = assert_sdk_error(caught.value, 400, "INVALID_FIELD")
    assert error["param"] == "temperature"


def _post_raw(port: int, headers: dict, body: bytes) -> tuple[int, bytes]:
    """POSTs `body` and returns (status, response body). The server may answer and close before
    it has read everything, so a broken pipe while sending is expected, not a failure."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.putrequest("POST", "/v1/chat/completions")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        view = memoryview(body)
        try:
            for start in range(0, len(view), 1 << 16):
                connection.send(view[start:start + (1 << 16)])
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_oversize_body_is_rejected(gateway_url, api_key, mock):
    port = int(gateway_url.rsplit(":", 1)[1])
    padding = "x" * (11 * 1024 * 1024)
    body = json.dumps({"model": "mock/mock-chat", "messages": [{"role": "user", "content": padding}]}).encode()
    status, payload = _post_raw(port, {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json",
                                       "Content-Length": str(len(body))}, body)
    assert status == 413
    assert_envelope(json.loads(payload), "PAYLOAD_TOO_LARGE")
    assert mock.chat_requests() == []


def test_unknown_path_is_enveloped_404(http, gateway_url, api_key):
    response = http.get(f"{gateway_url}/v1/nothing-here", headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert response.status_code == 404
    assert response.headers.get("x-request-id")
    assert response.json()["error"]["code"]


# MARK: upstream failures

def test_upstream_rate_limit(client):
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="mock/error-429", messages=USER)
    error = assert_sdk_error(caught.value, 429, "UPSTREAM_RATE_LIMITED")
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.body["code"] == "UPSTREAM_RATE_LIMITED"
    assert error["type"] == "rate_limit_error"


def test_upstream_server_error_is_502(client):
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="mock/error-500", messages=USER)
    assert_sdk_error(caught.value, 502, "UPSTREAM_ERROR")
    assert caught.value.response.headers["x-provider"] == "mock"


def test_upstream_timeout_is_504(client):
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="mock/slow", messages=USER)
    assert_sdk_error(caught.value, 504, "UPSTREAM_TIMEOUT")


def test_upstream_reset_is_502(client):
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="mock/reset", messages=USER)
    assert caught.value.status_code == 502
    assert caught.value.code and caught.value.code.startswith("UPSTREAM_")
    assert_envelope(caught.value.response.json(), caught.value.code)


def test_upstream_bad_request_is_400(client, mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="mock/error-400", messages=USER)
    error = assert_sdk_error(caught.value, 400, "UPSTREAM_REJECTED")
    assert "mock rejected the request" in error["message"]
    # Not retried: the request itself is what the upstream refused.
    assert len(mock.chat_requests()) == 1


def test_stream_upstream_error_before_first_byte(client):
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="mock/error-429", messages=USER, stream=True)
    assert caught.value.code == "UPSTREAM_RATE_LIMITED"
    assert caught.value.response.headers["retry-after"] == "7"


def test_provider_key_never_leaks(client, http, gateway_url, api_key, mock):
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="mock/error-401", messages=USER)
    assert_sdk_error(caught.value, 502, "UPSTREAM_AUTH_FAILED")
    # The upstream's message quoted the key; it was sent, and it must not come back.
    assert mock.last_chat()["headers"]["authorization"] == f"Bearer {MOCK_KEY}"
    raw = http.post(f"{gateway_url}/v1/chat/completions", json={"model": "mock/error-401", "messages": USER},
                    headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert raw.status_code == 502
    assert "sk-mock-secret" not in raw.text
    assert "sk-mock-secret" not in "".join(f"{k}: {v}" for k, v in raw.headers.items())
