"""The OpenAI and Anthropic SDKs through the gateway to the Bedrock mock (Converse and
ConverseStream): SigV4 and bearer-key authentication, text, tool calls streamed and not, tool
results, JSON mode, usage, and errors. The mock checks every SigV4 signature and validates every
body as Bedrock does, so a wrong signature or field fails these tests with a 403/400."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
TOOL_MODEL = "anthropic.claude-tool-v1:0"
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
USER = [{"role": "user", "content": "Weather in Paris?"}]


def last_converse(bedrock_mock) -> dict:
    received = [r for r in bedrock_mock.requests() if "/converse" in r["path"]]
    assert received, "the Bedrock mock received nothing"
    return received[-1]


def test_text_with_sigv4(client, bedrock_mock):
    raw = client.chat.completions.with_raw_response.create(
        model=f"bedrock/{CLAUDE}", max_tokens=100, temperature=0.5, stop=["END"],
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}])
    reply = raw.parse()
    assert raw.headers["x-provider"] == "bedrock"
    assert reply.choices[0].message.content == "You said: hello"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.id.startswith("chatcmpl-")
    assert reply.model == CLAUDE  # Converse names no model: the one called is reported
    sent = last_converse(bedrock_mock)
    # The model id's colon is percent-encoded in the path, and the request is SigV4-signed.
    assert sent["path"] == "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    assert sent["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAMOCKBEDROCK0001/")
    assert "/us-east-1/bedrock/aws4_request" in sent["headers"]["authorization"]
    assert sent["body"]["system"] == [{"text": "Be brief."}]
    assert sent["body"]["messages"] == [{"role": "user", "content": [{"text": "hello"}]}]
    assert sent["body"]["inferenceConfig"] == {"maxTokens": 100, "temperature": 0.5, "stopSequences": ["END"]}


def test_text_with_api_key(client, bedrock_mock):
    reply = client.chat.completions.create(model=f"bedrock-key/{CLAUDE}", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "You said: hi"
    assert last_converse(bedrock_mock)["headers"]["authorization"] == "Bearer bedrock-api-key-mock-0123456789"


def test_streamed_text(client, bedrock_mock):
    stream = client.chat.completions.create(model=f"bedrock/{CLAUDE}", messages=[{"role": "user", "content": "stream me"}],
                                            stream=True, stream_options={"include_usage": True})
    text, finish, usage, roles = "", None, None, []
    for chunk in stream:
        assert chunk.model == CLAUDE
        usage = chunk.usage or usage
        for choice in chunk.choices:
            roles.append(choice.delta.role)
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text == "You said: stream me"
    assert roles[0] == "assistant"
    assert finish == "stop"
    assert usage is not None and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert last_converse(bedrock_mock)["path"].endswith("/converse-stream")


def test_tool_call(client, bedrock_mock):
    reply = client.chat.completions.create(model=f"bedrock/{TOOL_MODEL}", messages=USER, tools=[WEATHER], tool_choice="auto")
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me check."
    [call] = choice.message.tool_calls
    assert call.id == "tooluse_weather0001" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    tool_config = last_converse(bedrock_mock)["body"]["toolConfig"]
    assert tool_config["toolChoice"] == {"auto": {}}
    assert tool_config["tools"][0]["toolSpec"]["name"] == "get_weather"
    assert tool_config["tools"][0]["toolSpec"]["inputSchema"]["json"]["required"] == ["city"]


def test_streamed_tool_call(client, bedrock_mock):
    stream = client.chat.completions.create(model=f"bedrock/{TOOL_MODEL}", messages=USER, tools=[WEATHER], stream=True,
                                            stream_options={"include_usage": True})
    calls: dict[int, dict] = {}
    text, finish, usage = "", None, None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            text += choice.delta.content or ""
            for call in choice.delta.tool_calls or []:
                entry = calls.setdefault(call.index, {"id": None, "name": "", "arguments": ""})
                entry["id"] = call.id or entry["id"]
                entry["name"] += call.function.name or ""
                entry["arguments"] += call.function.arguments or ""
    assert text == "Let me check."
    assert list(calls) == [0]
    assert calls[0]["id"] == "tooluse_weather0001" and calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
    assert finish == "tool_calls"
    assert usage is not None


def test_tool_result_round_trip(client, bedrock_mock):
    reply = client.chat.completions.create(model=f"bedrock/{CLAUDE}", tools=[WEATHER], messages=[
        *USER,
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_9", "content": "18 degrees"},
    ])
    assert reply.choices[0].message.content == "The tool said: 18 degrees"
    messages = last_converse(bedrock_mock)["body"]["messages"]
    assert messages[1] == {"role": "assistant", "content": [{"toolUse": {"toolUseId": "call_9", "name": "get_weather", "input": {"city": "Paris"}}}]}
    assert messages[2] == {"role": "user", "content": [{"toolResult": {"toolUseId": "call_9", "content": [{"text": "18 degrees"}]}}]}


def test_json_mode_is_a_forced_tool(client, bedrock_mock):
    reply = client.chat.completions.create(model=f"bedrock/{CLAUDE}", messages=[{"role": "user", "content": "answer in JSON"}],
                                           response_format={"type": "json_object"})
    assert json.loads(reply.choices[0].message.content) == {"answer": 42}
    assert reply.choices[0].finish_reason == "stop"
    assert last_converse(bedrock_mock)["body"]["toolConfig"]["toolChoice"] == {"tool": {"name": "gatewyse_json_response"}}


def test_throttling_is_a_rate_limit(client):
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="bedrock/throttle-model", messages=[{"role": "user", "content": "hi"}])
    assert "ThrottlingException" in raised.value.message


def test_mid_stream_exception_is_reported(client):
    stream = client.chat.completions.create(model="bedrock/midstream-model", messages=[{"role": "user", "content": "hi"}], stream=True)
    with pytest.raises(openai.APIError) as raised:
        for _ in stream:
            pass
    assert "modelStreamErrorException" in str(raised.value)


def test_anthropic_sdk_to_bedrock_streamed_tool_use(gateway, bedrock_mock):
    client = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.api_key, max_retries=0, timeout=15)
    tool = {"name": "get_weather", "description": "Current weather.", "input_schema": WEATHER["function"]["parameters"]}
    with client.messages.stream(model=f"bedrock/{TOOL_MODEL}", max_tokens=200, tools=[tool],
                                messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    tool_use = [block for block in final.content if block.type == "tool_use"]
    assert tool_use and tool_use[0].name == "get_weather" and tool_use[0].input == {"city": "Paris"}
    assert final.usage.output_tokens > 0
    assert last_converse(bedrock_mock)["body"]["inferenceConfig"]["maxTokens"] == 200
