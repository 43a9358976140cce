"""End-to-end fixtures: the real `gatewyse` binary in front of the `gatewyse-mock` upstream.

Both processes listen on 127.0.0.1 only; nothing here talks to any other address. Binaries come
from GATEWYSE_BIN / GATEWYSE_MOCK_BIN (default: the debug build under .build/debug).
"""

from __future__ import annotations

import os
import pathlib
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass

import openai
import pytest
import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
MOCK_KEY = "sk-mock-secret-123456"
# What the Bedrock mock accepts (MockBedrockUpstream.credentials / .apiKey).
BEDROCK_SECRET = "mock/bedrock+secret-key-0123456789"
BEDROCK_API_KEY = "bedrock-api-key-mock-0123456789"
START_ATTEMPTS = 5
START_TIMEOUT = 20.0
# Where the session's server logs are, for the failure summary.
_LOG_DIRS: list[pathlib.Path] = []

# Everything here is loopback: never let a proxy from the environment sit in between.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def _binary(variable: str, default: str) -> pathlib.Path:
    path = pathlib.Path(os.environ.get(variable) or default)
    if not path.is_absolute():
        path = REPO / path
    if not os.access(path, os.X_OK):
        pytest.exit(f"{variable}: no executable at {path} (run `make build` first)", returncode=2)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: pathlib.Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _wait_healthy(process: subprocess.Popen, url: str, deadline: float) -> bool:
    """True once `url` answers 200; False if the process died or the deadline passed."""
    session = requests.Session()
    session.trust_env = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if session.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


def _start(name: str, make_command, health_path: str, env: dict, log_dir: pathlib.Path):
    """Starts a server on a fresh free port, retrying with another port when it loses a race for
    one (or fails to come up). Returns (process, port)."""
    problems = []
    for attempt in range(START_ATTEMPTS):
        port = free_port()
        log = log_dir / f"{name}-{attempt}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(make_command(port), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=env, cwd=log_dir)
        if _wait_healthy(process, f"http://127.0.0.1:{port}{health_path}", time.monotonic() + START_TIMEOUT):
            return process, port
        _stop(process)
        problems.append(f"attempt {attempt + 1} (port {port}, exit {process.returncode}):\n{_tail(log)}")
    raise RuntimeError(f"{name} did not start:\n" + "\n".join(problems))


@dataclass
class Gateway:
    url: str
    mock_url: str
    anthropic_mock_url: str
    gemini_mock_url: str
    cohere_mock_url: str
    bedrock_mock_url: str
    elevenlabs_mock_url: str
    stability_mock_url: str
    assemblyai_mock_url: str
    replicate_mock_url: str
    whispercpp_mock_url: str
    api_key: str
    log_dir: pathlib.Path


@pytest.fixture(scope="session")
def gateway(tmp_path_factory) -> Gateway:
    gateway_bin = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    mock_bin = _binary("GATEWYSE_MOCK_BIN", ".build/debug/gatewyse-mock")
    work = tmp_path_factory.mktemp("gatewyse")
    _LOG_DIRS.append(work)
    api_key = "aigw_sk_" + secrets.token_hex(24)

    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env["LOG_LEVEL"] = "warning"

    extra = {}

    def mock_command(port: int) -> list:
        # Every attempt draws all its ports afresh: a port taken meanwhile (by another process's
        # outgoing connection, whose ephemeral ports come from the same range) would otherwise
        # fail every attempt alike.
        extra.update({name: free_port() for name in ("anthropic", "gemini", "cohere", "bedrock", "elevenlabs", "stability",
                                                     "assemblyai", "replicate", "whispercpp")})
        return [str(mock_bin), "--port", str(port)] + [part for name, extra_port in extra.items()
                                                       for part in (f"--{name}-port", str(extra_port))]

    mock, mock_port = _start("mock", mock_command, "/__mock/health", env, work)
    anthropic_port, gemini_port, cohere_port, bedrock_port = extra["anthropic"], extra["gemini"], extra["cohere"], extra["bedrock"]
    elevenlabs_port, stability_port, assemblyai_port = extra["elevenlabs"], extra["stability"], extra["assemblyai"]
    replicate_port, whispercpp_port = extra["replicate"], extra["whispercpp"]
    for name, extra_port in (("Anthropic", anthropic_port), ("Gemini", gemini_port), ("Cohere", cohere_port), ("Bedrock", bedrock_port),
                             ("ElevenLabs", elevenlabs_port), ("Stability AI", stability_port),
                             ("AssemblyAI", assemblyai_port), ("Replicate", replicate_port), ("whisper.cpp", whispercpp_port)):
        ready_by = time.monotonic() + 10
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{extra_port}/__mock/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > ready_by:
                raise RuntimeError(f"the {name} mock did not start")
            time.sleep(0.05)
    # A port that refuses connections for the whole session: bound but never listening, so no
    # other process can take it and every connect gets a reset at once.
    dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]

    config = work / "gatewyse.yaml"
    config.write_text(f"""\
server:
  host: 127.0.0.1
upstream:
  first_byte_timeout_ms: 1500
routing:
  # Failover must be visible on every request here; the breaker has its own Swift tests.
  breaker_failures: 1000
  retry_base_delay_ms: 10
  retry_max_delay_ms: 50
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/v1
    allow_private_network: true
  - id: down
    type: openai-compatible
    base_url: http://127.0.0.1:{dead_port}/v1
  - id: azure
    type: azure-openai
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/openai
    api_version: 2024-10-21
    allow_private_network: true
  - id: gemini
    type: google
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{gemini_port}/v1beta
    allow_private_network: true
  - id: cohere
    type: cohere
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{cohere_port}
    allow_private_network: true
  # The Bedrock mock checks SigV4 with these access keys, or takes the API key as a bearer token.
  - id: bedrock
    type: bedrock
    region: us-east-1
    aws_access_key_id: AKIAMOCKBEDROCK0001
    aws_secret_access_key: ${{BEDROCK_SECRET}}
    base_url: http://127.0.0.1:{bedrock_port}
    allow_private_network: true
  - id: bedrock-key
    type: bedrock
    region: us-east-1
    api_key: ${{BEDROCK_API_KEY}}
    base_url: http://127.0.0.1:{bedrock_port}
    allow_private_network: true
  # The OpenAI mock also plays a vLLM server's `/v1/rerank`.
  - id: vllm
    type: vllm
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/v1
  - id: vllm-down
    type: vllm
    base_url: http://127.0.0.1:{dead_port}/v1
  # Two more OpenAI-format providers played by the OpenAI mock, for the media routes' failover.
  - id: together
    type: together
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/v1
    allow_private_network: true
  - id: groq
    type: groq
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/openai/v1
    allow_private_network: true
  - id: elevenlabs
    type: elevenlabs
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{elevenlabs_port}
    allow_private_network: true
    voices:
      alloy: 21m00Tcm4TlvDq8ikWAM
      onyx: JBFqnCBsd6RMkjVDRZzb
  - id: stability
    type: stability
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{stability_port}
    allow_private_network: true
  - id: assemblyai
    type: assemblyai
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{assemblyai_port}
    allow_private_network: true
  - id: replicate
    type: replicate
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{replicate_port}
    allow_private_network: true
  - id: whispercpp
    type: whisper.cpp
    base_url: http://127.0.0.1:{whispercpp_port}
    allow_private_network: true
  # Fireworks played by the OpenAI mock: FLUX on its workflow path, Whisper on a separate
  # audio base URL (the real one is another host).
  - id: fireworks
    type: fireworks
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{mock_port}/inference/v1
    audio_base_url: http://127.0.0.1:{mock_port}/fw-audio/v1
    allow_private_network: true
  - id: claude
    type: anthropic
    api_key: ${{MOCK_KEY}}
    base_url: http://127.0.0.1:{anthropic_port}
    allow_private_network: true
models:
  - name: fast-chat
    # priority, not failover: failover demotes `down` once it is degraded, and these tests
    # want to see the failover attempt on every request.
    strategy: priority
    targets:
      - provider: down
        model: whatever
      - provider: mock
        model: mock-chat
  - name: embed-failover
    # Embeddings: the unreachable provider first, then the OpenAI mock.
    strategy: priority
    targets:
      - provider: down
        model: whatever
      - provider: mock
        model: text-embedding-3-small
  - name: rerank-failover
    # Rerank: the unreachable vLLM first, then Cohere.
    strategy: priority
    targets:
      - provider: vllm-down
        model: bge-reranker
      - provider: cohere
        model: rerank-v3.5
  # Media: a provider answering 5xx first, then a healthy provider of another type.
  - name: image-failover
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: together
        model: black-forest-labs/FLUX.1-schnell
  - name: image-edit-failover
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: azure
        model: gpt-image-deployment
  # Edits on Gemini and Stability AI (test_image_edit_providers.py).
  - name: image-edit-to-gemini
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: gemini
        model: gemini-2.5-flash-image
  - name: image-edit-to-stability
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: stability
        model: sd3.5-large
  - name: image-edit-gemini-first
    strategy: priority
    targets:
      - provider: gemini
        model: gemini-2.5-flash-image
      - provider: stability
        model: sd3.5-large
      - provider: azure
        model: gpt-image-deployment
  - name: whisper-failover
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: groq
        model: whisper-large-v3
  - name: speech-failover
    strategy: priority
    targets:
      - provider: mock
        model: error-503
      - provider: azure
        model: tts-deployment
  - name: speech-to-elevenlabs
    strategy: priority
    targets:
      - provider: mock
        model: error-503
      - provider: elevenlabs
        model: eleven_multilingual_v2
  - name: speech-from-elevenlabs
    strategy: priority
    targets:
      - provider: elevenlabs
        model: mock-error-500
      - provider: mock
        model: tts-1
  - name: image-to-stability
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: stability
        model: sd3.5-large
  - name: image-stability-first
    strategy: priority
    targets:
      - provider: stability
        model: stable-image-core
      - provider: together
        model: black-forest-labs/FLUX.1-schnell
  - name: transcribe-to-assemblyai
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: assemblyai
        model: universal-2
  - name: transcribe-from-assemblyai
    strategy: priority
    targets:
      - provider: assemblyai
        model: mock-error
      - provider: mock
        model: whisper-1
  - name: image-to-replicate
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: replicate
        model: black-forest-labs/flux-schnell
  # Replicate's speech and Whisper models (test_replicate_audio.py).
  - name: speech-to-replicate
    strategy: priority
    targets:
      - provider: mock
        model: error-503
      - provider: replicate
        model: jaaari/kokoro-82m
  - name: transcribe-to-replicate
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: replicate
        model: openai/whisper
  - name: image-from-replicate
    strategy: priority
    targets:
      - provider: replicate
        model: black-forest-labs/flux-schnell
      - provider: stability
        model: sd3.5-large
  # Gemini and Fireworks media (test_gemini_fireworks_media.py).
  - name: image-gemini-to-fireworks
    strategy: priority
    targets:
      - provider: gemini
        model: imagen-error-500
      - provider: fireworks
        model: flux-1-schnell-fp8
  - name: speech-to-gemini
    strategy: priority
    targets:
      - provider: mock
        model: error-503
      - provider: gemini
        model: gemini-2.5-flash-preview-tts
  - name: transcribe-to-fireworks
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: fireworks
        model: whisper-v3
  # ElevenLabs speech to text and whisper.cpp (test_audio_elevenlabs_whispercpp.py).
  - name: transcribe-to-elevenlabs
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: elevenlabs
        model: scribe_v1
  - name: transcribe-to-whispercpp
    strategy: priority
    targets:
      - provider: mock
        model: error-500
      - provider: whispercpp
        model: ggml-base.en
  - name: transcribe-elevenlabs-or-whispercpp
    strategy: priority
    targets:
      - provider: elevenlabs
        model: scribe_v2
      - provider: whispercpp
        model: ggml-base.en
tenants:
  - id: acme
    api_keys:
      - name: ci
        key: ${{GATEWAY_KEY}}
""")
    gateway_env = dict(env, MOCK_KEY=MOCK_KEY, GATEWAY_KEY=api_key, BEDROCK_SECRET=BEDROCK_SECRET, BEDROCK_API_KEY=BEDROCK_API_KEY)
    server = None
    try:
        server, port = _start(
            "gateway",
            lambda port: [str(gateway_bin), "serve", "--config", str(config), "--port", str(port), "--database", "memory:"],
            "/healthz", gateway_env, work)
        yield Gateway(url=f"http://127.0.0.1:{port}", mock_url=f"http://127.0.0.1:{mock_port}",
                      anthropic_mock_url=f"http://127.0.0.1:{anthropic_port}",
                      gemini_mock_url=f"http://127.0.0.1:{gemini_port}",
                      cohere_mock_url=f"http://127.0.0.1:{cohere_port}",
                      bedrock_mock_url=f"http://127.0.0.1:{bedrock_port}",
                      elevenlabs_mock_url=f"http://127.0.0.1:{elevenlabs_port}",
                      stability_mock_url=f"http://127.0.0.1:{stability_port}",
                      assemblyai_mock_url=f"http://127.0.0.1:{assemblyai_port}",
                      replicate_mock_url=f"http://127.0.0.1:{replicate_port}",
                      whispercpp_mock_url=f"http://127.0.0.1:{whispercpp_port}", api_key=api_key, log_dir=work)
    finally:
        _stop(server)
        _stop(mock)
        dead.close()


@pytest.fixture(scope="session")
def gateway_url(gateway) -> str:
    return gateway.url


@pytest.fixture(scope="session")
def mock_url(gateway) -> str:
    return gateway.mock_url


@pytest.fixture(scope="session")
def api_key(gateway) -> str:
    return gateway.api_key


@pytest.fixture(scope="session")
def http(gateway) -> requests.Session:
    """A plain HTTP session for what the SDK cannot send (no key, broken JSON, huge bodies)."""
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture(scope="session")
def client(gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=gateway.api_key, max_retries=0, timeout=15)


@pytest.fixture(scope="session")
def make_client(gateway):
    """An SDK client with another key (for the authentication tests)."""
    def make(key: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key, max_retries=0, timeout=15)
    return make


class MockRecorder:
    """What the mock upstream received: `GET/DELETE /__mock/requests`."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False

    def requests(self) -> list[dict]:
        response = self.session.get(f"{self.base_url}/__mock/requests", timeout=5)
        response.raise_for_status()
        return response.json()

    def clear(self) -> None:
        self.session.delete(f"{self.base_url}/__mock/requests", timeout=5).raise_for_status()

    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests() if r["path"].split("?")[0].endswith("/chat/completions")]

    def last_chat(self) -> dict:
        received = self.chat_requests()
        assert received, "the mock upstream received no chat request"
        return received[-1]


def _recorder_fixture(url_attribute: str, name: str):
    """A fixture giving one mock's request log, cleared before the test."""
    @pytest.fixture
    def fixture(gateway) -> MockRecorder:
        recorder = MockRecorder(getattr(gateway, url_attribute))
        recorder.clear()
        yield recorder
        recorder.session.close()
    fixture.__doc__ = f"The {name} mock's request log, cleared before the test."
    return fixture


mock = _recorder_fixture("mock_url", "OpenAI-compatible")
anthropic_mock = _recorder_fixture("anthropic_mock_url", "Anthropic")
gemini_mock = _recorder_fixture("gemini_mock_url", "Gemini")
cohere_mock = _recorder_fixture("cohere_mock_url", "Cohere")
bedrock_mock = _recorder_fixture("bedrock_mock_url", "Bedrock")
elevenlabs_mock = _recorder_fixture("elevenlabs_mock_url", "ElevenLabs")
stability_mock = _recorder_fixture("stability_mock_url", "Stability AI")
assemblyai_mock = _recorder_fixture("assemblyai_mock_url", "AssemblyAI")
replicate_mock = _recorder_fixture("replicate_mock_url", "Replicate")
whispercpp_mock = _recorder_fixture("whispercpp_mock_url", "whisper.cpp")


def pytest_terminal_summary(terminalreporter, exitstatus):
    """On failure, show the end of each server's log: the gateway's warnings say which upstream
    attempt failed and why."""
    if exitstatus == 0:
        return
    for directory in _LOG_DIRS:
        for log in sorted(directory.glob("*.log")):
            terminalreporter.write_sep("-", f"{log.name} ({log})")
            terminalreporter.write_line(_tail(log, 30))
