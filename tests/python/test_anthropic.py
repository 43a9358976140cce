"""The official `anthropic` SDK against the gateway's `/v1/messages`, routed to the
OpenAI-compatible mock: text, streaming, tool use (streamed too), tool results, errors."""

from __future__ import annotations

import json

import anthropic
import pytest

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture(scope="session")
def claude(gateway_url, api_key) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway_url, api_key=api_key, max_retries=0)


def test_text_message(claude, mock):
    message = claude.messages.create(
        model="mock/mock-chat", max_tokens=64, system="Be brief.",
        messages=[{"role": "user", "content": "hello there"}])
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.content[0].type == "text"
    assert message.content[0].text == "You said: hello there"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 10
    assert message.usage.output_tokens == 5
    sent = mock.last_chat()["body"]
    assert sent["model"] == "mock-chat"
    assert sent["max_tokens"] == 64
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}


def test_raw_response_headers(claude):
    raw = claude.messages.with_raw_response.create(
        model="fast-chat", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["x-request-id"]
    assert raw.parse().content[0].text == "You said: hi"


def test_streaming_text(claude):
    with claude.messages.stream(model="mock/mock-chat", max_tokens=64,
                                messages=[{"role": "user", "content": "stream this please"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "You said: stream this please"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 5


def test_tool_use(claude):
    message = claude.messages.create(
        model="mock/mock-tool", max_tokens=64, tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "Weather in Paris?"}])
    assert message.stop_reason == "tool_use"
    [block] = [b for b in message.content if b.type == "tool_use"]
    assert block.name == "get_weather"
    assert block.input == {"city": "Paris"}
    assert block.id


def test_streamed_tool_use(claude):
    events = []
    with claude.messages.stream(model="mock/mock-tool", max_tokens=64, tools=[WEATHER_TOOL],
                                messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
        for event in stream:
            events.append(event.type)
        final = stream.get_final_message()
    assert events[0] == "message_start"
    assert "content_block_start" in events and "content_block_stop" in events
    assert events[-1] == "message_stop"
    [block] = [b for b in final.content if b.type == "tool_use"]
    assert block.input == {"city": "Paris"}
    assert final.stop_reason == "tool_use"


def test_tool_result_round_trip(claude, mock):
    message = claude.messages.create(
        model="mock/mock-chat", max_tokens=64, tools=[WEATHER_TOOL],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "18°C and sunny"},
                {"type": "text", "text": "And tomorrow?"}]},
        ])
    assert message.content[0].text == "You said: And tomorrow?"
    sent = mock.last_chat()["body"]["messages"]
    assert sent[1]["role"] == "assistant"
    assert sent[1]["tool_calls"][0]["id"] == "toolu_01"
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == '{"city":"Paris"}'
    assert sent[2] == {"role": "tool", "content": "18°C and sunny", "tool_call_id": "toolu_01"}
    assert sent[3] == {"role": "user", "content": "And tomorrow?"}
    tools = mock.last_chat()["body"]["tools"]
    assert tools[0]["function"]["name"] == "get_weather"
    assert tools[0]["function"]["parameters"]["required"] == ["city"]


def test_image_block(claude, mock):
    claude.messages.create(
        model="mock/mock-chat", max_tokens=16,
        messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
            {"type": "text", "text": "What is this?"}]}])
    part = mock.last_chat()["body"]["messages"][0]["content"][0]
    assert part == {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}


def test_bad_key_is_authentication_error(gateway_url):
    bad = anthropic.Anthropic(base_url=gateway_url, api_key="aigw_sk_" + "0" * 48, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        bad.messages.create(model="mock/mock-chat", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    body = caught.value.response.json()
    assert body == {"type": "error", "error": {"type": "authentication_error", "message": "Invalid API key."}}


def test_unknown_model_is_not_found(claude):
    with pytest.raises(anthropic.NotFoundError) as caught:
        claude.messages.create(model="nope/nothing", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert caught.value.response.json()["error"]["type"] == "not_found_error"


def test_upstream_rate_limit(claude):
    with pytest.raises(anthropic.RateLimitError) as caught:
        claude.messages.create(model="mock/error-429", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.response.json()["type"] == "error"


def test_missing_max_tokens(http, gateway_url, api_key):
    response = http.post(f"{gateway_url}/v1/messages", headers={"x-api-key": api_key},
                         json={"model": "mock/mock-chat", "messages": [{"role": "user", "content": "x"}]}, timeout=10)
    assert response.status_code == 400
    assert response.json() == {"type": "error", "error": {
        "type": "invalid_request_error", "message": "Missing required field 'max_tokens'."}}


def test_count_tokens(claude):
    count = claude.messages.count_tokens(model="mock/mock-chat", messages=[{"role": "user", "content": "hello world"}])
    assert count.input_tokens > 0


def test_stream_error_after_content_in_the_same_read(claude):
    """Text and the upstream's in-band error arrive in one read: the Anthropic client gets every
    text delta, then an `error` event (the translating path, `ChatStream.next()`)."""
    text = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        with claude.messages.stream(model="mock/error-stream", max_tokens=64,
                                    messages=[{"role": "user", "content": "x"}]) as stream:
            for piece in stream.text_stream:
                text.append(piece)
    assert "".join(text) == "Waves fold into foam"
    assert caught.value.body["error"]["type"] == "api_error"
    assert "failed mid-stream" in caught.value.body["error"]["message"]


def test_document_and_tool_error_to_an_openai_upstream(claude, mock):
    """Routed to an OpenAI-format upstream, a PDF document is OpenAI's `file` part and a text
    document plain text; Anthropic-only fields (`cache_control`, `is_error`) are not sent."""
    pdf = "JVBERi0xLjQK"
    claude.messages.create(
        model="mock/mock-chat", max_tokens=16, tools=[WEATHER_TOOL],
        system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        messages=[
            {"role": "user", "content": [
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf}},
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Clause 1."},
                 "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "Weather?"}]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Atlantis"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "is_error": True, "content": "unknown city"}]},
        ])
    sent = mock.last_chat()["body"]
    assert "cache_control" not in json.dumps(sent)
    assert "is_error" not in json.dumps(sent)
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["messages"][1]["content"] == [
        {"type": "file", "file": {"filename": "document.pdf", "file_data": f"data:application/pdf;base64,{pdf}"}},
        {"type": "text", "text": "Clause 1."},
        {"type": "text", "text": "Weather?"}]
    assert sent["messages"][3] == {"role": "tool", "content": "unknown city", "tool_call_id": "toolu_01"}


def test_unsupported_document_source_is_refused(claude):
    with pytest.raises(anthropic.BadRequestError) as caught:
        claude.messages.create(model="mock/mock-chat", max_tokens=16, messages=[{"role": "user", "content": [
            {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}}]}])
    error = caught.value.response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "messages[0].content[0].source.type" in error["message"]
