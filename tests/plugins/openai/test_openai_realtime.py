"""OpenAIRealtime against a fake GA realtime socket."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.fakes.openai_ws import Drop, Raw, b64_pcm, realtime_audio_reply, realtime_done
from tests.plugins.openai.openai_types import assert_realtime_client_event

from vocalis.llm.tools import function_tool
from vocalis.plugins.openai import (
    OpenAIRealtime,
    OpenAIRealtimeConfig,
    OpenAIRealtimeError,
    TurnDetection,
)


@function_tool
async def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return f"sunny in {city}"


@dataclass
class Agent:
    instructions: str = "You are a helpful voice assistant."
    tools: list[Any] = field(default_factory=lambda: [get_weather])
    chat_context: Any = None


class Track:
    def __init__(self) -> None:
        self.audio = b""
        self.interrupts = 0
        self.completed = 0

    async def add_new_bytes(self, audio: bytes) -> None:
        self.audio += audio

    def interrupt(self) -> None:
        self.interrupts += 1

    def mark_synthesis_complete(self) -> None:
        self.completed += 1


class Handle:
    is_interruptible = False


async def _until(predicate, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def _model(fake, config: OpenAIRealtimeConfig | None = None):
    model = OpenAIRealtime(
        api_key="sk-rt", model="gpt-realtime", config=config, base_url=fake.http_base_url
    )
    model.set_agent(Agent())
    model.audio_track = Track()
    events: list[tuple[str, Any]] = []
    for name in (
        "user_speech_started", "user_speech_ended", "agent_speech_started",
        "realtime_model_transcription", "realtime_model_function_executed", "llm_text_output",
        "realtime_model_text_delta", "error",
    ):
        model.on(name, lambda payload, name=name: events.append((name, payload)))
    await model.connect()
    await fake.wait_for("session.update")
    return model, events


def _validated(fake) -> list[dict]:
    for event in fake.received:
        assert_realtime_client_event(event)
    return fake.received


async def test_connects_with_ga_session_update(ws_fake):
    model, _ = await _model(ws_fake)
    conn = ws_fake.connections[0]
    assert conn.query == {"model": "gpt-realtime"}
    assert "OpenAI-Beta" not in conn.headers
    assert conn.headers["Authorization"] == "Bearer sk-rt"
    (update,) = [e for e in _validated(ws_fake) if e["type"] == "session.update"]
    session = update["session"]
    assert session["type"] == "realtime" and session["output_modalities"] == ["audio"]
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert session["audio"]["input"]["transcription"] == {"model": "gpt-4o-mini-transcribe"}
    assert session["audio"]["output"]["voice"] == "alloy"
    assert session["tools"][0]["name"] == "get_weather"
    assert session["instructions"] == "You are a helpful voice assistant."
    await model.aclose()


async def test_audio_in_and_audio_out_with_transcripts(ws_fake):
    model, events = await _model(ws_fake)
    await model.handle_audio_input(b"\x01\x00" * 480)
    (append,) = await ws_fake.wait_for("input_audio_buffer.append")
    assert base64.b64decode(append["audio"]) == b"\x01\x00" * 480
    ws_fake.push(
        [
            {"type": "input_audio_buffer.speech_started", "audio_start_ms": 0, "item_id": "u1"},
            {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900, "item_id": "u1"},
            {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1",
             "content_index": 0, "transcript": "What's up?"},
            *realtime_audio_reply(transcript="All good."),
        ]
    )
    await _until(lambda: any(n == "llm_text_output" for n, _ in events))
    assert len(model.audio_track.audio) == 3 * 2400 * 2
    transcripts = [p for n, p in events if n == "realtime_model_transcription"]
    assert transcripts == [
        {"role": "user", "text": "What's up?", "is_final": True},
        {"role": "agent", "text": "All good.", "is_final": True},
    ]
    names = [n for n, _ in events]
    assert names.index("user_speech_started") < names.index("agent_speech_started")
    assert model.audio_track.completed == 1
    assert model.last_usage["output_audio_tokens"] == 8
    _validated(ws_fake)
    await model.aclose()


async def test_barge_in_cancels_and_truncates_to_played_audio(ws_fake):
    model, events = await _model(ws_fake)
    reply = realtime_audio_reply(response_id="r1", item_id="a1", chunks=10)[:-2]
    ws_fake.push(reply)
    await _until(lambda: len(model.audio_track.audio) == 10 * 4800)
    ws_fake.push([{"type": "input_audio_buffer.speech_started", "audio_start_ms": 5,
                   "item_id": "u2"}])
    (truncate,) = await ws_fake.wait_for("conversation.item.truncate")
    assert ws_fake.of("response.cancel")
    assert truncate["item_id"] == "a1" and truncate["content_index"] == 0
    assert 0 <= truncate["audio_end_ms"] < 1000
    assert model.audio_track.interrupts == 1
    assert ("user_speech_started", {"type": "done"}) in events
    _validated(ws_fake)
    await model.aclose()


async def test_locked_utterance_drops_audio_and_refuses_interrupt(ws_fake):
    model, _ = await _model(ws_fake)
    model.current_utterance = Handle()
    await model.handle_audio_input(b"\x00\x00" * 480)
    ws_fake.push(realtime_audio_reply(response_id="r1", item_id="a1")[:-2])
    await _until(lambda: len(model.audio_track.audio) > 0)
    await model.interrupt()
    await asyncio.sleep(0.05)
    assert not ws_fake.of("input_audio_buffer.append") and not ws_fake.of("response.cancel")
    assert model.audio_track.interrupts == 0
    await model.aclose()


async def test_tool_call_round_trip(ws_fake):
    model, events = await _model(ws_fake)
    ws_fake.push(
        [
            {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}},
            {"type": "response.function_call_arguments.delta", "response_id": "r1",
             "item_id": "fc1", "call_id": "call_9", "delta": '{"city": '},
            {"type": "response.function_call_arguments.done", "response_id": "r1",
             "item_id": "fc1", "call_id": "call_9", "name": "get_weather", "output_index": 0,
             "arguments": '{"city": "Oslo"}'},
            {"type": "response.output_item.done", "response_id": "r1", "output_index": 0,
             "item": {"id": "fc1", "type": "function_call", "status": "completed",
                      "call_id": "call_9", "name": "get_weather",
                      "arguments": '{"city": "Oslo"}'}},
            realtime_done("r1"),
        ]
    )
    (create,) = await ws_fake.wait_for("response.create")
    outputs = ws_fake.of("conversation.item.create")
    assert outputs == [{"type": "conversation.item.create", "item": {
        "type": "function_call_output", "call_id": "call_9", "output": "sunny in Oslo"}}]
    assert ws_fake.received.index(outputs[0]) < ws_fake.received.index(create)
    executed = [p for n, p in events if n == "realtime_model_function_executed"]
    assert executed == [{"name": "get_weather", "arguments": '{"city": "Oslo"}',
                         "call_id": "call_9", "output": "sunny in Oslo", "is_error": False}]
    _validated(ws_fake)
    await model.aclose()


async def test_unknown_tool_reports_an_error_output(ws_fake):
    model, events = await _model(ws_fake)
    ws_fake.push([
        {"type": "response.function_call_arguments.done", "response_id": "r1", "item_id": "f",
         "call_id": "c1", "name": "nope", "output_index": 0, "arguments": "{}"},
        realtime_done("r1"),
    ])
    await ws_fake.wait_for("response.create")
    executed = [p for n, p in events if n == "realtime_model_function_executed"]
    assert executed[0]["is_error"] is True
    await model.aclose()


async def test_text_only_mode_emits_text_and_transcription(ws_fake):
    config = OpenAIRealtimeConfig(modalities=["text"], turn_detection=TurnDetection(
        type="semantic_vad", eagerness="high"))
    model, events = await _model(ws_fake, config)
    session = ws_fake.of("session.update")[0]["session"]
    assert session["output_modalities"] == ["text"] and "output" not in session["audio"]
    assert session["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad", "create_response": True, "interrupt_response": True,
        "eagerness": "high"}
    ws_fake.push([
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_text.delta", "response_id": "r1", "item_id": "m",
         "delta": "Hel"},
        {"type": "response.output_text.delta", "response_id": "r1", "item_id": "m",
         "delta": "lo"},
        realtime_done("r1"),
    ])
    await _until(lambda: any(n == "realtime_model_transcription" for n, _ in events))
    deltas = [p for n, p in events if n == "realtime_model_text_delta"]
    assert deltas[-1] == {"role": "assistant", "delta": "lo", "text": "Hello"}
    assert ("realtime_model_transcription",
            {"role": "agent", "text": "Hello", "is_final": True}) in events
    _validated(ws_fake)
    await model.aclose()


async def test_text_say_and_image_messages(ws_fake):
    model, _ = await _model(ws_fake)
    await model.send_text_message("Hi!")
    await model.send_message("Welcome to Vocalis.")
    await model.handle_video_input(b"\xff\xd8fakejpeg")
    await model.send_message_with_frames("What is this?", [b"\xff\xd8fakejpeg"])
    await ws_fake.wait_for("response.create", 3)
    await ws_fake.wait_for("conversation.item.create", 3)
    items = [e["item"] for e in ws_fake.of("conversation.item.create")]
    assert items[0]["content"] == [{"type": "input_text", "text": "Hi!"}]
    assert items[1]["content"][0]["image_url"].startswith("data:image/jpeg;base64,")
    assert [p["type"] for p in items[2]["content"]] == ["input_text", "input_image"]
    say = ws_fake.of("response.create")[1]
    assert "Welcome to Vocalis." in say["response"]["instructions"]
    _validated(ws_fake)
    await model.aclose()


async def test_server_error_is_emitted_but_cancel_races_are_not(ws_fake):
    model, events = await _model(ws_fake)
    ws_fake.push([
        {"type": "error", "event_id": "e", "error": {"type": "invalid_request_error",
         "code": "response_cancel_not_active", "message": "no active response"}},
        {"type": "error", "event_id": "e2", "error": {"type": "server_error",
         "code": "boom", "message": "it broke"}},
        Raw("{nope"),
        {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 1, "item_id": "u"},
    ])
    await _until(lambda: any(n == "user_speech_ended" for n, _ in events))
    errors = [p for n, p in events if n == "error"]
    assert errors[0] == "OpenAI Realtime API error: it broke"
    assert "malformed" in errors[1] and len(errors) == 2
    await model.aclose()


async def test_dropped_connection_is_reported(ws_fake):
    model, events = await _model(ws_fake)
    ws_fake.push([Drop()])
    await _until(lambda: any(n == "error" for n, _ in events))
    assert "closed" in next(p for n, p in events if n == "error")
    await model.handle_audio_input(b"\x00\x00")  # ignored, not raised
    await model.aclose()


async def test_rejected_handshake_raises_typed_error(ws_fake):
    ws_fake.reject_status = 401
    model = OpenAIRealtime(api_key="bad", model="gpt-realtime", base_url=ws_fake.http_base_url)
    errors = []
    model.on("error", errors.append)
    with pytest.raises(OpenAIRealtimeError, match="401"):
        await model.connect()
    assert "OPENAI_API_KEY" in errors[0]
    await model.aclose()


def test_missing_key_is_a_clear_error():
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAIRealtime(model="gpt-realtime")


def test_b64_helper():
    assert len(base64.b64decode(b64_pcm(10))) == 20
