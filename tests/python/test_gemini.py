"""The OpenAI SDK through the gateway to the Gemini mock upstream (provider `gemini`, type
`google`): generateContent and SSE streaming, function calls streamed and not, tool results."""

from __future__ import annotations

import json

import openai
import pytest

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                   "additionalProperties": False}}}
USER = [{"role": "user", "content": "Weather in Paris?"}]


def last_gemini_request(gemini_mock) -> dict:
    received = [r for r in gemini_mock.requests() if ":generateContent" in r["path"] or ":streamGenerateContent" in r["path"]]
    assert received, "the Gemini mock received nothing"
    return received[-1]


def test_text_to_gemini(client, gemini_mock):
    raw = client.chat.completions.with_raw_response.create(
        model="gemini/gemini-2.5-flash", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}])
    reply = raw.parse()
    assert raw.headers["x-provider"] == "gemini"
    assert "hello" in reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.total_tokens > 0
    sent = last_gemini_request(gemini_mock)
    assert sent["path"].startswith("/v1beta/models/gemini-2.5-flash:generateContent")
    assert sent["headers"]["x-goog-api-key"] == "sk-mock-secret-123456"
    assert sent["body"]["systemInstruction"]["parts"][0]["text"] == "Be brief."
    assert sent["body"]["contents"][0]["role"] == "user"


def test_function_call_from_gemini(client, gemini_mock):
    reply = client.chat.completions.create(model="gemini/gemini-tool", messages=USER, tools=[WEATHER])
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.id and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    declaration = last_gemini_request(gemini_mock)["body"]["tools"][0]["functionDeclarations"][0]
    assert declaration["name"] == "get_weather"
    assert "additionalProperties" not in declaration["parameters"]


def test_streamed_function_call_from_gemini(client, gemini_mock):
    stream = client.chat.completions.create(model="gemini/gemini-tool", messages=USER, tools=[WEATHER], stream=True,
                                            stream_options={"include_usage": True})
    name, arguments, finish, usage = "", "", None, None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                name += call.function.name or ""
                arguments += call.function.arguments or ""
    assert name == "get_weather"
    assert json.loads(arguments) == {"city": "Paris"}
    assert finish == "tool_calls"
    assert usage is not None
    assert ":streamGenerateContent" in last_gemini_request(gemini_mock)["path"]


def test_tool_result_round_trip_to_gemini(client, gemini_mock):
    client.chat.completions.create(model="gemini/gemini-2.5-flash", tools=[WEATHER], messages=[
        *USER,
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_9", "content": '{"temperature": 18}'},
    ])
    contents = last_gemini_request(gemini_mock)["body"]["contents"]
    assert contents[1]["role"] == "model"
    assert contents[1]["parts"][0]["functionCall"] == {"name": "get_weather", "args": {"city": "Paris"}}
    assert contents[2]["role"] == "user"
    assert contents[2]["parts"][0]["functionResponse"]["name"] == "get_weather"
    assert contents[2]["parts"][0]["functionResponse"]["response"] == {"temperature": 18}


def test_gemini_rate_limit_retry_info(client):
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gemini/error-429", messages=USER)
    assert caught.value.response.headers["retry-after"] == "7"


def test_anthropic_sdk_to_gemini(gateway_url, api_key):
    import anthropic
    claude = anthropic.Anthropic(base_url=gateway_url, api_key=api_key, max_retries=0)
    tool = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
    with claude.messages.stream(model="gemini/gemini-tool", max_tokens=64, tools=[tool],
                                messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
        final = stream.get_final_message()
    [block] = [b for b in final.content if b.type == "tool_use"]
    assert block.name == "get_weather" and block.input == {"city": "Paris"}
    assert final.stop_reason == "tool_use"
