"""The OpenAI SDK's `embeddings.create` through the gateway to the OpenAI (`mock`), Azure
(`azure`) and Gemini (`gemini`) mock upstreams. The SDK asks for `encoding_format: "base64"`
unless told otherwise and decodes little-endian float32s itself, so the default calls prove the
gateway's base64, including the one it builds for Gemini, which only returns numbers."""

from __future__ import annotations

import array
import math

import openai
import pytest

OPENAI_MODEL = "mock/text-embedding-3-small"
GEMINI_MODEL = "gemini/gemini-embedding-001"


def float32(values) -> list[float]:
    """Values rounded to float32, so numbers from JSON compare with decoded base64."""
    return list(array.array("f", values))


def embeddings_requests(recorder) -> list[dict]:
    return [r for r in recorder.requests() if "embed" in r["path"].split("?")[0].rsplit("/", 1)[-1].lower()]


def last_embeddings_request(recorder) -> dict:
    received = embeddings_requests(recorder)
    assert received, "the mock received no embeddings request"
    return received[-1]


@pytest.mark.parametrize("model", [OPENAI_MODEL, "azure/text-embedding-3-small", GEMINI_MODEL])
def test_default_base64_decodes_to_the_float_answer(client, model):
    default = client.embeddings.create(model=model, input="the quick brown fox")
    floats = client.embeddings.create(model=model, input="the quick brown fox", encoding_format="float")
    assert default.object == "list"
    assert len(default.data) == 1 and default.data[0].index == 0 and default.data[0].object == "embedding"
    vector = default.data[0].embedding
    assert len(vector) == len(floats.data[0].embedding) > 0
    assert vector == float32(floats.data[0].embedding)
    assert math.isclose(sum(v * v for v in vector), 1.0, rel_tol=1e-3)
    assert default.usage.prompt_tokens > 0
    assert default.usage.total_tokens == default.usage.prompt_tokens


def test_openai_upstream_receives_base64_and_the_upstream_model(client, mock):
    raw = client.embeddings.with_raw_response.create(model=OPENAI_MODEL, input="hello world", user="u-1")
    reply = raw.parse()
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["x-gatewyse-attempts"] == "1"
    assert reply.model == "text-embedding-3-small"
    assert reply.usage.prompt_tokens == 2  # the mock's own count, passed through
    sent = last_embeddings_request(mock)
    assert sent["path"] == "/v1/embeddings"
    assert sent["headers"]["authorization"] == "Bearer sk-mock-secret-123456"
    assert sent["body"] == {"model": "text-embedding-3-small", "input": "hello world", "encoding_format": "base64", "user": "u-1"}


def test_list_input_keeps_order(client, mock):
    texts = ["first text", "second", "third one here"]
    reply = client.embeddings.create(model=OPENAI_MODEL, input=texts)
    assert [item.index for item in reply.data] == [0, 1, 2]
    singles = [client.embeddings.create(model=OPENAI_MODEL, input=text).data[0].embedding for text in texts]
    assert [item.embedding for item in reply.data] == singles
    assert last_embeddings_request(mock)["body"]["input"] == "third one here"


def test_token_ids_reach_an_openai_upstream(client, mock):
    reply = client.embeddings.create(model=OPENAI_MODEL, input=[[101, 2023], [7592]])
    assert len(reply.data) == 2
    assert reply.usage.prompt_tokens == 3
    assert last_embeddings_request(mock)["body"]["input"] == [[101, 2023], [7592]]


@pytest.mark.parametrize("model", [OPENAI_MODEL, GEMINI_MODEL])
def test_dimensions(client, model):
    reply = client.embeddings.create(model=model, input=["a", "b"], dimensions=256)
    assert [len(item.embedding) for item in reply.data] == [256, 256]


def test_azure_deployment_url(client, mock):
    client.embeddings.create(model="azure/text-embedding-3-small", input=["x"], dimensions=64)
    sent = last_embeddings_request(mock)
    assert sent["path"] == "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21"
    assert sent["headers"]["api-key"] == "sk-mock-secret-123456"
    assert "authorization" not in sent["headers"]
    assert sent["body"]["dimensions"] == 64


def test_gemini_batch_and_estimated_usage(client, gemini_mock):
    raw = client.embeddings.with_raw_response.create(model=GEMINI_MODEL, input=["hello world", "abcd"], dimensions=32)
    reply = raw.parse()
    assert raw.headers["x-provider"] == "gemini"
    assert reply.model == "gemini-embedding-001"
    # Gemini reports no usage: the gateway's estimate is one token per 4 UTF-8 bytes.
    assert reply.usage.prompt_tokens == 3 + 1
    sent = last_embeddings_request(gemini_mock)
    assert sent["path"] == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert sent["headers"]["x-goog-api-key"] == "sk-mock-secret-123456"
    assert sent["body"] == {"requests": [
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hello world"}]}, "outputDimensionality": 32},
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "abcd"}]}, "outputDimensionality": 32},
    ]}
    single = client.embeddings.create(model=GEMINI_MODEL, input="abcd", dimensions=32)
    assert last_embeddings_request(gemini_mock)["path"] == "/v1beta/models/gemini-embedding-001:embedContent"
    assert single.data[0].embedding == reply.data[1].embedding


def test_alias_fails_over_to_a_live_provider(client):
    raw = client.embeddings.with_raw_response.create(model="embed-failover", input="hello")
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["x-gatewyse-attempts"] == "2"
    assert len(raw.parse().data[0].embedding) == 1536


@pytest.mark.parametrize("bad_input", ["", [], ["a", ""]])
def test_empty_input_is_a_bad_request(client, mock, bad_input):
    with pytest.raises(openai.BadRequestError) as raised:
        client.embeddings.create(model=OPENAI_MODEL, input=bad_input)
    error = raised.value.body
    assert error["code"] == "INVALID_FIELD"
    assert error["param"] in ("input", "input[1]")
    assert embeddings_requests(mock) == []


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as raised:
        client.embeddings.create(model="no-such-embedder", input="x")
    assert raised.value.body["code"] == "MODEL_NOT_FOUND"


def test_provider_without_embeddings_is_refused_with_the_reason(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.embeddings.create(model="claude/claude-haiku-4-5", input="x")
    assert "claude does not offer embeddings" in raised.value.body["message"]


def test_upstream_rate_limit_reaches_the_client(client):
    with pytest.raises(openai.RateLimitError) as raised:
        client.embeddings.create(model="mock/error-429", input="x")
    assert raised.value.response.headers["retry-after"] == "7"
