"""A realtime speech-to-speech model for tests: a server-VAD, a scripted user, scripted replies.

It hears the ``UserScript`` tone in the audio it is sent (speech start after 60 ms of sound, end
after ``silence`` seconds of quiet), transcribes the utterance from the script, runs the tools
a scripted reply asks for through the agent's tools, and speaks the reply into its audio track
(or, with ``text_only=True``, only writes it, for HYBRID_TTS).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np

from ..llm.tools import find_tool, invoke_tool
from ..realtime.base import RealtimeBaseModel
from ..utils.clock import now
from ..utils.tasks import TaskGroup
from .fake_llm import FakeResponse
from .script import UserScript


class FakeRealtimeModel(RealtimeBaseModel):
    """Scripted ``RealtimeBaseModel``; ``requests`` records what it was asked to answer."""

    input_sample_rate = 16000
    output_sample_rate = 24000

    def __init__(
        self,
        script: UserScript,
        responses: list[FakeResponse | str] | None = None,
        *,
        silence: float = 0.3,
        seconds_per_char: float = 0.06,
        text_only: bool = False,
        energy_threshold: float = 300.0,
    ) -> None:
        super().__init__()
        self.script = script
        self._responses = list(responses or [])
        self.silence = silence
        self.seconds_per_char = seconds_per_char
        self.text_only = text_only
        self._threshold = energy_threshold
        self.position = 0.0
        self.requests: list[str] = []
        self.frames_received: list[list[Any]] = []
        self.interrupts = 0
        self._speaking_user = False
        self._voiced = 0.0
        self._quiet = 0.0
        self._tasks = TaskGroup("vocalis.fake_realtime")
        self._response: asyncio.Task[None] | None = None
        self._playing_until = 0.0
        t = np.arange(480) / 24000
        self._chunk = (4000 * np.sin(2 * np.pi * 300.0 * t)).astype(np.int16).tobytes()

    async def connect(self) -> None:
        """Nothing to connect to."""

    async def handle_audio_input(self, audio_data: bytes) -> None:
        samples = np.frombuffer(audio_data, dtype=np.int16)
        if not samples.size:
            return
        duration = samples.size / self.input_sample_rate
        self.position += duration
        loud = float(np.sqrt(np.mean(samples.astype(np.float32) ** 2))) > self._threshold
        if loud:
            self._quiet = 0.0
            self._voiced += duration
            if not self._speaking_user and self._voiced >= 0.06:
                self._speaking_user = True
                self.emit("user_speech_started", {"type": "done"})
                responding = self._response is not None and not self._response.done()
                if responding or now() < self._playing_until:
                    await self.interrupt()
            return
        self._voiced = 0.0
        if self._speaking_user:
            self._quiet += duration
            if self._quiet >= self.silence:
                self._speaking_user = False
                end_ms = round((self.position - self._quiet) * 1000)
                self.emit("user_speech_ended", {"audio_end_ms": end_ms})
                utterance = self.script.utterance_at(self.position - self._quiet - 0.01)
                text = utterance.text if utterance is not None else ""
                if text:
                    self.emit(
                        "realtime_model_transcription",
                        {"role": "user", "text": text, "is_final": True},
                    )
                    self._respond(text)

    async def send_message(self, message: str) -> None:
        self._respond(None, FakeResponse(message))

    async def send_text_message(self, message: str) -> None:
        self._respond(message)

    async def send_message_with_frames(self, message: str, frames: list[Any]) -> None:
        """A turn with images: recorded in ``frames_received``, answered like text."""
        self.frames_received.append(list(frames))
        self._respond(message)

    def _respond(self, user_text: str | None, response: FakeResponse | None = None) -> None:
        if self._response is not None and not self._response.done():
            self._response.cancel()
        self._response = self._tasks.spawn(self._run(user_text, response), name="fake_response")

    def _next(self) -> FakeResponse:
        answer = self._responses.pop(0) if self._responses else FakeResponse("OK.")
        return FakeResponse(answer) if isinstance(answer, str) else answer

    async def _run(self, user_text: str | None, response: FakeResponse | None) -> None:
        if user_text is not None:
            self.requests.append(user_text)
        answer = response or self._next()
        while answer.tool_calls:
            if answer.ttft:
                await asyncio.sleep(answer.ttft)
            for call in answer.tool_calls:
                await self._call_tool(call.name, call.arguments, call.call_id)
            answer = self._next()
        if answer.ttft:
            await asyncio.sleep(answer.ttft)
        await self._speak(answer.text)

    async def _call_tool(self, name: str, arguments: dict[str, Any], call_id: str) -> None:
        tools = list(getattr(self._agent, "tools", None) or [])
        tool = find_tool(tools, name)
        if tool is None:
            output, is_error = f"Unknown tool '{name}'", True
        else:
            result = await invoke_tool(tool, arguments)
            output, is_error = result.output, result.is_error
        self.emit(
            "realtime_model_function_executed",
            {
                "name": name,
                "arguments": json.dumps(arguments),
                "call_id": call_id,
                "output": output,
                "is_error": is_error,
            },
        )

    async def _speak(self, text: str) -> None:
        if not text:
            return
        if not self.text_only and self.audio_track is not None:
            self.emit("agent_speech_started", {})
            chunks = max(1, round(len(text) * self.seconds_per_char / 0.02))
            self._playing_until = now() + chunks * 0.02
            for i in range(chunks):
                if i:
                    await asyncio.sleep(0.002)
                await self.audio_track.add_new_bytes(self._chunk)
            self.audio_track.mark_synthesis_complete()
        self.emit("llm_text_output", {"text": text})
        self.emit("realtime_model_transcription", {"role": "assistant", "text": text, "is_final": True})

    async def interrupt(self) -> None:
        self.interrupts += 1
        self._playing_until = 0.0
        if self._response is not None and not self._response.done():
            self._response.cancel()
        if self.audio_track is not None:
            self.audio_track.interrupt()

    async def aclose(self) -> None:
        await self._tasks.aclose()
        await super().aclose()
