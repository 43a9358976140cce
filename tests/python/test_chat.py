"""The official OpenAI SDK against the running gateway: non-streamed chat, tools, vision, JSON
modes, parameter pass-through, legacy completions and the model list."""

from __future__ import annotations

import json

from conftest import MOCK_KEY

# A 1x1 transparent PNG.
PIXEL_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
             "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_plain_chat(client, mock):
    raw = client.chat.completions.with_raw_response.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "Hello there"}])
    completion = raw.parse()

    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "You said: Hello there"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.prompt_tokens == 10
    assert completion.usage.completion_tokens == 5
    assert completion.usage.total_tokens == 15
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["x-request-id"]
    assert raw.headers["x-gatewyse-attempts"] == "1"

    upstream = mock.last_chat()
    assert upstream["method"] == "POST"
    assert upstream["path"] == "/v1/chat/completions"
    assert upstream["headers"]["authorization"] == f"Bearer {MOCK_KEY}"
    assert upstream["body"]["model"] == "mock-chat"
    assert upstream["body"]["messages"] == [{"role": "user", "content": "Hello there"}]


def test_alias_fails_over_to_mock(client, mock):
    raw = client.chat.completions.with_raw_response.create(
        model="fast-chat", messages=[{"role": "user", "content": "via the alias"}])
    completion = raw.parse()

    assert completion.choices[0].message.content == "You said: via the alias"
    assert raw.headers["x-provider"] == "mock"
    assert raw.headers["x-gatewyse-attempts"] == "2"
    assert mock.last_chat()["body"]["model"] == "mock-chat"


def test_system_and_multi_turn_echo_last_user_message(client):
    completion = client.chat.completions.create(model="mock/mock-chat", messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "You said: first"},
        {"role": "user", "content": "second"},
    ])
    assert completion.choices[0].message.content == "You said: second"


def test_tool_call(client, mock):
    completion = client.chat.completions.create(
        model="mock/mock-tool", messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER_TOOL], tool_choice="auto")

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert len(choice.message.tool_calls) == 1
    call = choice.message.tool_calls[0]
    assert call.id == "call_mock_1"
    assert call.type == "function"
    assert call.function.name == "lookup_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}

    body = mock.last_chat()["body"]
    assert body["tools"] == [WEATHER_TOOL]
    assert body["tool_choice"] == "auto"


def test_tool_result_round_trip(client, mock):
    """The assistant's tool call and the tool's answer go back upstream as sent."""
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_mock_1", "type": "function",
            "function": {"name": "lookup_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_mock_1", "content": "{\"temp_c\": 21}"},
        {"role": "user", "content": "thanks"},
    ]
    completion = client.chat.completions.create(model="mock/mock-chat", messages=messages, tools=[WEATHER_TOOL])
    assert completion.choices[0].message.content == "You said: thanks"

    sent = mock.last_chat()["body"]["messages"]
    assert sent[1]["tool_calls"] == messages[1]["tool_calls"]
    assert sent[2] == messages[2]


def test_vision_input(client, mock):
    parts = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": PIXEL_PNG}},
    ]
    completion = client.chat.completions.create(model="mock/mock-chat", messages=[{"role": "user", "content": parts}])

    assert completion.choices[0].message.content == "I see 1 image(s)"
    assert mock.last_chat()["body"]["messages"][-1]["content"] == parts


def test_vision_detail_is_kept(client, mock):
    parts = [{"type": "image_url", "image_url": {"url": PIXEL_PNG, "detail": "low"}},
             {"type": "image_url", "image_url": {"url": PIXEL_PNG, "detail": "high"}}]
    completion = client.chat.completions.create(model="mock/mock-chat", messages=[{"role": "user", "content": parts}])

    assert completion.choices[0].message.content == "I see 2 image(s)"
    assert mock.last_chat()["body"]["messages"][-1]["content"] == parts


def test_json_mode(client, mock):
    completion = client.chat.completions.create(
        model="mock/mock-json", messages=[{"role": "user", "content": "answer in JSON"}],
        response_format={"type": "json_object"})

    assert json.loads(completion.choices[0].message.content) == {"answer": 42}
    assert mock.last_chat()["body"]["response_format"] == {"type": "json_object"}


def test_json_schema_response_format_is_forwarded(client, mock):
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"answer": {"type": "integer"}},
                "required": ["answer"],
                "additionalProperties": False,
            },
        },
    }
    completion = client.chat.completions.create(
        model="mock/mock-json", messages=[{"role": "user", "content": "answer"}], response_format=response_format)

    assert json.loads(completion.choices[0].message.content) == {"answer": 42}
    assert mock.last_chat()["body"]["response_format"] == response_format


def test_parameters_pass_through_and_model_is_rewritten(client, mock):
    client.chat.completions.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "params"}],
        seed=1234, stop=["END", "STOP"], n=1, logprobs=True, top_logprobs=2, temperature=0.5,
        max_tokens=64, user="user-42", extra_body={"top_k": 5, "vendor_flag": {"nested": [1, 2]}})

    body = mock.last_chat()["body"]
    assert body["model"] == "mock-chat"
    assert body["seed"] == 1234
    assert body["stop"] == ["END", "STOP"]
    assert body["n"] == 1
    assert body["logprobs"] is True
    assert body["top_logprobs"] == 2
    assert body["temperature"] == 0.5
    assert body["max_tokens"] == 64
    assert body["user"] == "user-42"
    assert body["top_k"] == 5
    assert body["vendor_flag"] == {"nested": [1, 2]}


def test_legacy_completions(client, mock):
    raw = client.completions.with_raw_response.create(model="mock/mock-chat", prompt="hi")
    completion = raw.parse()

    assert completion.object == "text_completion"
    assert completion.choices[0].text == "You said: hi"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == 15
    assert raw.headers["x-provider"] == "mock"

    body = mock.last_chat()["body"]
    assert body["model"] == "mock-chat"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert "prompt" not in body


def test_legacy_completions_stream(client):
    text = "".join(chunk.choices[0].text for chunk in
                   client.completions.create(model="mock/mock-chat", prompt="stream me", stream=True)
                   if chunk.choices)
    assert text == "You said: stream me"


def test_models_list(client):
    ids = [model.id for model in client.models.list()]
    assert "fast-chat" in ids
    assert "mock/mock-chat" in ids
    assert len(ids) == len(set(ids))


def test_request_id_is_echoed(client):
    raw = client.chat.completions.with_raw_response.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "id"}],
        extra_headers={"X-Request-ID": "my-req-1"})
    assert raw.headers["x-request-id"] == "my-req-1"


def test_request_id_is_minted_when_absent_or_unsafe(client):
    first = client.chat.completions.with_raw_response.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "id"}])
    unsafe = client.chat.completions.with_raw_response.create(
        model="mock/mock-chat", messages=[{"role": "user", "content": "id"}],
        extra_headers={"X-Request-ID": "has spaces in it"})
    assert first.headers["x-request-id"]
    assert unsafe.headers["x-request-id"] not in ("", "has spaces in it")
    assert first.headers["x-request-id"] != unsafe.headers["x-request-id"]
