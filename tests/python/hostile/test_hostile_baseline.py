"""The harness itself: a well-behaved request through the hostile upstream gets a normal answer, and
the health probe sees no stall. If these fail, every other result in the suite is suspect."""

import json

from .checks import assert_survived, stall
from .rawclient import RawClient, chat_body, request_bytes


def test_well_behaved_upstream_answers_a_chat(gw, probe, upstream):
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", "/v1/chat/completions", chat_body("hostile/ok"), key=gw.api_key))
        response = client.read_response(5)
    assert response.status == 200, response
    assert response.json()["choices"][0]["message"]["content"] == "hello from the hostile upstream"
    report = stall(probe)
    assert_survived(gw, report)


def test_well_behaved_upstream_streams_a_chat(gw, probe, upstream):
    with RawClient(gw.port) as client:
        client.send(request_bytes("POST", "/v1/chat/completions", chat_body("hostile/ok", stream=True), key=gw.api_key))
        response = client.read_response(5)
    assert response.status == 200, response
    events = [line[6:] for line in response.body.decode().split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]", events
    text = "".join((json.loads(e)["choices"][0]["delta"].get("content") or "") for e in events[:-1] if json.loads(e).get("choices"))
    assert text == "hello world"
    report = stall(probe)
    assert_survived(gw, report)
