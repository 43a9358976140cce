"""The OpenAI SDK's `embeddings.create` through the gateway to the Cohere mock's `/v2/embed`
(provider `cohere`). The SDK asks for base64 unless told otherwise; Cohere is asked for float
vectors and the gateway packs them, so the default call proves that packing."""

from __future__ import annotations

import array
import math

import openai
import pytest

MODEL = "cohere/embed-v4.0"


def float32(values) -> list[float]:
    return list(array.array("f", values))


def last_embed_request(cohere_mock) -> dict:
    received = [r for r in cohere_mock.requests() if r["path"] == "/v2/embed"]
    assert received, "the Cohere mock received nothing on /v2/embed"
    return received[-1]


def test_float_vectors_and_the_upstream_request(client, cohere_mock):
    raw = client.embeddings.with_raw_response.create(model=MODEL, input=["hello world", "second text"], encoding_format="float")
    reply = raw.parse()
    assert raw.headers["x-provider"] == "cohere"
    assert raw.headers["x-gatewyse-attempts"] == "1"
    assert reply.model == "embed-v4.0"
    assert [item.index for item in reply.data] == [0, 1]
    assert [len(item.embedding) for item in reply.data] == [1536, 1536]
    assert reply.data[0].embedding != reply.data[1].embedding
    # billed_units.input_tokens from the mock (one per word), not the gateway's estimate.
    assert reply.usage.prompt_tokens == 4 and reply.usage.total_tokens == 4
    sent = last_embed_request(cohere_mock)
    assert sent["headers"]["authorization"] == "Bearer sk-mock-secret-123456"
    assert sent["body"] == {"model": "embed-v4.0", "texts": ["hello world", "second text"], "input_type": "search_document",
                            "embedding_types": ["float"]}


def test_default_base64_decodes_to_the_float_answer(client, cohere_mock):
    default = client.embeddings.create(model=MODEL, input="the quick brown fox")
    floats = client.embeddings.create(model=MODEL, input="the quick brown fox", encoding_format="float")
    vector = default.data[0].embedding
    assert len(vector) == 1536
    assert vector == float32(floats.data[0].embedding)
    assert math.isclose(sum(v * v for v in vector), 1.0, rel_tol=1e-3)
    # Cohere was asked for floats both times; base64 is the gateway's work.
    assert last_embed_request(cohere_mock)["body"]["embedding_types"] == ["float"]


def test_dimensions_and_input_type(client, cohere_mock):
    reply = client.embeddings.create(model=MODEL, input=["a", "b"], dimensions=256, extra_body={"input_type": "search_query"})
    assert [len(item.embedding) for item in reply.data] == [256, 256]
    body = last_embed_request(cohere_mock)["body"]
    assert body["output_dimension"] == 256
    assert body["input_type"] == "search_query"


def test_bad_input_type_is_a_400_naming_the_field(client, cohere_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model=MODEL, input="a", extra_body={"input_type": "query"})
    assert caught.value.status_code == 400
    assert caught.value.body["param"] == "input_type"
    assert cohere_mock.requests() == []


def test_token_ids_are_refused_by_cohere(client, cohere_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model=MODEL, input=[[101, 2023]])
    assert "cohere does not accept token ids as embedding input" in caught.value.message
    assert cohere_mock.requests() == []


def test_rate_limit_is_a_429(client):
    with pytest.raises(openai.RateLimitError) as caught:
        client.embeddings.create(model="cohere/error-429", input="a")
    assert caught.value.response.headers["x-provider"] == "cohere"
