"""The OpenAI SDK through the gateway to an Azure OpenAI deployment (the OpenAI mock serving
Azure's deployment URLs): URL form, api-key header, tool calls streamed and not."""

from __future__ import annotations

import json

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
