"""The OpenAI SDK through the gateway to an Azure OpenAI deployment (the OpenAI mock serving
Azure's deployment URLs): URL form, api-key header, tool calls streamed and not."""

from __future__ import annotations

import json

import openai
import pytest

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def test_azure_deployment_url_and_key(client, mock):
    reply = client.chat.completions.create(model="azure/mock-chat", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "You said: hi"
    sent = mock.last_chat()
    assert sent["path"] == "/openai/deployments/mock-chat/chat/completions?api-version=2024-10-21"
    assert sent["headers"]["api-key"] == "sk-mock-secret-123456"
    assert "authorization" not in sent["headers"]


def test_azure_streamed_tool_call(client):
    stream = client.chat.completions.create(model="azure/mock-tool", tools=[WEATHER], stream=True,
                                            messages=[{"role": "user", "content": "Weather?"}])
    arguments, name, finish = "", "", None
    for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                name += call.function.name or ""
                arguments += call.function.arguments or ""
    assert name == "get_weather"
    assert json.loads(arguments) == {"city": "Paris"}
    assert finish == "tool_calls"


def test_azure_tool_call_with_usage(client):
    reply = client.chat.completions.create(model="azure/mock-tool", tools=[WEATHER], messages=[{"role": "user", "content": "Weather?"}])
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens > 0


def test_azure_streamed_usage(client, mock):
    stream = client.chat.completions.create(model="azure/mock-chat", stream=True, stream_options={"include_usage": True},
                                            messages=[{"role": "user", "content": "count me"}])
    text, usage = "", None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
    assert text == "You said: count me"
    assert usage is not None and usage.total_tokens > 0
    assert mock.last_chat()["body"]["stream_options"] == {"include_usage": True}


def test_azure_throttling_keeps_its_retry_hint(client):
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="azure/azure-error-429", messages=[{"role": "user", "content": "hi"}])
    # retry-after-ms (5000) is Azure's precise hint; the client gets it in whole seconds.
    assert raised.value.response.headers["retry-after"] == "5"
    assert raised.value.response.headers["x-provider"] == "azure"
