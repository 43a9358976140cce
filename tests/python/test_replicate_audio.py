"""Replicate's speech and Whisper models behind /v1/audio/speech and /v1/audio/transcriptions
with the official `openai` SDK, against the validating mock (`gatewyse-mock --replicate-port`):
a MiniMax speech prediction whose WAV file the gateway fetches and relays, failover from a
failing OpenAI-format provider to Kokoro on Replicate, a format the model cannot make refused
with a 400 naming `response_format`, and a tone WAV transcribed by openai/whisper in verbose_json
and srt (decisions/0028)."""

from __future__ import annotations

import base64
import wave

import openai
import pytest

from conftest import MOCK_KEY
from test_media import tone_wav


def creates(recorder) -> list[dict]:
    return [r for r in recorder.requests() if r["method"] == "POST" and r["path"].endswith("/predictions")]


def test_minimax_speech_is_a_prediction_whose_wav_is_relayed(client, tmp_path, replicate_mock):
    target = tmp_path / "speech.wav"
    with client.audio.speech.with_streaming_response.create(model="replicate/minimax/speech-02-turbo", voice="Wise_Woman",
                                                            input="Hello there", response_format="wav", speed=1.2) as response:
        assert response.headers["content-type"] == "audio/wav"
        assert response.headers["x-provider"] == "replicate"
        response.stream_to_file(target)
    data = target.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(str(target)) as audio:
        assert audio.getframerate() == 24_000 and audio.getnframes() == 12_000
    sent = creates(replicate_mock)
    assert len(sent) == 1
    assert sent[0]["path"] == "/v1/models/minimax/speech-02-turbo/predictions"
    assert sent[0]["headers"]["authorization"] == f"Bearer {MOCK_KEY}"
    assert sent[0]["headers"]["prefer"] == "wait=1"
    assert sent[0]["body"] == {"input": {"text": "Hello there", "voice_id": "Wise_Woman", "speed": 1.2, "audio_format": "wav"}}
    download = replicate_mock.requests()[-1]
    assert download["path"].startswith("/delivery/") and "authorization" not in download["headers"]


def test_speech_fails_over_to_kokoro_on_replicate(client, tmp_path, mock, replicate_mock):
    target = tmp_path / "speech.wav"
    with client.audio.speech.with_streaming_response.create(model="speech-to-replicate", voice="nova", input="Hi",
                                                            response_format="wav") as response:
        assert response.headers["x-provider"] == "replicate"
        assert int(response.headers["x-gatewyse-attempts"]) >= 2
        response.stream_to_file(target)
    assert target.read_bytes()[:4] == b"RIFF"
    assert {r["body"]["model"] for r in mock.requests() if r["path"].endswith("/audio/speech")} == {"error-503"}
    assert creates(replicate_mock)[0]["body"] == {"input": {"text": "Hi", "voice": "af_nova"}}


def test_a_format_the_model_cannot_make_is_refused(client, replicate_mock):
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="replicate/jaaari/kokoro-82m", voice="alloy", input="Hi", response_format="mp3")
    assert "response_format 'mp3'" in str(refused.value)
    assert creates(replicate_mock) == []


def test_whisper_transcribes_a_tone_in_verbose_json_and_srt(client, mock, replicate_mock):
    audio = tone_wav(seconds=2.0)
    verbose = client.audio.transcriptions.create(model="transcribe-to-replicate", file=("tone.wav", audio, "audio/wav"),
                                                 response_format="verbose_json")
    assert verbose.text == "Hello from the mock Whisper model."
    assert verbose.duration == pytest.approx(2.0)
    assert [segment.end for segment in verbose.segments] == [pytest.approx(1.0), pytest.approx(2.0)]
    sent = creates(replicate_mock)
    assert sent[-1]["path"] == "/v1/models/openai/whisper/predictions"
    input_ = sent[-1]["body"]["input"]
    assert input_["transcription"] == "plain text" and input_["translate"] is False
    assert input_["audio"] == "data:audio/wav;base64," + base64.b64encode(audio).decode()

    srt = client.audio.transcriptions.create(model="replicate/openai/whisper", file=("tone.wav", audio, "audio/wav"),
                                             response_format="srt")
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,000\nHello from the mock\n")
    assert creates(replicate_mock)[-1]["body"]["input"]["transcription"] == "srt"


def test_whisper_model_without_srt_is_refused(client, replicate_mock):
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.transcriptions.create(model="replicate/vaibhavs10/incredibly-fast-whisper",
                                           file=("tone.wav", tone_wav(seconds=0.5), "audio/wav"), response_format="srt")
    assert "response_format 'srt'" in str(refused.value)
    assert creates(replicate_mock) == []


def test_models_list_replicate_capabilities_by_model(client):
    models = {model.id: model for model in client.models.list()}
    assert models["replicate/jaaari/kokoro-82m"].capabilities == ["tts"]
    assert models["replicate/openai/whisper"].capabilities == ["audio"]
    assert models["replicate/black-forest-labs/flux-schnell"].capabilities == ["images", "video-generation"]
