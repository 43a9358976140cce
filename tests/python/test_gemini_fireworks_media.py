"""Gemini's and Fireworks' media through the gateway with the official `openai` SDK, against the
validating mocks: Imagen and Gemini image models behind /v1/images/generations, Gemini TTS
behind /v1/audio/speech (its base64 PCM streamed as WAV or PCM), Fireworks FLUX on its workflow
endpoint and Whisper on its separate audio base URL — with failover from a failing provider to a
healthy one for each route."""

from __future__ import annotations

import base64
import struct

import openai
import pytest

from test_media import requests_to, tone_wav

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def gemini_calls(recorder, method: str) -> list[dict]:
    return [r for r in recorder.requests() if r["path"].split("?")[0].endswith(":" + method)]


# MARK: Images

def test_imagen_makes_images_as_b64_json(client, gemini_mock):
    result = client.images.generate(model="gemini/imagen-4.0-generate-001", prompt="a lighthouse at dusk", n=2,
                                    size="1792x1024", response_format="b64_json", extra_body={"person_generation": "dont_allow"})
    assert len(result.data) == 2
    assert all(base64.b64decode(image.b64_json).startswith(PNG_SIGNATURE) for image in result.data)
    sent = gemini_calls(gemini_mock, "predict")
    assert len(sent) == 1
    assert sent[0]["path"] == "/v1beta/models/imagen-4.0-generate-001:predict"
    assert sent[0]["body"] == {"instances": [{"prompt": "a lighthouse at dusk"}],
                               "parameters": {"sampleCount": 2, "aspectRatio": "16:9", "personGeneration": "dont_allow"}}


def test_gemini_image_model_draws_through_generate_content(client, gemini_mock):
    result = client.images.generate(model="gemini/gemini-2.5-flash-image", prompt="a fox", size="1024x1024")
    assert len(result.data) == 1 and base64.b64decode(result.data[0].b64_json).startswith(PNG_SIGNATURE)
    body = gemini_calls(gemini_mock, "generateContent")[-1]["body"]
    assert body["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "1:1"}}


def test_images_fail_over_from_gemini_to_fireworks_flux(client, gemini_mock, mock):
    result = client.images.with_raw_response.generate(model="image-gemini-to-fireworks", prompt="a kite", size="1024x1536")
    assert result.headers["x-provider"] == "fireworks"
    assert int(result.headers["x-gatewyse-attempts"]) >= 2
    images = result.parse()
    assert base64.b64decode(images.data[0].b64_json).startswith(PNG_SIGNATURE)
    assert {r["path"] for r in gemini_calls(gemini_mock, "predict")} == {"/v1beta/models/imagen-error-500:predict"}
    sent = [r for r in mock.requests() if r["path"].endswith("/text_to_image")]
    assert len(sent) == 1
    assert sent[0]["path"] == "/inference/v1/workflows/accounts/fireworks/models/flux-1-schnell-fp8/text_to_image"
    assert sent[0]["headers"]["accept"] == "application/json"
    assert sent[0]["body"] == {"prompt": "a kite", "aspect_ratio": "2:3"}


def test_url_images_are_a_400_naming_response_format(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gemini/imagen-4.0-generate-001", prompt="p", response_format="url")
    assert "response_format 'url'" in caught.value.message
    assert gemini_calls(gemini_mock, "predict") == []


def test_a_model_without_images_is_a_400_naming_the_capability(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gemini/gemini-2.5-flash", prompt="p")
    assert "does not offer images" in caught.value.message
    assert gemini_mock.requests() == []


# MARK: Speech

def read_wav_header(data: bytes) -> dict:
    assert data[0:4] == b"RIFF" and data[8:12] == b"WAVE" and data[12:16] == b"fmt "
    fmt_size, audio_format, channels, rate, byte_rate, block_align, bits = struct.unpack("<IHHIIHH", data[16:36])
    assert data[36:40] == b"data"
    (data_size,) = struct.unpack("<I", data[40:44])
    return {"fmt_size": fmt_size, "format": audio_format, "channels": channels, "rate": rate, "byte_rate": byte_rate,
            "block_align": block_align, "bits": bits, "data_size": data_size}


def test_gemini_speech_streams_as_wav_after_failover(client, tmp_path, mock, gemini_mock):
    target = tmp_path / "speech.wav"
    with client.audio.speech.with_streaming_response.create(model="speech-to-gemini", voice="alloy", input="Hello there",
                                                            response_format="wav") as response:
        assert response.headers["content-type"] == "audio/wav"
        assert response.headers["x-provider"] == "gemini"
        assert int(response.headers["x-gatewyse-attempts"]) >= 2
        chunks = list(response.iter_bytes())
    data = b"".join(chunks)
    header = read_wav_header(data)
    # 16-bit PCM mono at 24 kHz; the sizes say "streaming" since the length was not known up front.
    assert header == {"fmt_size": 16, "format": 1, "channels": 1, "rate": 24_000, "byte_rate": 48_000, "block_align": 2, "bits": 16,
                      "data_size": 0xFFFFFFFF}
    assert len(data) - 44 == 24_000  # the mock's 0.5 s of audio, every sample
    assert {r["body"]["model"] for r in requests_to(mock, "/audio/speech")} == {"error-503"}
    sent = gemini_calls(gemini_mock, "streamGenerateContent")
    assert len(sent) == 1 and sent[0]["path"].endswith("?alt=sse")
    assert sent[0]["body"]["generationConfig"] == {"responseModalities": ["AUDIO"],
                                                   "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}}
    target.write_bytes(data)


def test_gemini_pcm_is_the_raw_samples(client, gemini_mock):
    response = client.audio.speech.create(model="gemini/gemini-2.5-flash-preview-tts", voice="Charon", input="Hi", response_format="pcm")
    assert len(response.content) == 24_000
    assert gemini_calls(gemini_mock, "streamGenerateContent")[-1]["body"]["generationConfig"]["speechConfig"] == \
        {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Charon"}}}


def test_gemini_mp3_is_a_400_naming_response_format_without_an_upstream_call(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(model="gemini/gemini-2.5-flash-preview-tts", voice="alloy", input="Hi")  # mp3 by default
    assert "response_format 'mp3'" in caught.value.message
    assert gemini_mock.requests() == []


# MARK: Fireworks transcription

def test_transcription_fails_over_to_fireworks_audio_host(client, mock):
    audio = tone_wav(seconds=1.0)
    result = client.audio.transcriptions.with_raw_response.create(model="transcribe-to-fireworks", file=("tone.wav", audio, "audio/wav"))
    assert result.headers["x-provider"] == "fireworks"
    assert result.parse().text == "Hello from the mock transcription."
    sent = requests_to(mock, "/audio/transcriptions")
    assert [r["body"]["model"] for r in sent] == ["error-500"] * (len(sent) - 1) + ["whisper-v3"]
    assert sent[-1]["path"] == "/fw-audio/v1/audio/transcriptions"
    assert sent[-1]["headers"]["authorization"] == "Bearer sk-mock-secret-123456"
    assert sent[-1]["body"]["file"]["bytes"] == len(audio)


# MARK: Catalog

def test_models_list_capabilities_by_model(client):
    models = {model.id: model for model in client.models.list()}
    assert models["gemini/imagen-error-500"].capabilities == ["images"]
    assert models["gemini/gemini-2.5-flash-preview-tts"].capabilities == ["tts"]
    assert models["fireworks/whisper-v3"].capabilities == ["audio"]
    assert models["fireworks/flux-1-schnell-fp8"].capabilities == ["images"]
    assert models["image-gemini-to-fireworks"].capabilities == ["images"]


def test_chat_to_an_imagen_model_is_a_400(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gemini/imagen-4.0-generate-001", messages=[{"role": "user", "content": "hi"}])
    assert "does not offer chat" in caught.value.message
    assert gemini_mock.requests() == []
