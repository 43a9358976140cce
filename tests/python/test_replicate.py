"""Replicate behind /v1/images/generations with the official `openai` SDK, against its
validating mock (`gatewyse-mock --replicate-port`): a prediction answered in sync mode
(`Prefer: wait`, cut to 1 s by the session gateway's 1.5 s first-byte timeout), one followed
through polls with its file fetched for `b64_json`, failover both ways between Replicate and
another image provider, Replicate's errors as the SDK raises them, and the prediction cancelled
upstream when the client leaves; and /v1/video/generations, answered at once or as a 202 job
that its tenant (and only its tenant) collects."""

from __future__ import annotations

import base64
import os
import secrets
import time

import openai
import pytest
import requests

from conftest import MOCK_KEY


def creates(recorder) -> list[dict]:
    return [r for r in recorder.requests() if r["method"] == "POST" and r["path"].endswith("/predictions")]


def test_sync_mode_answers_urls_in_one_call(client, replicate_mock, http):
    result = client.images.with_raw_response.generate(model="replicate/black-forest-labs/flux-schnell", prompt="a red square",
                                                       n=2, size="1792x1024")
    assert result.headers["x-provider"] == "replicate"
    images = result.parse()
    assert len(images.data) == 2
    assert all(image.url.startswith(replicate_mock.base_url + "/delivery/") for image in images.data)
    assert http.get(images.data[0].url, timeout=5).content.startswith(b"\x89PNG\r\n\x1a\n")
    sent = [r for r in replicate_mock.requests() if not r["path"].startswith("/delivery/")]
    assert len(sent) == 1
    assert sent[0]["path"] == "/v1/models/black-forest-labs/flux-schnell/predictions"
    assert sent[0]["headers"]["authorization"] == f"Bearer {MOCK_KEY}"
    assert sent[0]["headers"]["prefer"] == "wait=1"
    assert sent[0]["body"] == {"input": {"prompt": "a red square", "num_outputs": 2, "aspect_ratio": "16:9"}}


def test_a_polled_prediction_answers_b64_json(client, replicate_mock):
    images = client.images.generate(model="replicate/black-forest-labs/flux-1.1-pro", prompt="a blue circle",
                                    response_format="b64_json", output_format="png", extra_body={"safety_tolerance": 2})
    assert base64.b64decode(images.data[0].b64_json).startswith(b"\x89PNG\r\n\x1a\n")
    calls = replicate_mock.requests()
    assert calls[0]["method"] == "POST"
    assert calls[0]["body"] == {"input": {"prompt": "a blue circle", "output_format": "png", "safety_tolerance": 2}}
    prediction = calls[1]["path"].rsplit("/", 1)[1]
    polls = [c for c in calls if c["method"] == "GET" and c["path"] == f"/v1/predictions/{prediction}"]
    assert len(polls) >= 2 and all(p["headers"]["authorization"] == f"Bearer {MOCK_KEY}" for p in polls)
    download = calls[-1]
    assert download["path"] == f"/delivery/{prediction}/out-0.png"
    assert "authorization" not in download["headers"]


def test_images_fail_over_from_openai_format_to_replicate(client, mock, replicate_mock):
    result = client.images.with_raw_response.generate(model="image-to-replicate", prompt="a green triangle")
    assert result.headers["x-provider"] == "replicate"
    assert result.parse().data[0].url.startswith(replicate_mock.base_url + "/delivery/")
    assert {r["body"]["model"] for r in mock.requests() if r["path"].endswith("/images/generations")} == {"error-500"}


def test_images_fail_over_from_replicate_billing_to_stability(client, replicate_mock, stability_mock):
    result = client.images.with_raw_response.generate(model="image-from-replicate", prompt="a cat [mock:error-402]",
                                                       response_format="b64_json")
    assert result.headers["x-provider"] == "stability"
    assert base64.b64decode(result.parse().data[0].b64_json).startswith(b"\x89PNG")
    assert len(creates(replicate_mock)) >= 1
    assert len(stability_mock.requests()) == 1


def test_an_input_the_model_refuses_is_422(client, replicate_mock):
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.images.generate(model="replicate/black-forest-labs/flux-schnell", prompt="a cat", extra_body={"aspect_ratio": "7:3"})
    assert "aspect_ratio" in caught.value.message
    assert caught.value.response.headers["x-provider"] == "replicate"


def test_rate_limits_are_429_with_retry_after(client):
    with pytest.raises(openai.RateLimitError) as caught:
        client.images.generate(model="replicate/black-forest-labs/flux-schnell", prompt="a cat [mock:error-429]")
    assert caught.value.response.headers["retry-after"] == "1"
    assert "throttled" in caught.value.message


def test_a_failed_prediction_is_502_saying_so(client):
    with pytest.raises(openai.APIStatusError) as caught:
        client.images.generate(model="replicate/black-forest-labs/flux-schnell", prompt="a cat [mock:failed]")
    assert caught.value.status_code == 502
    assert "failed: CUDA error" in caught.value.message


def test_a_client_that_leaves_cancels_the_prediction(gateway, http, replicate_mock):
    # The prediction never ends. The create call is held 1 s (Prefer: wait=1), polls follow at
    # +0.25 s and +0.5 s; the client gives up at 1.6 s, after the gateway learnt the prediction's id.
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(f"{gateway.url}/v1/images/generations",
                  json={"model": "replicate/black-forest-labs/flux-schnell", "prompt": "forever [mock:stuck]"},
                  headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=(5, 1.6))
    prediction = next(r["path"].rsplit("/", 1)[1] for r in replicate_mock.requests() if r["method"] == "GET")
    cancel = f"/v1/predictions/{prediction}/cancel"
    for _ in range(40):
        if any(r["method"] == "POST" and r["path"] == cancel for r in replicate_mock.requests()):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the gateway did not cancel the prediction")
    polls = [r for r in replicate_mock.requests() if r["method"] == "GET"]
    time.sleep(2.2)
    assert [r for r in replicate_mock.requests() if r["method"] == "GET"] == polls


# MARK: Video (/v1/video/generations: no SDK method, so plain HTTP)

def test_a_video_that_finishes_in_time_is_the_answer(gateway, http, replicate_mock):
    response = http.post(f"{gateway.url}/v1/video/generations",
                         json={"model": "replicate/google/veo-3-fast", "prompt": "a wave at dawn", "duration": 8, "aspect_ratio": "9:16"},
                         headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=15)
    assert response.status_code == 200, response.text
    video = response.json()["data"][0]
    assert video["duration"] == 8
    assert http.get(video["url"], timeout=5).content[4:8] == b"ftyp"
    assert creates(replicate_mock)[0]["body"] == {"input": {"prompt": "a wave at dawn", "duration": 8, "aspect_ratio": "9:16"}}


@pytest.fixture(scope="module")
def short_gateway(gateway, tmp_path_factory):
    """A second gateway in front of the same Replicate mock whose requests end after 1.5 s, so
    that a slow video becomes a job; with a second tenant, to show jobs are per tenant."""
    from conftest import _binary, _start, _stop
    work = tmp_path_factory.mktemp("short-gateway")
    keys = {"acme": "aigw_sk_" + secrets.token_hex(24), "globex": "aigw_sk_" + secrets.token_hex(24)}
    config = work / "gatewyse.yaml"
    config.write_text(f"""\
server:
  host: 127.0.0.1
upstream:
  first_byte_timeout_ms: 1500
  total_timeout_ms: 1500
providers:
  - id: replicate
    type: replicate
    api_key: ${{MOCK_KEY}}
    base_url: {gateway.replicate_mock_url}
    allow_private_network: true
tenants:
  - id: acme
    api_keys:
      - name: ci
        key: {keys["acme"]}
  - id: globex
    api_keys:
      - name: ci
        key: {keys["globex"]}
""")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update(LOG_LEVEL="warning", MOCK_KEY=MOCK_KEY)
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    server, port = _start("short-gateway", lambda port: [str(binary), "serve", "--config", str(config), "--port", str(port),
                                                         "--database", "memory:"], "/healthz", env, work)
    yield f"http://127.0.0.1:{port}", keys
    _stop(server)


def test_a_slow_video_is_a_job_its_tenant_collects(short_gateway, http, replicate_mock):
    url, keys = short_gateway
    response = http.post(f"{url}/v1/video/generations", json={"model": "replicate/minimax/hailuo-02", "prompt": "a long take [mock:slow]"},
                         headers={"Authorization": f"Bearer {keys['acme']}"}, timeout=15)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "in_progress" and job["object"] == "video.generation"
    assert response.headers["location"] == f"/v1/video/generations/{job['id']}"
    other = http.get(f"{url}/v1/video/generations/{job['id']}", headers={"Authorization": f"Bearer {keys['globex']}"}, timeout=5)
    assert other.status_code == 404
    for _ in range(60):
        answer = http.get(f"{url}/v1/video/generations/{job['id']}", headers={"Authorization": f"Bearer {keys['acme']}"}, timeout=5)
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] != "in_progress":
            break
        time.sleep(0.1)
    assert answer.json()["status"] == "completed"
    assert http.get(answer.json()["data"][0]["url"], timeout=5).content[4:8] == b"ftyp"
    assert not any(r["path"].endswith("/cancel") for r in replicate_mock.requests())
