"""The native-format media providers through the gateway with the official `openai` SDK:
ElevenLabs behind /v1/audio/speech, Stability AI behind /v1/images/generations and AssemblyAI
(an upload → transcript → poll job) behind /v1/audio/transcriptions, each against its
validating mock (`gatewyse-mock --elevenlabs-port/--stability-port/--assemblyai-port`), with
failover both ways between a failing provider of one wire format and a healthy one of the
other."""

from __future__ import annotations

import base64
import time
import wave

import openai
import pytest
import requests

from conftest import MOCK_KEY
from test_media import tone_wav

RACHEL = "21m00Tcm4TlvDq8ikWAM"
GEORGE = "JBFqnCBsd6RMkjVDRZzb"


def speech_requests(recorder) -> list[dict]:
    return [r for r in recorder.requests() if r["path"].startswith("/v1/text-to-speech/")]


# MARK: ElevenLabs

def test_speech_fails_over_from_openai_format_to_elevenlabs(client, tmp_path, mock, elevenlabs_mock):
    target = tmp_path / "speech.mp3"
    with client.audio.speech.with_streaming_response.create(model="speech-to-elevenlabs", voice="alloy", input="Hello there") as response:
        assert response.headers["content-type"] == "audio/mpeg"
        assert response.headers["x-provider"] == "elevenlabs"
        assert int(response.headers["x-gatewyse-attempts"]) >= 2
        response.stream_to_file(target)
    data = target.read_bytes()
    assert data[:2] == b"\xff\xfb" and len(data) == 40 * 417
    assert {r["body"]["model"] for r in mock.requests() if r["path"].endswith("/audio/speech")} == {"error-503"}
    sent = speech_requests(elevenlabs_mock)
    assert len(sent) == 1
    assert sent[0]["path"] == f"/v1/text-to-speech/{RACHEL}/stream?output_format=mp3_44100_128"
    assert sent[0]["headers"]["xi-api-key"] == MOCK_KEY
    assert "authorization" not in sent[0]["headers"]
    assert sent[0]["body"] == {"text": "Hello there", "model_id": "eleven_multilingual_v2"}


def test_speech_fails_over_from_elevenlabs_to_openai_format(client, tmp_path, mock, elevenlabs_mock):
    target = tmp_path / "speech.mp3"
    with client.audio.speech.with_streaming_response.create(model="speech-from-elevenlabs", voice="alloy", input="Hi") as response:
        assert response.headers["x-provider"] == "mock"
        response.stream_to_file(target)
    assert target.read_bytes()[:2] == b"\xff\xfb"
    assert {r["body"]["model_id"] for r in speech_requests(elevenlabs_mock)} == {"mock-error-500"}
    assert [r["body"]["model"] for r in mock.requests() if r["path"].endswith("/audio/speech")] == ["tts-1"]


def test_elevenlabs_wav_with_mapped_voice_and_speed(client, tmp_path, elevenlabs_mock):
    target = tmp_path / "speech.wav"
    with client.audio.speech.with_streaming_response.create(model="elevenlabs/eleven_v3", voice="onyx", input="Hello",
                                                            response_format="wav", speed=1.1) as response:
        assert response.headers["content-type"] == "audio/wav"
        response.stream_to_file(target)
    with wave.open(str(target)) as audio:
        assert audio.getframerate() == 24_000 and audio.getnframes() == 12_000
    sent = speech_requests(elevenlabs_mock)[-1]
    assert sent["path"] == f"/v1/text-to-speech/{GEORGE}/stream?output_format=wav_24000"
    assert sent["body"] == {"text": "Hello", "model_id": "eleven_v3", "voice_settings": {"speed": 1.1}}


def test_elevenlabs_pcm_is_openai_pcm(client, elevenlabs_mock):
    response = client.audio.speech.create(model="elevenlabs/eleven_v3", voice="alloy", input="Hello", response_format="pcm")
    assert len(response.content) == 24_000  # 0.5 s of 24 kHz 16-bit mono
    assert speech_requests(elevenlabs_mock)[-1]["path"].endswith("output_format=pcm_24000")


def test_first_elevenlabs_bytes_arrive_before_the_upstream_finishes(gateway, http):
    # The mock holds its last chunk back for 0.8 s: the first bytes must come well before that.
    started = time.monotonic()
    with http.post(f"{gateway.url}/v1/audio/speech", json={"model": "elevenlabs/mock-slow", "voice": "alloy", "input": "Hello"},
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


@pytest.mark.parametrize("extra, reason", [
    ({"response_format": "aac"}, "response_format 'aac'"),
    ({"voice": "nova"}, "OpenAI voice 'nova'"),
    ({"instructions": "whisper it"}, "'instructions'"),
    ({"speed": 3.0}, "speed"),
])
def test_what_elevenlabs_cannot_speak_is_400_before_any_call(client, elevenlabs_mock, extra, reason):
    arguments = {"model": "elevenlabs/eleven_v3", "voice": "alloy", "input": "Hi"} | extra
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(**arguments)
    assert reason in caught.value.message
    assert speech_requests(elevenlabs_mock) == []


def test_unknown_elevenlabs_voice_is_its_404(client, elevenlabs_mock):
    with pytest.raises(openai.NotFoundError) as caught:
        client.audio.speech.create(model="elevenlabs/eleven_v3", voice="NoSuchVoice42", input="Hi")
    assert "voice_not_found" in caught.value.message
    assert caught.value.response.headers["x-provider"] == "elevenlabs"


# MARK: Stability AI

def test_images_fail_over_from_openai_format_to_stability(client, mock, stability_mock):
    result = client.images.with_raw_response.generate(model="image-to-stability", prompt="a red square", size="1792x1024",
                                                       response_format="b64_json")
    assert result.headers["x-provider"] == "stability"
    images = result.parse()
    assert len(images.data) == 1
    assert base64.b64decode(images.data[0].b64_json).startswith(b"\x89PNG\r\n\x1a\n")
    assert {r["body"]["model"] for r in mock.requests() if r["path"].endswith("/images/generations")} == {"error-500"}
    sent = stability_mock.requests()
    assert len(sent) == 1
    assert sent[0]["path"] == "/v2beta/stable-image/generate/sd3"
    assert sent[0]["headers"]["authorization"] == f"Bearer {MOCK_KEY}"
    assert sent[0]["headers"]["accept"] == "application/json"
    assert sent[0]["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert sent[0]["body"] == {"prompt": "a red square", "model": "sd3.5-large", "aspect_ratio": "16:9", "output_format": "png"}


def test_url_answers_skip_stability_for_a_provider_that_has_them(client, mock, stability_mock):
    result = client.images.with_raw_response.generate(model="image-stability-first", prompt="a blue circle", response_format="url")
    assert result.headers["x-provider"] == "together"
    assert result.parse().data[0].url.startswith("https://")
    assert stability_mock.requests() == []


def test_stability_core_without_response_format_answers_b64_json(client, stability_mock):
    images = client.images.generate(model="stability/stable-image-core", prompt="a green triangle", extra_body={"negative_prompt": "blur", "seed": 7})
    assert base64.b64decode(images.data[0].b64_json).startswith(b"\x89PNG")
    sent = stability_mock.requests()[-1]
    assert sent["path"] == "/v2beta/stable-image/generate/core"
    assert sent["body"] == {"prompt": "a green triangle", "output_format": "png", "negative_prompt": "blur", "seed": "7"}


@pytest.mark.parametrize("arguments, reason", [
    ({"n": 2}, "n=1"),
    ({"response_format": "url"}, "response_format 'url'"),
])
def test_what_stability_cannot_make_is_400_before_any_call(client, stability_mock, arguments, reason):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="stability/sd3.5-large", prompt="a cat", **arguments)
    assert reason in caught.value.message
    assert stability_mock.requests() == []


@pytest.mark.parametrize("marker", ["[mock:moderated]", "[mock:filtered]"])
def test_stability_refusals_are_400_content_filtered(client, marker):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="stability/sd3.5-large", prompt=f"something {marker}")
    assert caught.value.code == "CONTENT_FILTERED"


def test_models_list_media_provider_capabilities(client):
    models = {m.id: m for m in client.models.list().data}
    assert "tts" in models["speech-to-elevenlabs"].capabilities
    assert "images" in models["image-to-stability"].capabilities


# MARK: AssemblyAI

def assemblyai_calls(recorder) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in recorder.requests()]


def test_transcription_fails_over_from_openai_format_to_assemblyai(client, mock, assemblyai_mock):
    result = client.audio.transcriptions.with_raw_response.create(model="transcribe-to-assemblyai", file=("tone.wav", tone_wav(2.0), "audio/wav"))
    assert result.headers["x-provider"] == "assemblyai"
    assert result.parse().text == "Hello from the mock transcript. It has two sentences."
    assert {r["body"]["model"] for r in mock.requests() if r["path"].endswith("/audio/transcriptions")} == {"error-500"}
    calls = assemblyai_calls(assemblyai_mock)
    transcript_id = calls[2][1].rsplit("/", 1)[1]
    assert calls == [("POST", "/v2/upload"), ("POST", "/v2/transcript"), ("GET", f"/v2/transcript/{transcript_id}"),
                     ("GET", f"/v2/transcript/{transcript_id}")]
    sent = assemblyai_mock.requests()
    assert sent[0]["headers"]["authorization"] == MOCK_KEY  # bare, no "Bearer"
    assert sent[0]["headers"]["content-type"] == "application/octet-stream"
    assert sent[0]["body"] == {"bytes": len(tone_wav(2.0))}
    assert sent[1]["body"] == {"audio_url": "https://cdn.assemblyai.com/upload/" + sent[1]["body"]["audio_url"].rsplit("/", 1)[1],
                               "speech_models": ["universal-2"], "language_detection": True}


def test_transcription_fails_over_from_assemblyai_error_to_openai_format(client, mock, assemblyai_mock):
    result = client.audio.transcriptions.with_raw_response.create(model="transcribe-from-assemblyai", file=("tone.wav", tone_wav(), "audio/wav"))
    assert result.headers["x-provider"] == "mock"
    assert result.parse().text == "Hello from the mock transcription."
    statuses = [r["path"] for r in assemblyai_mock.requests()]
    assert statuses[0] == "/v2/upload" and statuses[1] == "/v2/transcript"


def test_assemblyai_verbose_json_has_words_segments_and_duration(client, assemblyai_mock):
    result = client.audio.transcriptions.create(model="assemblyai/universal-2", file=("tone.wav", tone_wav(2.0), "audio/wav"),
                                                response_format="verbose_json", timestamp_granularities=["word"], language="en")
    assert result.duration == 2
    assert result.language == "en"
    assert [w.word for w in result.words][:3] == ["Hello", "from", "the"]
    assert result.words[0].start == 0 and result.words[1].start > result.words[0].start
    assert [s.text for s in result.segments] == [" Hello from the mock transcript.", " It has two sentences."]
    assert assemblyai_mock.requests()[1]["body"] == {"audio_url": assemblyai_mock.requests()[1]["body"]["audio_url"],
                                                     "speech_models": ["universal-2"], "language_code": "en"}


@pytest.mark.parametrize("fmt, starts", [("text", "Hello from the mock transcript."), ("srt", "1\n00:00:00,000"), ("vtt", "WEBVTT")])
def test_assemblyai_text_formats(client, assemblyai_mock, fmt, starts):
    text = client.audio.transcriptions.create(model="assemblyai/universal-2", file=("tone.wav", tone_wav(), "audio/wav"), response_format=fmt)
    assert text.startswith(starts)
    if fmt in ("srt", "vtt"):
        assert assemblyai_calls(assemblyai_mock)[-1][1].endswith("/" + fmt)


def test_assemblyai_has_no_translations(client, assemblyai_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.translations.create(model="assemblyai/universal-2", file=("tone.wav", tone_wav(), "audio/wav"))
    assert "does not offer audio translations" in caught.value.message
    assert assemblyai_mock.requests() == []


def test_assemblyai_create_failure_is_reported(client):
    with pytest.raises(openai.APIStatusError) as caught:
        client.audio.transcriptions.create(model="assemblyai/mock-500", file=("tone.wav", tone_wav(), "audio/wav"))
    assert caught.value.status_code == 502
    assert "Internal server error" in caught.value.message


def test_a_client_that_leaves_stops_the_polling(gateway, http, assemblyai_mock):
    # The transcript never finishes; the client gives up after 0.6 s. Polls would go on at
    # 1.75 s and 3.75 s after the start: after the disconnect, none may come.
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(f"{gateway.url}/v1/audio/transcriptions", files={"file": ("tone.wav", tone_wav(), "audio/wav"),
                                                                   "model": (None, "assemblyai/mock-stuck")},
                  headers={"Authorization": f"Bearer {gateway.api_key}"}, timeout=(5, 0.6))
    time.sleep(0.5)
    polls = [r for r in assemblyai_mock.requests() if r["method"] == "GET"]
    assert 1 <= len(polls) <= 2
    time.sleep(3.3)
    assert [r for r in assemblyai_mock.requests() if r["method"] == "GET"] == polls
