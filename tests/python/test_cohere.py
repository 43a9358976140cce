"""The OpenAI SDK through the gateway to the Cohere mock upstream (provider `cohere`, type
`cohere`): POST /v2/chat, JSON and SSE streaming, tool calls streamed and not, tool results,
and a rate limit."""

from __future__ import annotations

import json

import openai
import pytest

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
USER = [{"role": "user", "content": "Weather in Paris?"}]


def last_cohere_request(cohere_mock) -> dict:
    received = [r for r in cohere_mock.requests() if r["path"] == "/v2/chat"]
    assert received, "the Cohere mock received nothing on /v2/chat"
    return received[-1]


def test_text_to_cohere(client, cohere_mock):
    raw = client.chat.completions.with_raw_response.create(
        model="cohere/command-a-03-2025",
        messages=[{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hello"}],
        top_p=0.5, stop=["END"], max_completion_tokens=64, seed=3, user="someone")
    reply = raw.parse()
    assert raw.headers["x-provider"] == "cohere"
    assert reply.choices[0].message.content == "You said: hello"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens == 10 and reply.usage.completion_tokens == 5 and reply.usage.total_tokens == 15
    sent = last_cohere_request(cohere_mock)
    assert sent["headers"]["authorization"] == "Bearer sk-mock-secret-123456"
    body = sent["body"]
    assert body["model"] == "command-a-03-2025"
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["p"] == 0.5 and body["stop_sequences"] == ["END"] and body["max_tokens"] == 64 and body["seed"] == 3
    for openai_only in ("top_p", "stop", "max_completion_tokens", "user", "stream", "n"):
        assert openai_only not in body


def test_streamed_text_from_cohere(client, cohere_mock):
    stream = client.chat.completions.create(model="cohere/command-r", messages=[{"role": "user", "content": "hello there"}],
                                            stream=True, stream_options={"include_usage": True})
    text, finish, usage, roles = "", None, None, []
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            if choice.delta.role:
                roles.append(choice.delta.role)
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert roles == ["assistant"]
    assert text == "You said: hello there"
    assert finish == "stop"
    assert usage is not None and usage.total_tokens == 15
    sent = last_cohere_request(cohere_mock)["body"]
    assert sent["stream"] is True and "stream_options" not in sent


def test_tool_call_from_cohere(client, cohere_mock):
    reply = client.chat.completions.create(model="cohere/cohere-tool", messages=USER, tools=[WEATHER], tool_choice="auto")
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.id == "get_weather_mock0" and call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    sent = last_cohere_request(cohere_mock)["body"]
    assert sent["tools"] == [WEATHER]
    assert "tool_choice" not in sent  # auto is Cohere's default and has no spelling


def test_required_tool_choice_to_cohere(client, cohere_mock):
    reply = client.chat.completions.create(model="cohere/command-r7b-12-2024", messages=USER, tools=[WEATHER], tool_choice="required")
    assert reply.choices[0].finish_reason == "tool_calls"
    assert last_cohere_request(cohere_mock)["body"]["tool_choice"] == "REQUIRED"


def test_streamed_tool_call_from_cohere(client, cohere_mock):
    stream = client.chat.completions.create(model="cohere/cohere-tool", messages=USER, tools=[WEATHER], stream=True,
                                            stream_options={"include_usage": True})
    ids, name, arguments, finish, usage, deltas = [], "", "", None, None, 0
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                assert call.index == 0
                deltas += 1
                if call.id:
                    ids.append(call.id)
                name += call.function.name or ""
                arguments += call.function.arguments or ""
    assert ids == ["get_weather_mock0"]
    assert name == "get_weather"
    assert deltas > 2  # the arguments came in fragments
    assert json.loads(arguments) == {"city": "Paris"}
    assert finish == "tool_calls"
    assert usage is not None and usage.prompt_tokens == 10


def test_tool_result_round_trip_to_cohere(client, cohere_mock):
    reply = client.chat.completions.create(model="cohere/command-r", tools=[WEATHER], messages=[
        *USER,
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "get_weather_mock0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
        {"role": "tool", "tool_call_id": "get_weather_mock0", "content": '{"temperature": 18}'},
    ])
    assert reply.choices[0].message.content == 'The tool said: {"temperature": 18}'
    messages = last_cohere_request(cohere_mock)["body"]["messages"]
    assert messages[1] == {"role": "assistant", "tool_calls": [
        {"id": "get_weather_mock0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]}
    assert messages[2] == {"role": "tool", "tool_call_id": "get_weather_mock0", "content": '{"temperature": 18}'}


def test_unknown_tool_call_id_is_cohere_400(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="cohere/command-r", messages=[
            *USER,
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_b", "content": "18"},
        ])
    assert "tool call id not found in previous tool calls" in caught.value.message


def test_cohere_rate_limit(client, cohere_mock):
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="cohere/error-429", messages=USER)
    assert caught.value.response.headers["x-provider"] == "cohere"
    assert "Trial key" in caught.value.message
    assert "sk-mock-secret" not in caught.value.message
    assert last_cohere_request(cohere_mock)["body"]["model"] == "error-429"
