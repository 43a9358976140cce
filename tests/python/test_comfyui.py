"""ComfyUI behind /v1/images/generations with the official `openai` SDK, against its validating
mock (`gatewyse-mock --comfyui-port`): a workflow template read from a file beside the
configuration, its placeholders filled from the request (prompt, size, n, seed, negative
prompt) and checked by the mock's validation; the saved images answered as real PNG files of
the asked size; failover from a failing ComfyUI to an OpenAI-format image provider and back;
ComfyUI's errors as the SDK raises them; and the prompt dropped and interrupted upstream when
the client leaves.

A gateway of its own (module scope), so the session gateway's configuration stays as it is."""

from __future__ import annotations

import base64
import json
import os
import secrets
import struct
import time
import zlib

import openai
import pytest
import requests

from conftest import MOCK_KEY, MockRecorder, _binary, _start, _stop, free_port

# The mock's core text-to-image nodes, with every placeholder the gateway knows (decision 0024).
WORKFLOW = {
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "photo, {{prompt}}", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt:blurry}}", "clip": ["4", 1]}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width:64}}", "height": "{{height:64}}", "batch_size": "{{batch_size}}"}},
    "3": {"class_type": "KSampler", "inputs": {"model": ["4", 0], "seed": "{{seed}}", "steps": 20, "cfg": 7.5, "sampler_name": "euler",
                                               "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0],
                                               "denoise": 1.0}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "gatewyse/img"}},
}


@pytest.fixture(scope="module")
def comfy_gateway(tmp_path_factory):
    """The mock (OpenAI + ComfyUI) and a gateway with two ComfyUI providers on it: `comfy`,
    whose workflow file loads, and `comfy-broken`, whose checkpoint the server does not have."""
    work = tmp_path_factory.mktemp("comfyui")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update(LOG_LEVEL="warning", MOCK_KEY=MOCK_KEY)
    mock_bin = _binary("GATEWYSE_MOCK_BIN", ".build/debug/gatewyse-mock")
    comfy = {}

    def mock_command(port: int) -> list:
        comfy["port"] = free_port()  # drawn afresh per attempt, like the main mock's extra ports
        return [str(mock_bin), "--port", str(port), "--comfyui-port", str(comfy["port"])]

    mock, mock_port = _start("comfy-mock", mock_command, "/__mock/health", env, work)
    comfy_port = comfy["port"]
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{comfy_port}/__mock/health", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.05)
    (work / "workflows").mkdir()
    (work / "workflows" / "sdxl.json").write_text(json.dumps(WORKFLOW, indent=2))
    broken = json.loads(json.dumps(WORKFLOW))
    broken["4"]["inputs"]["ckpt_name"] = "not-on-this-server.safetensors"
    key = "aigw_sk_" + secrets.token_hex(24)
    config = work / "gatewyse.yaml"
    config.write_text(f"""\
server:
  host: 127.0.0.1
upstream:
  first_byte_timeout_ms: 1500
routing:
  breaker_failures: 1000
  retry_base_delay_ms: 10
  retry_max_delay_ms: 50
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/v1
    allow_private_network: true
  # Self-hosted: loopback is allowed without saying so. The workflow file is found beside this file.
  - id: comfy
    type: comfyui
    base_url: http://127.0.0.1:{comfy_port}
    workflows:
      sdxl: workflows/sdxl.json
  - id: comfy-broken
    type: comfyui
    base_url: http://127.0.0.1:{comfy_port}
    workflows:
      sdxl: |
        {json.dumps(broken)}
models:
  - name: image-from-comfy
    strategy: priority
    targets:
      - provider: comfy-broken
        model: sdxl
      - provider: mock
        model: gpt-image-1
  - name: image-to-comfy
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: comfy
        model: sdxl
tenants:
  - id: acme
    api_keys:
      - name: ci
        key: {key}
""")
    gateway_bin = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    server = None
    try:
        server, port = _start("comfy-gateway", lambda port: [str(gateway_bin), "serve", "--config", str(config), "--port", str(port),
                                                             "--database", "memory:"], "/healthz", env, work)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0, timeout=15)
        yield {"url": f"http://127.0.0.1:{port}", "key": key, "client": client,
               "comfy": MockRecorder(f"http://127.0.0.1:{comfy_port}"), "mock": MockRecorder(f"http://127.0.0.1:{mock_port}")}
    finally:
        _stop(server)
        _stop(mock)


@pytest.fixture
def comfy(comfy_gateway):
    comfy_gateway["comfy"].clear()
    comfy_gateway["mock"].clear()
    return comfy_gateway


def read_png(data: bytes) -> tuple[int, int]:
    """Checks a PNG the way a decoder does (signature, every chunk's CRC, the zlib stream and its
    size) and returns its width and height."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, size = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
            assert body[8:10] == b"\x08\x02", "8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height = size
    assert len(zlib.decompress(idat)) == height * (1 + width * 3)
    return width, height


def test_a_workflow_from_a_file_makes_real_pngs_of_the_asked_size(comfy):
    result = comfy["client"].images.with_raw_response.generate(model="comfy/sdxl", prompt="a lighthouse at dusk", n=2, size="128x64",
                                                                extra_body={"seed": 123456789, "negative_prompt": "rain"})
    assert result.headers["x-provider"] == "comfy"
    images = result.parse()
    assert len(images.data) == 2
    assert [read_png(base64.b64decode(image.b64_json)) for image in images.data] == [(128, 64), (128, 64)]
    sent = comfy["comfy"].requests()
    submit = sent[0]
    assert submit["method"] == "POST" and submit["path"] == "/prompt"
    assert submit["body"]["client_id"] == "gatewyse-comfy"
    workflow = submit["body"]["prompt"]
    assert workflow["6"]["inputs"]["text"] == "photo, a lighthouse at dusk"
    assert workflow["7"]["inputs"]["text"] == "rain"
    assert workflow["5"]["inputs"] == {"width": 128, "height": 64, "batch_size": 2}
    assert workflow["3"]["inputs"]["seed"] == 123456789
    assert any(r["path"].startswith("/history/") for r in sent)
    views = [r["path"] for r in sent if r["path"].startswith("/view?")]
    assert len(views) == 2 and all(v.endswith("&subfolder=gatewyse&type=output") for v in views)


def test_defaults_of_the_template_apply(comfy):
    images = comfy["client"].images.generate(model="comfy/sdxl", prompt="a fox")
    assert read_png(base64.b64decode(images.data[0].b64_json)) == (64, 64)
    workflow = comfy["comfy"].requests()[0]["body"]["prompt"]
    assert workflow["7"]["inputs"]["text"] == "blurry"
    assert isinstance(workflow["3"]["inputs"]["seed"], int)


def test_a_failing_comfyui_fails_over_to_another_image_provider(comfy):
    result = comfy["client"].images.with_raw_response.generate(model="image-from-comfy", prompt="a cat", response_format="b64_json")
    assert result.headers["x-provider"] == "mock"
    assert base64.b64decode(result.parse().data[0].b64_json).startswith(b"\x89PNG")
    submits = [r for r in comfy["comfy"].requests() if r["path"] == "/prompt"]
    assert submits and all(r["body"]["prompt"]["4"]["inputs"]["ckpt_name"] == "not-on-this-server.safetensors" for r in submits)
    assert int(result.headers["x-gatewyse-attempts"]) == len(submits) + 1


def test_a_failing_image_provider_fails_over_to_comfyui(comfy):
    result = comfy["client"].images.with_raw_response.generate(model="image-to-comfy", prompt="a dog", size="256x256")
    assert result.headers["x-provider"] == "comfy"
    assert read_png(base64.b64decode(result.parse().data[0].b64_json)) == (256, 256)
    assert [r["body"]["model"] for r in comfy["mock"].requests() if r["path"].endswith("/images/generations")][:1] == ["error-500"]


def test_comfyuis_errors_reach_the_sdk_classified(comfy):
    with pytest.raises(openai.APIStatusError) as rejected:
        comfy["client"].images.generate(model="comfy-broken/sdxl", prompt="a cat")
    assert rejected.value.status_code == 502
    assert "node 4 (CheckpointLoaderSimple): Value not in list" in rejected.value.message
    with pytest.raises(openai.APIStatusError) as failed:
        comfy["client"].images.generate(model="comfy/sdxl", prompt="a cat [mock:oom]")
    assert failed.value.status_code == 502
    assert "node 3 (KSampler): torch.OutOfMemoryError" in failed.value.message
    with pytest.raises(openai.BadRequestError) as url:
        comfy["client"].images.generate(model="comfy/sdxl", prompt="a cat", response_format="url")
    assert "response_format 'url' is not possible" in url.value.message
    # A size beyond ComfyUI's bounds is the client's error, found before anything is queued.
    comfy["comfy"].clear()
    with pytest.raises(openai.BadRequestError) as size:
        comfy["client"].images.generate(model="comfy/sdxl", prompt="a cat", size="99999x64")
    assert "'size'" in size.value.message
    assert comfy["comfy"].requests() == []


def test_a_client_that_leaves_has_its_prompt_dropped_and_interrupted(comfy):
    http = requests.Session()
    http.trust_env = False
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(f"{comfy['url']}/v1/images/generations", json={"model": "comfy/sdxl", "prompt": "forever [mock:stuck]"},
                  headers={"Authorization": f"Bearer {comfy['key']}"}, timeout=(5, 2.0))
    prompt_id = next(r["path"].rsplit("/", 1)[1] for r in comfy["comfy"].requests() if r["path"].startswith("/history/"))
    for _ in range(60):
        cancels = [r for r in comfy["comfy"].requests() if r["method"] == "POST" and r["path"] in ("/queue", "/interrupt")]
        if len(cancels) == 2:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the gateway did not cancel the prompt")
    assert [(r["path"], r["body"]) for r in cancels] == [("/queue", {"delete": [prompt_id]}), ("/interrupt", {"prompt_id": prompt_id})]
    polls = [r for r in comfy["comfy"].requests() if r["path"].startswith("/history/")]
    time.sleep(1.5)
    assert [r for r in comfy["comfy"].requests() if r["path"].startswith("/history/")] == polls
