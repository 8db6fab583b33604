"""Gemini contents in REST shape, validated against google.genai.types.Content."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from google.genai import types as genai_types

from vocalis.llm import ChatContext, ChatRole, ImageContent


def assert_valid(contents: list[dict[str, Any]]) -> None:
    """google-genai models forbid unknown fields and accept the REST JSON spelling."""
    for content in contents:
        genai_types.Content.model_validate_json(json.dumps(content))


def _conversation() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "You are helpful.")
    ctx.add_message(
        ChatRole.USER, ["What is this?", ImageContent(image="data:image/png;base64,AAAA")]
    )
    ctx.add_message(ChatRole.ASSISTANT, "Checking.")
    ctx.add_function_call(
        "lookup", {"q": "cat"}, call_id="g1", metadata={"thought_signature": "c2lnLW1ldGE="}
    )
    ctx.add_function_call("lookup", {"q": "dog"}, call_id="g2")
    ctx.add_function_output("lookup", "a cat", "g1")
    ctx.add_function_output("lookup", "no dog", "g2", is_error=True)
    ctx.add_config_update(tools=["lookup"])
    ctx.add_message(ChatRole.ASSISTANT, "It is a cat.")
    ctx.add_message(ChatRole.USER, ["And this?", ImageContent(image="https://x/photo.webp")])
    return ctx


async def test_contents_and_system_instruction() -> None:
    contents, system = await _conversation().to_google_contents(
        thought_signatures={"g2": b"sig-bytes"}
    )
    assert_valid(contents)
    genai_types.Content.model_validate_json(json.dumps(system))
    assert system == {"parts": [{"text": "You are helpful."}]}
    assert contents == [
        {
            "role": "user",
            "parts": [
                {"text": "What is this?"},
                {"inline_data": {"mime_type": "image/png", "data": "AAAA"}},
            ],
        },
        {
            "role": "model",
            "parts": [
                {"text": "Checking."},
                {
                    "functionCall": {"id": "g1", "name": "lookup", "args": {"q": "cat"}},
                    "thoughtSignature": "c2lnLW1ldGE=",
                },
                {
                    "functionCall": {"id": "g2", "name": "lookup", "args": {"q": "dog"}},
                    "thoughtSignature": "c2lnLWJ5dGVz",
                },
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "id": "g1",
                        "name": "lookup",
                        "response": {"output": "a cat"},
                    }
                },
                {
                    "functionResponse": {
                        "id": "g2",
                        "name": "lookup",
                        "response": {"error": "no dog"},
                    }
                },
            ],
        },
        {"role": "model", "parts": [{"text": "It is a cat."}]},
        {
            "role": "user",
            "parts": [
                {"text": "And this?"},
                {"file_data": {"mime_type": "image/webp", "file_uri": "https://x/photo.webp"}},
            ],
        },
    ]


async def test_non_url_images_are_encoded_inline() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, [ImageContent(image=b"\xff\xd8jpeg-bytes")])
    contents, system = await ctx.to_google_contents()
    assert system is None
    assert_valid(contents)
    assert contents[0]["parts"][0] == {
        "inline_data": {"mime_type": "image/jpeg", "data": "/9hqcGVnLWJ5dGVz"}
    }


async def test_orphans_and_structural_items_are_left_out() -> None:
    ctx = ChatContext()
    ctx.add_handoff("x")
    ctx.add_function_output("f", "ghost", "none")
    ctx.add_function_call("f", {}, call_id="pending")
    ctx.add_message(ChatRole.USER, "hi")
    contents, _ = await ctx.to_google_contents()
    assert contents == [{"role": "user", "parts": [{"text": "hi"}]}]


async def test_validation_catches_unknown_keys() -> None:
    contents, _ = await _conversation().to_google_contents()
    contents[1]["parts"][1]["functionCall"]["unexpected"] = 1
    with pytest.raises(pydantic.ValidationError):
        assert_valid(contents)
