"""The data channel protocol: session events out as JSON, typed text in, bad input answered."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from vocalis.transports.webrtc import NOTICE_EVENT, EventChannel
from vocalis.utils.events import EventEmitter


class FakeChannel(EventEmitter[str]):
    def __init__(self, state: str = "connecting") -> None:
        super().__init__()
        self.readyState = state
        self.sent: list[dict[str, Any]] = []

    def send(self, data: str) -> None:
        self.sent.append(json.loads(data))

    def open(self) -> None:
        self.readyState = "open"
        self.emit("open")

    def receive(self, data: str) -> None:
        self.emit("message", data)


class FakeSession:
    agent_state = None

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send_text(self, text: str) -> None:
        self.texts.append(text)


def _bridge(state: str = "open") -> tuple[EventChannel, FakeChannel, FakeSession]:
    events = EventChannel()
    channel = FakeChannel(state)
    events.bind(channel)
    session = FakeSession()
    events.set_session(session)
    return events, channel, session


async def test_session_events_become_page_messages() -> None:
    events, channel, _ = _bridge()
    events.forward("user_transcript", {"text": "what time", "is_final": False})
    events.forward("user_transcript", {"text": "What time is it?", "is_final": True})
    events.forward("agent_state_changed", {"state": "thinking"})
    events.forward("agent_text", {"text": "It is noon."})
    events.forward("interrupted", {})
    events.forward("error", {"source": "llm", "error": RuntimeError("timeout")})
    events.forward(
        NOTICE_EVENT, {"level": "warning", "code": "no_llm", "message": "m", "setting": "s"}
    )
    assert channel.sent == [
        {"type": "ready"},
        {"type": "user_transcript", "text": "what time", "is_final": False},
        {"type": "user_transcript", "text": "What time is it?", "is_final": True},
        {"type": "agent_state", "state": "thinking"},
        {"type": "agent_text", "text": "It is noon."},
        {"type": "interrupted"},
        {"type": "error", "source": "llm", "message": "RuntimeError: timeout"},
        {"type": "notice", "level": "warning", "code": "no_llm", "message": "m", "setting": "s"},
    ]
    await events.aclose()


async def test_messages_wait_for_the_channel_to_open() -> None:
    events, channel, _ = _bridge(state="connecting")
    events.forward("agent_text", {"text": "Hello."})
    assert channel.sent == []
    channel.open()
    assert channel.sent == [{"type": "ready"}, {"type": "agent_text", "text": "Hello."}]
    await events.aclose()


async def test_typed_text_goes_to_the_session() -> None:
    events, channel, session = _bridge()
    channel.receive(json.dumps({"type": "text", "text": "  What is two plus two?  "}))
    await asyncio.sleep(0)
    assert session.texts == ["What is two plus two?"]
    await events.aclose()


async def test_bad_messages_get_an_error_and_the_bridge_goes_on() -> None:
    events, channel, session = _bridge()
    for bad in (
        "not json",
        json.dumps({"type": "dance"}),
        json.dumps({"type": "text", "text": " "}),
    ):
        channel.receive(bad)
    channel.receive(json.dumps({"type": "text", "text": "x" * 5000}))
    errors = [m for m in channel.sent if m["type"] == "error"]
    assert len(errors) == 4
    assert all(e["source"] == "data_channel" for e in errors)
    channel.receive(json.dumps({"type": "text", "text": "still here"}))
    await asyncio.sleep(0)
    assert session.texts == ["still here"]
    await events.aclose()


async def test_unknown_events_and_text_after_close_are_ignored() -> None:
    events, channel, session = _bridge()
    events.forward("metrics_collected", {"x": 1})
    await events.aclose()
    channel.receive(json.dumps({"type": "text", "text": "late"}))
    await asyncio.sleep(0)
    assert session.texts == []
    assert channel.sent[-1]["type"] == "error"  # "the agent is not ready yet"


async def test_deep_json_poison_and_the_text_limit_are_answered_and_the_bridge_goes_on() -> None:
    events = EventChannel(max_text_chars=20)
    channel = FakeChannel("open")
    events.bind(channel)
    session = FakeSession()
    events.set_session(session)
    channel.receive("[" * 100_000 + "]" * 100_000)
    channel.receive(json.dumps({"type": "text", "text": "x" * 21}))
    errors = [m["message"] for m in channel.sent if m["type"] == "error"]
    assert "nested too deeply" in errors[0] and "limit is 20" in errors[1]
    channel.receive(json.dumps({"type": "text", "text": "hi \ud800 there"}))
    await asyncio.sleep(0)
    assert session.texts == ["hi \ufffd there"]
    await events.aclose()
