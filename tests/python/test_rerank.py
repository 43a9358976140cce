"""`POST /v1/rerank` through the gateway with plain `requests` (the OpenAI SDK has no rerank):
the Cohere mock's `/v2/rerank` (provider `cohere`) and a vLLM's `/v1/rerank` (provider `vllm`,
played by the OpenAI mock); order, `top_n`, `return_documents`, failover and errors."""

from __future__ import annotations

import pytest

DOCUMENTS = ["Berlin is the capital of Germany", "Paris is the capital of France", "Bananas are yellow",
             "France has Paris as its capital"]


@pytest.fixture
def rerank(gateway, http):
    def post(body: dict, key: str | None = None):
        headers = {"Authorization": f"Bearer {key or gateway.api_key}"}
        return http.post(f"{gateway.url}/v1/rerank", json=body, headers=headers, timeout=15)
    return post


def last_rerank_request(recorder) -> dict:
    received = [r for r in recorder.requests() if r["path"].split("?")[0].endswith("/rerank")]
    assert received, "the mock received no rerank request"
    return received[-1]


@pytest.mark.parametrize("model", ["cohere/rerank-v3.5", "vllm/BAAI/bge-reranker-v2-m3"])
def test_results_best_first(rerank, model):
    response = rerank({"model": model, "query": "capital of France", "documents": DOCUMENTS})
    assert response.status_code == 200, response.text
    reply = response.json()
    assert response.headers["x-provider"] == model.split("/")[0]
    assert response.headers["x-gatewyse-attempts"] == "1"
    assert reply["id"]
    scores = [result["relevance_score"] for result in reply["results"]]
    assert len(scores) == len(DOCUMENTS)
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(score, float) for score in scores)
    assert {result["index"] for result in reply["results"][:2]} == {1, 3}
    assert sorted(result["index"] for result in reply["results"]) == [0, 1, 2, 3]
    assert all("document" not in result for result in reply["results"])
    assert "billed_units" in reply["meta"]


def test_cohere_upstream_request_and_search_units(rerank, cohere_mock):
    documents = [DOCUMENTS[0], {"text": DOCUMENTS[1]}]
    response = rerank({"model": "cohere/rerank-v3.5", "query": "capital of France", "documents": documents,
                       "top_n": 1, "max_tokens_per_doc": 256})
    reply = response.json()
    assert reply["meta"]["billed_units"] == {"search_units": 1}
    assert "usage" not in reply
    sent = last_rerank_request(cohere_mock)
    assert sent["path"] == "/v2/rerank"
    assert sent["headers"]["authorization"] == "Bearer sk-mock-secret-123456"
    assert sent["body"] == {"model": "rerank-v3.5", "query": "capital of France", "documents": DOCUMENTS[:2],
                            "top_n": 1, "max_tokens_per_doc": 256}


def test_vllm_upstream_request_and_usage(rerank, mock):
    response = rerank({"model": "vllm/bge-reranker", "query": "capital of France", "documents": DOCUMENTS, "top_n": 2,
                       "return_documents": False})
    reply = response.json()
    assert reply["usage"]["total_tokens"] > 0
    assert reply["model"] == "bge-reranker"
    sent = last_rerank_request(mock)
    assert sent["path"] == "/v1/rerank"
    assert sent["body"] == {"model": "bge-reranker", "query": "capital of France", "documents": DOCUMENTS, "top_n": 2}


@pytest.mark.parametrize("model", ["cohere/rerank-v3.5", "vllm/bge-reranker"])
def test_top_n_and_return_documents(rerank, model):
    reply = rerank({"model": model, "query": "capital of France", "documents": [{"text": text} for text in DOCUMENTS],
                    "top_n": 2, "return_documents": True}).json()
    assert len(reply["results"]) == 2
    for result in reply["results"]:
        assert result["document"] == {"text": DOCUMENTS[result["index"]]}
    assert reply["results"][0]["relevance_score"] >= reply["results"][1]["relevance_score"]


def test_failover_to_cohere(rerank, cohere_mock):
    response = rerank({"model": "rerank-failover", "query": "q", "documents": ["a", "b"]})
    assert response.status_code == 200, response.text
    assert response.headers["x-provider"] == "cohere"
    assert response.headers["x-gatewyse-attempts"] == "2"
    assert len(cohere_mock.requests()) == 1


@pytest.mark.parametrize("body, param", [
    ({"model": "cohere/rerank-v3.5", "query": "q", "documents": []}, "documents"),
    ({"model": "cohere/rerank-v3.5", "query": "q"}, "documents"),
    ({"model": "cohere/rerank-v3.5", "documents": ["a"]}, "query"),
    ({"model": "cohere/rerank-v3.5", "query": "q", "documents": ["a", {"title": "b"}]}, "documents[1].text"),
    ({"model": "cohere/rerank-v3.5", "query": "q", "documents": ["a"], "top_n": 0}, "top_n"),
])
def test_invalid_requests_name_the_field(rerank, cohere_mock, body, param):
    response = rerank(body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert cohere_mock.requests() == []


def test_unknown_model_is_404(rerank):
    response = rerank({"model": "no-such-reranker", "query": "q", "documents": ["a"]})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "MODEL_NOT_FOUND"


def test_provider_without_rerank_is_400(rerank, mock):
    response = rerank({"model": "mock/mock-chat", "query": "q", "documents": ["a"]})
    assert response.status_code == 400
    assert "mock does not offer rerank" in response.json()["error"]["message"]
    assert mock.requests() == []


def test_bad_key_is_401(rerank):
    response = rerank({"model": "cohere/rerank-v3.5", "query": "q", "documents": ["a"]}, key="aigw_sk_wrong")
    assert response.status_code == 401


def test_upstream_rate_limit_is_429(rerank):
    response = rerank({"model": "cohere/error-429", "query": "q", "documents": ["a"]})
    assert response.status_code == 429
    assert response.headers["x-provider"] == "cohere"
