"""Streamed chat through the gateway, read with the SDK's own stream iterator."""

from __future__ import annotations

import json

import openai
import pytest

from test_chat import WEATHER_TOOL


def _collect_text(chunks):
    text, finish, usage_chunks, roles = [], None, [], []
    for chunk in chunks:
        assert chunk.object == "chat.completion.chunk"
        if chunk.usage is not None:
            usage_chunks.append(chunk)
        for choice in chunk.choices:
            if choice.delta.role:
                roles.append(choice.delta.role)
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    return "".join(text), finish, usage_chunks, roles


def test_stream_text_with_usage(client, mock):
    raw = client.chat.completions.with_raw_response.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "stream this please"}],
        stream=True, stream_options={"include_usage": True})
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["content-type"].startswith("text/event-stream")

    text, finish, usage_chunks, roles = _collect_text(raw.parse())

    assert text == "You said: stream this please"
    assert finish == "stop"
    assert roles[:1] == ["assistant"]
    assert len(usage_chunks) == 1
    final = usage_chunks[0]
    assert final.choices == []
    assert (final.usage.prompt_tokens, final.usage.completion_tokens, final.usage.total_tokens) == (10, 5, 15)
    assert mock.last_chat()["body"]["stream"] is True


def test_stream_text_without_usage(client):
    stream = client.chat.completions.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "no usage wanted"}], stream=True)
    text, finish, usage_chunks, _ = _collect_text(stream)

    assert text == "You said: no usage wanted"
    assert finish == "stop"
    assert usage_chunks == []


def test_stream_arrives_in_pieces(client):
    stream = client.chat.completions.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "one two three four"}], stream=True)
    pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert len(pieces) > 1
    assert "".join(pieces) == "You said: one two three four"


def test_stream_through_alias_fails_over(client):
    raw = client.chat.completions.with_raw_response.create(
        model="fast-chat", messages=[{"role": "user", "content": "alias stream"}], stream=True)
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["x-gatewyse-attempts"] == "2"
    text, finish, _, _ = _collect_text(raw.parse())
    assert text == "You said: alias stream"
    assert finish == "stop"


def test_stream_tool_call(client):
    stream = client.chat.completions.create(
        model="mock/mock-tool", messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER_TOOL], stream=True)

    calls: dict[int, dict] = {}
    finish = None
    for chunk in stream:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": None, "type": None, "name": "", "arguments": ""})
                if delta.id:
                    call["id"] = delta.id
                if delta.type:
                    call["type"] = delta.type
                if delta.function is not None:
                    call["name"] += delta.function.name or ""
                    call["arguments"] += delta.function.arguments or ""
            if choice.finish_reason:
                finish = choice.finish_reason

    assert finish == "tool_calls"
    assert list(calls) == [0]
    assert calls[0]["id"] == "call_mock_1"
    assert calls[0]["type"] == "function"
    assert calls[0]["name"] == "lookup_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}


def test_stream_json_mode(client):
    stream = client.chat.completions.create(
        model="mock/mock-json", messages=[{"role": "user", "content": "json"}],
        response_format={"type": "json_object"}, stream=True)
    text, _, _, _ = _collect_text(stream)
    assert json.loads(text) == {"answer": 42}


def test_stream_error_after_content_in_the_same_read(client):
    """The mock sends its text and OpenAI's in-band error frame in one write: the client gets all
    the text, then the error (the gateway's envelope, in-band, without [DONE])."""
    stream = client.chat.completions.create(
        model="mock/error-stream", messages=[{"role": "user", "content": "x"}], stream=True)
    pieces = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content:
                    pieces.append(choice.delta.content)
    assert "".join(pieces) == "Waves fold into foam"
    assert caught.value.body["code"] == "UPSTREAM_STREAM_ERROR"
    assert "failed mid-stream: The server had an error" in caught.value.message
