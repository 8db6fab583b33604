"""ChatContext.to_dict / from_dict: a lossless round trip of every item type."""

from __future__ import annotations

import json

import pytest

from vocalis.llm import ChatContext, ChatRole, ImageContent


def _every_item_type() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "sys", created_at=1.0)
    message = ctx.add_message(
        ChatRole.USER,
        [
            "look at this",
            ImageContent(image="https://example.com/a.png", inference_detail="low"),
            ImageContent(image="data:image/png;base64,iVBORw0KGgo=", mime_type="image/png"),
        ],
        agent_id="main",
    )
    message.interrupted = True
    message.extra = {"summary": False, "lang": "en"}
    message.confidence = 0.87
    message.metrics = {"stt_ms": 120}
    message.audio_instructions = "speak slowly"
    message.text_instructions = "write tersely"
    ctx.add_function_call("lookup", {"q": 1}, call_id="c1", metadata={"thought_signature": "sig"})
    ctx.add_function_output("lookup", "found", "c1", is_error=True)
    ctx.add_handoff("billing", from_agent="main", reason="refund")
    ctx.add_config_update(instructions="Be brief.", tools=["refund"], agent_id="billing")
    return ctx


def test_round_trip_is_lossless_and_json_safe() -> None:
    ctx = _every_item_type()
    data = ctx.to_dict()
    restored = ChatContext.from_dict(json.loads(json.dumps(data)))
    assert [item.model_dump() for item in restored.items] == [
        item.model_dump() for item in ctx.items
    ]
    assert restored.to_dict() == data


def test_image_parts_come_back_as_image_content() -> None:
    restored = ChatContext.from_dict(_every_item_type().to_dict())
    parts = restored.items[1].content
    assert parts[0] == "look at this"
    assert isinstance(parts[1], ImageContent)
    assert (parts[1].image, parts[1].inference_detail) == ("https://example.com/a.png", "low")
    assert parts[2].mime_type == "image/png"


def test_serialized_fields_follow_the_reference() -> None:
    items = _every_item_type().to_dict()["items"]
    assert items[0]["role"] == "system" and items[0]["content"] == ["sys"]
    assert {"type", "id", "created_at", "agent_id"} <= set(items[2])
    assert items[2]["type"] == "function_call" and items[2]["metadata"] == {
        "thought_signature": "sig"
    }
    assert items[4] | {"id": None, "created_at": None} == {
        "type": "agent_handoff",
        "id": None,
        "created_at": None,
        "agent_id": None,
        "from_agent": "main",
        "to_agent": "billing",
        "reason": "refund",
    }


def test_video_frames_are_written_as_data_urls() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, [ImageContent(image=b"\xff\xd8raw-jpeg")])
    restored = ChatContext.from_dict(ctx.to_dict())
    image = restored.items[0].content[0]
    assert image.image.startswith("data:image/jpeg;base64,")


def test_unknown_types_are_skipped_and_created_at_kept() -> None:
    data = {
        "items": [
            {"type": "future_thing", "id": "x"},
            {"type": "message", "role": "user", "content": "plain string", "created_at": 42.0},
        ]
    }
    (message,) = ChatContext.from_dict(data).items
    assert message.content == ["plain string"] and message.created_at == 42.0


@pytest.mark.parametrize(
    "data",
    [
        {"items": [{"type": "message", "role": "robot", "content": []}]},
        {"items": [{"type": "function_call", "name": "f"}]},
        {"items": ["not a dict"]},
        {"items": [{"type": "message", "role": "user", "content": [{"type": "audio"}]}]},
        {"items": "nope"},
        [],
    ],
)
def test_malformed_input_raises_value_error(data: object) -> None:
    with pytest.raises(ValueError):
        ChatContext.from_dict(data)  # type: ignore[arg-type]
