"""Images, speech to text and text to speech through the gateway with the official `openai` SDK,
against the OpenAI-format mock playing four providers (openai, together, groq, azure): each
capability fails over from a provider answering 5xx to a healthy one of another type; the
multipart form reaches the upstream with only `model` rewritten; speech streams."""

from __future__ import annotations

import base64
import io
import math
import struct
import time
import wave

import openai
import pytest


def tone_wav(seconds: float = 1.5, rate: int = 16_000) -> bytes:
    """A real 440 Hz sine WAV, written with the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(12_000 * math.sin(2 * math.pi * 440 * i / rate)))
                          for i in range(int(seconds * rate)))
        out.writeframes(frames)
    return buffer.getvalue()


def requests_to(recorder, suffix: str) -> list[dict]:
    return [r for r in recorder.requests() if r["path"].split("?")[0].endswith(suffix)]


# MARK: Images

def test_images_generate_with_failover(client, mock):
    result = client.images.with_raw_response.generate(model="image-failover", prompt="a red square", n=2,
                                                       size="1024x1024", response_format="b64_json")
    assert result.headers["x-provider"] == "together"
    assert int(result.headers["x-gatewyse-attempts"]) >= 2  # the 5xx may be retried once before failing over
    images = result.parse()
    assert len(images.data) == 2
    png = base64.b64decode(images.data[0].b64_json)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    sent = requests_to(mock, "/images/generations")
    assert {r["body"]["model"] for r in sent[:-1]} == {"error-500"}
    assert sent[-1]["body"]["model"] == "black-forest-labs/FLUX.1-schnell"
    assert sent[-1]["body"] == {"model": "black-forest-labs/FLUX.1-schnell", "prompt": "a red square", "n": 2,
                                "size": "1024x1024", "response_format": "b64_json"}
    assert sent[-1]["headers"]["authorization"] == "Bearer sk-mock-secret-123456"


def test_images_url_and_azure_deployment_path(client, mock):
    images = client.images.generate(model="azure/dalle-deployment", prompt="a blue circle", response_format="url")
    assert images.data[0].url.startswith("https://")
    sent = requests_to(mock, "/images/generations")[-1]
    assert sent["path"] == "/openai/deployments/dalle-deployment/images/generations?api-version=2024-10-21"
    assert sent["headers"]["api-key"] == "sk-mock-secret-123456"


@pytest.mark.parametrize("body, param", [
    ({"model": "mock/dall-e-3"}, "prompt"),
    ({"model": "mock/dall-e-3", "prompt": ""}, "prompt"),
    ({"model": "mock/dall-e-3", "prompt": "x" * 4001}, "prompt"),
    ({"model": "mock/dall-e-3", "prompt": "x", "n": 11}, "n"),
    ({"model": "mock/dall-e-3", "prompt": "x", "size": "big"}, "size"),
    ({"model": "mock/dall-e-3", "prompt": "x", "response_format": "png"}, "response_format"),
    ({"model": "mock/dall-e-3", "prompt": "x", "quality": "ultra"}, "quality"),
    ({"model": "mock/dall-e-3", "prompt": "x", "background": "pink"}, "background"),
])
def test_image_validation_names_the_field(gateway, http, mock, body, param):
    response = http.post(f"{gateway.url}/v1/images/generations", json=body,
                         headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    assert requests_to(mock, "/images/generations") == []


def test_provider_without_images_is_400_before_any_call(client, mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="groq/some-model", prompt="x")
    assert "does not offer images" in str(caught.value)
    assert mock.requests() == []


PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_image_edit_with_failover(client, mock):
    result = client.images.with_raw_response.edit(model="image-edit-failover", image=("in.png", PNG, "image/png"),
                                                   mask=("mask.png", PNG, "image/png"), prompt="add a hat", n=1)
    assert result.headers["x-provider"] == "azure"
    assert int(result.headers["x-gatewyse-attempts"]) >= 2
    assert base64.b64decode(result.parse().data[0].b64_json).startswith(b"\x89PNG")
    sent = requests_to(mock, "/images/edits")
    assert {r["body"]["model"] for r in sent[:-1]} == {"error-500"}
    last = sent[-1]
    assert last["path"] == "/openai/deployments/gpt-image-deployment/images/edits?api-version=2024-10-21"
    assert last["body"]["model"] == "gpt-image-deployment" and last["body"]["prompt"] == "add a hat"
    assert last["body"]["image"]["bytes"] == len(PNG) and last["body"]["mask"]["filename"] == "mask.png"


def test_image_edit_refused_by_providers_without_edits(client, mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(model="together/flux", image=("in.png", PNG, "image/png"), prompt="x")
    assert "does not offer image edits" in str(caught.value)
    assert mock.requests() == []


def test_image_edit_without_image_names_it(gateway, http, mock):
    response = http.post(f"{gateway.url}/v1/images/edits", files={"model": (None, "mock/gpt-image-1"), "prompt": (None, "x")},
                         headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "image"
    assert mock.requests() == []


# MARK: Speech to text

def test_transcription_json_with_failover(client, mock):
    result = client.audio.transcriptions.with_raw_response.create(
        model="whisper-failover", file=("tone.wav", tone_wav(), "audio/wav"), language="en", temperature=0.2)
    assert result.headers["x-provider"] == "groq"
    assert int(result.headers["x-gatewyse-attempts"]) >= 2  # the 5xx may be retried once before failing over
    assert result.parse().text == "Hello from the mock transcription."
    sent = requests_to(mock, "/audio/transcriptions")
    assert {r["body"]["model"] for r in sent[:-1]} == {"error-500"}
    assert sent[-1]["body"]["model"] == "whisper-large-v3"
    form = sent[-1]["body"]
    assert sent[-1]["path"] == "/openai/v1/audio/transcriptions"
    assert form["language"] == "en" and form["temperature"] == "0.2"
    assert form["file"]["filename"] == "tone.wav"
    assert form["file"]["bytes"] == len(tone_wav())
    assert sent[-1]["headers"]["content-type"].startswith("multipart/form-data; boundary=")


def test_transcription_verbose_json_has_duration_and_words(client):
    result = client.audio.transcriptions.create(model="mock/whisper-1", file=("tone.wav", tone_wav(2.0), "audio/wav"),
                                                response_format="verbose_json", timestamp_granularities=["word", "segment"])
    assert result.text.startswith("Hello")
    assert result.duration == pytest.approx(2.0, abs=0.01)
    assert result.words[0].word == "Hello"


@pytest.mark.parametrize("fmt, content_type, starts", [
    ("text", "text/plain", "Hello"),
    ("srt", "text/plain", "1\n00:00:00,000"),
    ("vtt", "text/vtt", "WEBVTT"),
])
def test_transcription_text_formats(client, fmt, content_type, starts):
    raw = client.audio.transcriptions.with_raw_response.create(model="mock/whisper-1", file=("tone.wav", tone_wav(), "audio/wav"),
                                                               response_format=fmt)
    assert raw.headers["content-type"].startswith(content_type)
    assert raw.parse().startswith(starts)


def test_groq_refuses_vtt_so_routing_names_it(client, mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="groq/whisper-large-v3", file=("tone.wav", tone_wav(), "audio/wav"),
                                           response_format="vtt")
    assert "response_format 'vtt'" in str(caught.value)
    assert mock.requests() == []


def test_translation_with_failover(client, mock):
    result = client.audio.translations.with_raw_response.create(model="whisper-failover", file=("tone.wav", tone_wav(), "audio/wav"))
    assert result.headers["x-provider"] == "groq"
    assert result.parse().text == "Hello from the mock translation."
    assert requests_to(mock, "/audio/translations")[-1]["path"] == "/openai/v1/audio/translations"


def test_transcription_without_file_names_it(gateway, http, mock):
    response = http.post(f"{gateway.url}/v1/audio/transcriptions", files={"model": (None, "mock/whisper-1")},
                         headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "file"
    assert mock.requests() == []


def test_transcription_needs_a_multipart_body(gateway, http):
    response = http.post(f"{gateway.url}/v1/audio/transcriptions", json={"model": "mock/whisper-1"},
                         headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_CONTENT_TYPE"


def test_truncated_form_is_400(gateway, http):
    body = b"--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nmock/whisper-1\r\n--xyz\r\nContent-Disposition: form-da"
    response = http.post(f"{gateway.url}/v1/audio/transcriptions", data=body,
                         headers={"Authorization": f"Bearer {gateway.api_key}", "Content-Type": "multipart/form-data; boundary=xyz"},
                         timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_MULTIPART"


def test_audio_upload_over_the_limit_is_413(gateway, http):
    big = b"\0" * (10 * 1024 * 1024 + 1)
    response = http.post(f"{gateway.url}/v1/audio/transcriptions", files={"file": ("big.wav", big), "model": (None, "mock/whisper-1")},
                         headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=20)
    assert response.status_code == 413


# MARK: Text to speech

def test_speech_streamed_to_a_file_with_failover(client, tmp_path, mock):
    target = tmp_path / "speech.wav"
    with client.audio.speech.with_streaming_response.create(model="speech-failover", voice="alloy", input="Hello there",
                                                            response_format="wav") as response:
        assert response.headers["content-type"] == "audio/wav"
        assert response.headers["x-provider"] == "azure"
        assert int(response.headers["x-gatewyse-attempts"]) >= 2
        response.stream_to_file(target)
    data = target.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(str(target)) as audio:
        assert audio.getframerate() == 24_000
        assert audio.getnframes() == 12_000
    sent = requests_to(mock, "/audio/speech")
    assert sent[-1]["path"] == "/openai/deployments/tts-deployment/audio/speech?api-version=2024-10-21"
    assert sent[-1]["body"] == {"model": "tts-deployment", "voice": "alloy", "input": "Hello there", "response_format": "wav"}


def test_speech_mp3_header(client, tmp_path):
    target = tmp_path / "speech.mp3"
    with client.audio.speech.with_streaming_response.create(model="mock/tts-1", voice="nova", input="Hi") as response:
        assert response.headers["content-type"] == "audio/mpeg"
        response.stream_to_file(target)
    assert target.read_bytes()[:2] == b"\xff\xfb"


def test_first_speech_bytes_arrive_before_the_upstream_finishes(gateway, http):
    # The mock holds its last chunk back for 0.8 s: the first bytes must come well before that.
    started = time.monotonic()
    with http.post(f"{gateway.url}/v1/audio/speech", json={"model": "mock/speech-slow", "voice": "alloy", "input": "Hello"},
                   headers={"Authorization": f"Bearer {gateway.api_key}"}, stream=True, timeout=10) as response:
        assert response.status_code == 200
        chunks = response.iter_content(chunk_size=None)
        first = next(chunks)
        first_at = time.monotonic() - started
        rest = b"".join(chunks)
        done_at = time.monotonic() - started
    assert first[:2] == b"\xff\xfb"
    assert len(first) + len(rest) == 40 * 417
    assert done_at - first_at >= 0.6, (first_at, done_at)


@pytest.mark.parametrize("body, param", [
    ({"model": "mock/tts-1", "voice": "alloy"}, "input"),
    ({"model": "mock/tts-1", "input": "hi"}, "voice"),
    ({"model": "mock/tts-1", "input": "hi", "voice": "alloy", "response_format": "ogg"}, "response_format"),
    ({"model": "mock/tts-1", "input": "hi", "voice": "alloy", "speed": 9}, "speed"),
])
def test_speech_validation_names_the_field(gateway, http, body, param):
    response = http.post(f"{gateway.url}/v1/audio/speech", json=body, headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_models_list_capabilities(client):
    models = {m.id: m for m in client.models.list().data}
    assert "images" in models["image-failover"].capabilities
    assert "tts" in models["speech-failover"].capabilities
    assert "audio" in models["groq/whisper-large-v3"].capabilities
    assert "images" not in models["groq/whisper-large-v3"].capabilities
