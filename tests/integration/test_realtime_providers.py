"""A realtime agent on ``OpenAIRealtime`` against the local fake GA realtime socket.

FULL_S2S: the user's audio goes to the model; the fake server plays the model's part: it
detects the user's speech in the audio it receives (the test kit's tone), reports speech
started/stopped and a transcript, calls the agent's tool, then answers with audio and a
transcript once the tool output is back. HYBRID_STT: the kit's FakeVAD/FakeSTT take the user's
turn and the model gets its text and answers with audio. Real sockets, real (short) time.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from tests.fakes.openai_ws import FakeOpenAIWS, realtime_audio_reply, realtime_done
from tests.integration.helpers import (
    QUESTION,
    LiveCall,
    WeatherAgent,
    assert_weather_tool_in_context,
)

from vocalis import EOUConfig, Pipeline
from vocalis.plugins.openai import OpenAIRealtime
from vocalis.testing import FakeSTT, FakeVAD, UserScript

ANSWER = "It is sunny and warm in Paris."
RATE = 24000
REPLY_SECONDS = 0.5


@pytest.fixture
async def ws_fake():
    async with FakeOpenAIWS() as fake:
        yield fake


def realtime_model(fake: FakeOpenAIWS) -> OpenAIRealtime:
    return OpenAIRealtime(api_key="sk-rt", model="gpt-realtime", base_url=fake.http_base_url)


def answer_reply(response_id: str) -> list:
    """The spoken answer: ``REPLY_SECONDS`` of audio in 100 ms deltas, then its transcript."""
    chunks = round(REPLY_SECONDS / 0.1)
    return realtime_audio_reply(
        response_id=response_id, item_id="item_answer", chunks=chunks, transcript=ANSWER,
        samples=RATE // 10,
    )


def function_call_response(response_id: str, call_id: str, name: str, arguments: str) -> list:
    """A response whose only output is a function call, its arguments in fragments."""
    item = {"id": "item_fc", "type": "function_call", "call_id": call_id, "name": name}
    steps: list = [
        {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}},
        {"type": "response.output_item.added", "response_id": response_id, "output_index": 0,
         "item": {**item, "arguments": "", "status": "in_progress"}},
    ]
    for start in range(0, len(arguments), 4):
        steps.append({"type": "response.function_call_arguments.delta",
                      "response_id": response_id, "item_id": "item_fc", "call_id": call_id,
                      "output_index": 0, "delta": arguments[start:start + 4]})
    steps += [
        {"type": "response.function_call_arguments.done", "response_id": response_id,
         "item_id": "item_fc", "call_id": call_id, "name": name, "output_index": 0,
         "arguments": arguments},
        {"type": "response.output_item.done", "response_id": response_id, "output_index": 0,
         "item": {**item, "arguments": arguments, "status": "completed"}},
        realtime_done(response_id),
    ]
    return steps


class ServerVAD:
    """The fake model's ears: decodes ``input_audio_buffer.append`` audio and finds the
    user's speech in it by energy, as the real server VAD would."""

    def __init__(self, fake: FakeOpenAIWS, silence: float = 0.3) -> None:
        self.fake = fake
        self.silence = silence
        self.seen = 0
        self.position = 0.0
        self.started_at: float | None = None
        self.last_voiced = 0.0

    async def speech_started(self) -> float:
        while True:
            loud = await self._next_chunk()
            if loud:
                self.started_at = self.position
                return self.position

    async def speech_stopped(self) -> float:
        while True:
            loud = await self._next_chunk()
            if loud:
                self.last_voiced = self.position
            elif self.position - self.last_voiced >= self.silence:
                return self.last_voiced

    async def _next_chunk(self) -> bool:
        appended = await self.fake.wait_for("input_audio_buffer.append", self.seen + 1)
        message = appended[self.seen]
        self.seen += 1
        pcm = np.frombuffer(base64.b64decode(message["audio"]), dtype="<i2")
        self.position += pcm.size / RATE
        return pcm.size > 0 and float(np.sqrt(np.mean(pcm.astype(np.float32) ** 2))) > 300


async def test_full_s2s_turn_with_tool_call(ws_fake):
    user = UserScript().says(QUESTION, at=0.2, duration=0.8)
    arguments = json.dumps({"city": "Paris"})
    # The model answers the tool output's response.create with speech.
    ws_fake.replies["response.create"].append(answer_reply("resp_answer"))
    ears = ServerVAD(ws_fake)
    heard: dict[str, float] = {}

    async def model_side() -> None:
        await ws_fake.wait_for("session.update")
        heard["start"] = await ears.speech_started()
        ws_fake.push([{"type": "input_audio_buffer.speech_started",
                       "audio_start_ms": int(heard["start"] * 1000), "item_id": "item_user"}])
        heard["end"] = await ears.speech_stopped()
        ws_fake.push([
            {"type": "input_audio_buffer.speech_stopped",
             "audio_end_ms": int(heard["end"] * 1000), "item_id": "item_user"},
            {"type": "input_audio_buffer.committed", "item_id": "item_user"},
            {"type": "conversation.item.input_audio_transcription.completed",
             "item_id": "item_user", "content_index": 0, "transcript": QUESTION},
            *function_call_response("resp_tool", "call_paris", "get_weather", arguments),
        ])

    agent = WeatherAgent()
    call = LiveCall(agent, Pipeline(llm=realtime_model(ws_fake)), user)
    assert call.pipeline.realtime_mode == "full_s2s"

    record = await call.run(call.finished_speaking, timeout=6.0, director=model_side)

    # The model heard the user's audio: the tone, resampled to 24 kHz, where the script has it.
    utterance = user.utterances[0]
    assert heard["start"] == pytest.approx(utterance.start, abs=0.05)
    assert heard["end"] == pytest.approx(utterance.end, abs=0.05)
    session = ws_fake.of("session.update")[0]["session"]
    assert session["tools"][0]["name"] == "get_weather"
    assert session["instructions"].startswith("You are a weather assistant.")

    # The tool ran once; its output went back to the model before the next response.create.
    assert agent.cities == ["Paris"]
    outputs = ws_fake.of("conversation.item.create")
    assert [o["item"] for o in outputs] == [{
        "type": "function_call_output", "call_id": "call_paris",
        "output": "Sunny and warm in Paris",
    }]
    (create,) = ws_fake.of("response.create")
    assert ws_fake.received.index(outputs[0]) < ws_fake.received.index(create)

    # The chat context: the user's words, the call and its output (once), the answer.
    assert_weather_tool_in_context(record)
    assert record.user_texts() == [QUESTION]
    assert record.assistant_texts() == [ANSWER]

    # Session events: the transcript, the tool, the agent's text.
    assert [p for _, n, p in record.events if n == "user_transcript"] == [
        {"text": QUESTION, "is_final": True}
    ]
    (executed,) = [p for _, n, p in record.events if n == "function_tools_executed"]
    assert executed["call_id"] == "call_paris"
    assert [p["text"] for _, n, p in record.events if n == "agent_text"] == [ANSWER]

    # The model's audio came out of the output track, after the user finished.
    heard_s = sum(end - start for start, end in record.agent_speech())
    assert heard_s == pytest.approx(REPLY_SECONDS, abs=0.08)
    assert record.agent_speech()[0][0] > utterance.end

    # States: listening while the user speaks, thinking, speaking, back to idle.
    states = call.states()
    assert states[:2] == ["starting", "idle"]
    assert states[2:6] == ["listening", "thinking", "speaking", "idle"]
    assert states[-1] == "closing"
    (turn,) = record.metrics.turns
    assert turn.user_text == QUESTION and turn.agent_text == ANSWER
    # Latency counts from the user's last voiced audio (the server's audio_end_ms), so the
    # server VAD's silence window is in it, as the user feels it.
    assert turn.e2e_latency_ms is not None and turn.e2e_latency_ms >= 300
    felt = (record.agent_speech()[0][0] - utterance.end) * 1000
    assert turn.e2e_latency_ms == pytest.approx(felt, abs=60)
    assert not record.metrics.errors


async def test_hybrid_stt_turn_text_in_audio_out(ws_fake):
    user = UserScript().says(QUESTION, at=0.2, duration=0.8)
    ws_fake.replies["response.create"].append(answer_reply("resp_answer"))
    pipeline = Pipeline(
        stt=FakeSTT(user), llm=realtime_model(ws_fake), vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.6]),
    )
    assert pipeline.realtime_mode == "hybrid_stt"
    agent = WeatherAgent()
    call = LiveCall(agent, pipeline, user)

    record = await call.run(call.finished_speaking, timeout=6.0)

    # Our STT took the turn; the model got its text (no audio) and was asked to answer.
    assert not ws_fake.of("input_audio_buffer.append")
    (item,) = ws_fake.of("conversation.item.create")
    assert item["item"] == {
        "type": "message", "role": "user", "content": [{"type": "input_text", "text": QUESTION}],
    }
    (create,) = ws_fake.of("response.create")
    assert ws_fake.received.index(item) < ws_fake.received.index(create)

    assert record.user_texts() == [QUESTION]
    assert record.assistant_texts() == [ANSWER]
    heard_s = sum(end - start for start, end in record.agent_speech())
    assert heard_s == pytest.approx(REPLY_SECONDS, abs=0.08)
    assert record.agent_speech()[0][0] > user.utterances[0].end

    states = call.states()
    assert states[2:6] == ["listening", "thinking", "speaking", "idle"]
    (turn,) = record.metrics.turns
    assert turn.user_text == QUESTION and turn.agent_text == ANSWER
    # Latency counts from the end of speech as our VAD placed it, not from the commit.
    felt = (record.agent_speech()[0][0] - user.utterances[0].end) * 1000
    assert turn.e2e_latency_ms is not None and turn.e2e_latency_ms >= 200
    assert turn.e2e_latency_ms == pytest.approx(felt, abs=60)
    assert not record.metrics.errors
