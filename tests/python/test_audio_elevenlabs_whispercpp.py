"""ElevenLabs speech to text and whisper.cpp's server behind /v1/audio/transcriptions, driven by
the official `openai` SDK against the validating mocks (`gatewyse-mock --elevenlabs-port
--whispercpp-port`): a real tone WAV written with the `wave` module, answered as json, text and
verbose_json; failover from a failing provider to each; a request ElevenLabs cannot serve
skipped for whisper.cpp; and 400s naming the field when no provider is left."""

from __future__ import annotations

import io
import wave

import openai
import pytest

from conftest import MOCK_KEY
from test_media import requests_to, tone_wav

ELEVENLABS_TEXT = "Hello from the mock transcription."
WHISPERCPP_TEXT = "Hello from the mock whisper.cpp server."


def tone(seconds: float = 1.5) -> tuple[str, bytes, str]:
    audio = tone_wav(seconds)
    with wave.open(io.BytesIO(audio)) as check:
        assert check.getnframes() == int(seconds * 16_000)
    return ("tone.wav", audio, "audio/wav")


# MARK: ElevenLabs

def test_transcription_fails_over_to_elevenlabs_as_its_form(client, mock, elevenlabs_mock):
    raw = client.audio.transcriptions.with_raw_response.create(model="transcribe-to-elevenlabs", file=tone())
    assert raw.headers["x-provider"] == "elevenlabs"
    assert int(raw.headers["x-gatewyse-attempts"]) >= 2
    assert raw.parse().text == ELEVENLABS_TEXT
    assert {r["body"]["model"] for r in requests_to(mock, "/audio/transcriptions")} == {"error-500"}
    sent = requests_to(elevenlabs_mock, "/v1/speech-to-text")
    assert len(sent) == 1
    assert sent[0]["headers"]["xi-api-key"] == MOCK_KEY
    assert "authorization" not in sent[0]["headers"]
    form = sent[0]["body"]
    assert form["model_id"] == "scribe_v1"
    assert form["file"]["bytes"] == len(tone()[1]) and form["file"]["filename"] == "tone.wav"
    assert set(form) == {"model_id", "file"}


def test_elevenlabs_answers_text(client, elevenlabs_mock):
    text = client.audio.transcriptions.create(model="elevenlabs/scribe_v1", file=tone(), response_format="text")
    assert text.strip() == ELEVENLABS_TEXT


def test_elevenlabs_verbose_json_has_words_duration_and_language(client, elevenlabs_mock):
    result = client.audio.transcriptions.create(model="elevenlabs/scribe_v2", file=tone(2.0), response_format="verbose_json",
                                                timestamp_granularities=["word"], language="en",
                                                extra_body={"diarize": "true"})
    assert result.text == ELEVENLABS_TEXT
    assert result.language == "en"
    assert result.duration == pytest.approx(2.0)
    assert [w.word for w in result.words] == ELEVENLABS_TEXT.split(" ")
    assert all(0 <= w.start < w.end <= 2.0 for w in result.words)
    form = requests_to(elevenlabs_mock, "/v1/speech-to-text")[-1]["body"]
    assert form["language_code"] == "en"
    assert form["timestamps_granularity"] == "word"
    assert form["diarize"] == "true"
    assert "response_format" not in form and "timestamp_granularities[]" not in form


# MARK: whisper.cpp

def test_transcription_fails_over_to_whispercpp_inference(client, mock, whispercpp_mock):
    raw = client.audio.transcriptions.with_raw_response.create(model="transcribe-to-whispercpp", file=tone(), temperature=0.2)
    assert raw.headers["x-provider"] == "whispercpp"
    assert int(raw.headers["x-gatewyse-attempts"]) >= 2
    assert raw.parse().text.strip() == WHISPERCPP_TEXT
    sent = requests_to(whispercpp_mock, "/inference")
    assert len(sent) == 1
    form = sent[0]["body"]
    assert form["temperature"] == "0.2"
    assert form["file"]["bytes"] == len(tone()[1])
    assert "model" not in form


def test_whispercpp_answers_text_and_verbose_json(client, whispercpp_mock):
    text = client.audio.transcriptions.create(model="whispercpp/ggml-base.en", file=tone(), response_format="text")
    assert text.strip() == WHISPERCPP_TEXT
    verbose = client.audio.transcriptions.create(model="whispercpp/ggml-base.en", file=tone(3.0), response_format="verbose_json",
                                                 language="en")
    assert verbose.text.strip() == WHISPERCPP_TEXT
    assert verbose.duration == pytest.approx(3.0)
    assert verbose.language == "en"
    assert len(verbose.segments) == 1 and verbose.segments[0].end == pytest.approx(3.0)
    form = requests_to(whispercpp_mock, "/inference")[-1]["body"]
    assert form["response_format"] == "verbose_json" and form["language"] == "en"


def test_subtitles_skip_elevenlabs_for_whispercpp(client, elevenlabs_mock, whispercpp_mock):
    raw = client.audio.transcriptions.with_raw_response.create(model="transcribe-elevenlabs-or-whispercpp", file=tone(),
                                                               response_format="srt")
    assert raw.headers["x-provider"] == "whispercpp"
    assert raw.text.startswith("1\n00:00:00,000 --> 00:00:01,500\n")
    assert requests_to(elevenlabs_mock, "/v1/speech-to-text") == []


# MARK: Refusals

def test_srt_from_elevenlabs_alone_is_a_400_naming_response_format(client, elevenlabs_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="elevenlabs/scribe_v1", file=tone(), response_format="srt")
    assert "response_format 'srt'" in str(caught.value)
    assert requests_to(elevenlabs_mock, "/v1/speech-to-text") == []


def test_translations_are_a_400_when_neither_translates(client, elevenlabs_mock, whispercpp_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.translations.create(model="transcribe-elevenlabs-or-whispercpp", file=tone())
    assert "/v1/audio/translations" in str(caught.value)
    assert requests_to(elevenlabs_mock, "/v1/speech-to-text") == [] and requests_to(whispercpp_mock, "/inference") == []


def test_word_timestamps_from_whispercpp_alone_are_a_400(client, whispercpp_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="whispercpp/ggml-base.en", file=tone(), response_format="verbose_json",
                                           timestamp_granularities=["word"])
    assert "timestamp_granularities[] 'word'" in str(caught.value)
