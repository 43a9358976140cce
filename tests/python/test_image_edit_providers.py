"""Image edits on Gemini image models and Stability AI's inpainting through the gateway with the
official `openai` SDK, against the validating mocks: failover from a failing provider to each,
the picture sent as the bytes' own media type, and the requests each cannot honour (a mask on
either, `n` > 1, `url`) routed to a provider that can, or refused with a 400 naming why."""

from __future__ import annotations

import base64

import openai
import pytest

from test_media import PNG, requests_to

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def generate_content_calls(recorder) -> list[dict]:
    return [r for r in recorder.requests() if r["path"].split("?")[0].endswith(":generateContent")]


def test_edit_fails_over_to_gemini_with_the_picture_inline(client, mock, gemini_mock):
    result = client.images.with_raw_response.edit(model="image-edit-to-gemini", image=("photo.bin", PNG, "application/octet-stream"),
                                                   prompt="put a hat on it", size="1536x1024")
    assert result.headers["x-provider"] == "gemini"
    assert int(result.headers["x-gatewyse-attempts"]) >= 2
    assert base64.b64decode(result.parse().data[0].b64_json).startswith(PNG_SIGNATURE)
    assert {r["body"]["model"] for r in requests_to(mock, "/images/edits")} == {"error-500"}
    sent = generate_content_calls(gemini_mock)
    assert len(sent) == 1 and sent[0]["path"] == "/v1beta/models/gemini-2.5-flash-image:generateContent"
    parts = sent[0]["body"]["contents"][0]["parts"]
    assert parts[0] == {"text": "put a hat on it"}
    # The media type comes from the bytes, not from the name or type the client gave the file.
    assert parts[1]["inlineData"]["mimeType"] == "image/png"
    assert base64.b64decode(parts[1]["inlineData"]["data"]) == PNG
    assert sent[0]["body"]["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "3:2"}}


def test_edit_fails_over_to_stability_inpainting(client, mock, stability_mock):
    result = client.images.with_raw_response.edit(model="image-edit-to-stability", image=("in.png", PNG, "image/png"),
                                                   prompt="a red door", extra_body={"grow_mask": "8"})
    assert result.headers["x-provider"] == "stability"
    assert base64.b64decode(result.parse().data[0].b64_json).startswith(PNG_SIGNATURE)
    sent = stability_mock.requests()
    assert len(sent) == 1 and sent[0]["path"] == "/v2beta/stable-image/edit/inpaint"
    assert sent[0]["headers"]["accept"] == "application/json"
    assert sent[0]["body"] == {"prompt": "a red door", "output_format": "png", "grow_mask": "8",
                               "image": {"filename": "in.png", "bytes": len(PNG), "content_type": "image/png"}}


def test_a_mask_skips_gemini_and_stability(client, gemini_mock, stability_mock, mock):
    result = client.images.with_raw_response.edit(model="image-edit-gemini-first", image=("in.png", PNG, "image/png"),
                                                   mask=("mask.png", PNG, "image/png"), prompt="add a hat")
    assert result.headers["x-provider"] == "azure"
    assert generate_content_calls(gemini_mock) == [] and stability_mock.requests() == []
    assert requests_to(mock, "/images/edits")[-1]["body"]["mask"]["filename"] == "mask.png"


def test_several_images_skip_gemini_to_stability_then_azure(client, gemini_mock, stability_mock, mock):
    result = client.images.with_raw_response.edit(model="image-edit-gemini-first", image=("in.png", PNG, "image/png"),
                                                   prompt="two hats", n=2)
    assert result.headers["x-provider"] == "azure"
    assert generate_content_calls(gemini_mock) == [] and stability_mock.requests() == []


def test_url_edits_on_gemini_alone_are_a_400_naming_response_format(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(model="gemini/gemini-2.5-flash-image", image=("in.png", PNG, "image/png"), prompt="x", response_format="url")
    assert "response_format 'url'" in caught.value.message
    assert gemini_mock.requests() == []


def test_imagen_does_not_edit(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(model="gemini/imagen-4.0-generate-001", image=("in.png", PNG, "image/png"), prompt="x")
    assert "Gemini image models only" in caught.value.message
    assert gemini_mock.requests() == []


def test_a_picture_that_is_not_one_is_a_400_naming_image(client, gemini_mock):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(model="gemini/gemini-2.5-flash-image", image=("in.png", b"not a picture at all", "image/png"), prompt="x")
    assert caught.value.body["param"] == "image"
    assert gemini_mock.requests() == []
