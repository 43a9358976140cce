"""Both official SDKs against the gateway, routed to the Anthropic mock upstream (provider
`claude`, type `anthropic`): the gateway translates OpenAI ⇄ Anthropic Messages both ways, and
passes Anthropic through to Anthropic, streamed tool use included."""

from __future__ import annotations

import base64
import json

import anthropic
import openai
import pytest

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
USER = [{"role": "user", "content": "Weather in Paris?"}]


def last_messages_request(anthropic_mock) -> dict:
    received = [r for r in anthropic_mock.requests() if r["path"] == "/v1/messages"]
    assert received, "the Anthropic mock received nothing"
    return received[-1]


def test_openai_sdk_text_to_anthropic(client, anthropic_mock):
    raw = client.chat.completions.with_raw_response.create(
        model="claude/claude-sonnet-4", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}])
    reply = raw.parse()
    assert raw.headers["x-provider"] == "claude"
    assert reply.choices[0].message.content == "You said: hello"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    sent = last_messages_request(anthropic_mock)
    assert sent["headers"]["x-api-key"] == "sk-mock-secret-123456"
    assert sent["headers"]["anthropic-version"] == "2023-06-01"
    assert sent["body"]["system"] == "Be brief."
    assert sent["body"]["max_tokens"] > 0
    assert sent["body"]["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hello"}]}] \
        or sent["body"]["messages"] == [{"role": "user", "content": "hello"}]


def test_openai_sdk_tool_call_to_anthropic(client):
    reply = client.chat.completions.create(model="claude/claude-tool", messages=USER, tools=[WEATHER])
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


def test_openai_sdk_streamed_tool_call_to_anthropic(client):
    stream = client.chat.completions.create(model="claude/claude-tool", messages=USER, tools=[WEATHER], stream=True,
                                            stream_options={"include_usage": True})
    calls: dict[int, dict] = {}
    finish = None
    usage = None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for delta in choice.delta.tool_calls or []:
                entry = calls.setdefault(delta.index, {"name": "", "arguments": "", "id": None})
                entry["id"] = entry["id"] or delta.id
                entry["name"] += delta.function.name or "" if delta.function else ""
                entry["arguments"] += (delta.function.arguments or "") if delta.function else ""
    assert finish == "tool_calls"
    assert list(calls) == [0]
    assert calls[0]["id"] and calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
    assert usage is not None and usage.completion_tokens > 0


def test_openai_sdk_tool_result_round_trip_to_anthropic(client, anthropic_mock):
    client.chat.completions.create(model="claude/claude-sonnet-4", tools=[WEATHER], messages=[
        *USER,
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18°C"},
    ])
    messages = last_messages_request(anthropic_mock)["body"]["messages"]
    assert messages[1]["role"] == "assistant"
    tool_use = [b for b in messages[1]["content"] if b["type"] == "tool_use"][0]
    assert tool_use["input"] == {"city": "Paris"}
    assert messages[2]["role"] == "user"
    assert messages[2]["content"][0]["type"] == "tool_result"
    assert messages[2]["content"][0]["tool_use_id"] == tool_use["id"]


def test_openai_sdk_anthropic_rate_limit(client):
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="claude/error-429", messages=USER)
    assert caught.value.response.headers["retry-after"] == "7"


@pytest.fixture(scope="session")
def claude_sdk(gateway_url, api_key) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway_url, api_key=api_key, max_retries=0)


def test_anthropic_sdk_to_anthropic_upstream(claude_sdk):
    message = claude_sdk.messages.create(model="claude/claude-sonnet-4", max_tokens=64,
                                         messages=[{"role": "user", "content": "hello there"}])
    assert message.content[0].text == "You said: hello there"
    assert message.stop_reason == "end_turn"


def test_anthropic_sdk_streamed_tool_use_to_anthropic_upstream(claude_sdk):
    tool = {"name": "get_weather", "input_schema": WEATHER["function"]["parameters"]}
    with claude_sdk.messages.stream(model="claude/claude-tool", max_tokens=64, tools=[tool],
                                    messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
        final = stream.get_final_message()
    [block] = [b for b in final.content if b.type == "tool_use"]
    assert block.name == "get_weather"
    assert block.input == {"city": "Paris"}
    assert final.stop_reason == "tool_use"


PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").decode()
EPHEMERAL = {"type": "ephemeral"}


def test_anthropic_sdk_document_cache_control_and_is_error_reach_anthropic(claude_sdk, anthropic_mock):
    """What an Anthropic client sends beyond the OpenAI model — a PDF document, prompt-caching
    markers on system, tools and blocks, an erroring tool result — arrives at the Anthropic
    upstream where the client put it (and the validating mock accepts it)."""
    tool = {"name": "get_weather", "input_schema": WEATHER["function"]["parameters"],
            "cache_control": EPHEMERAL}
    message = claude_sdk.messages.create(
        model="claude/claude-sonnet-4", max_tokens=64, tools=[tool],
        system=[{"type": "text", "text": "You read contracts."},
                {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        messages=[
            {"role": "user", "content": [
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
                 "cache_control": EPHEMERAL},
                {"type": "text", "text": "Weather where the contract was signed?"}]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Atlantis"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "is_error": True, "content": "unknown city",
                 "cache_control": EPHEMERAL}]},
        ])
    assert message.content[0].type == "text"
    sent = last_messages_request(anthropic_mock)["body"]
    assert sent["system"] == [{"type": "text", "text": "You read contracts."},
                              {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    assert sent["tools"][0]["cache_control"] == EPHEMERAL
    assert sent["messages"][0]["content"][0] == {
        "type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
        "cache_control": EPHEMERAL}
    assert sent["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_01", "content": "unknown city", "is_error": True,
         "cache_control": EPHEMERAL}]


def test_openai_sdk_cache_control_reaches_anthropic(client, anthropic_mock):
    """LiteLLM's convention: `cache_control` on an OpenAI content part or tool lands on the
    matching Anthropic block; a PDF `file` part becomes a document block."""
    marked_tool = dict(WEATHER, cache_control=EPHEMERAL)
    client.chat.completions.create(model="claude/claude-sonnet-4", tools=[marked_tool], messages=[
        {"role": "system", "content": [{"type": "text", "text": "You read contracts.", "cache_control": EPHEMERAL}]},
        {"role": "user", "content": [
            {"type": "file", "file": {"filename": "c.pdf", "file_data": f"data:application/pdf;base64,{PDF}"},
             "cache_control": EPHEMERAL},
            {"type": "text", "text": "Summarize."}]},
    ])
    sent = last_messages_request(anthropic_mock)["body"]
    assert sent["system"] == [{"type": "text", "text": "You read contracts.", "cache_control": EPHEMERAL}]
    assert sent["tools"][0]["cache_control"] == EPHEMERAL
    assert sent["messages"][0]["content"] == [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
         "cache_control": EPHEMERAL},
        {"type": "text", "text": "Summarize."}]
