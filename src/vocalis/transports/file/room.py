"""``FileRoom``: run an agent on an audio file, as if a caller played it into the session.

The input (any rate or format: WAV through the stdlib, anything else through PyAV) is fed in
20 ms frames on the loop clock, so it runs in real time on a normal event loop and in
milliseconds on ``vocalis.utils.run_virtual``'s virtual clock (for local or fake components
only: network I/O needs real time). After the input, silence keeps flowing until the agent has
been quiet for ``tail_seconds``. The outputs: the agent's audio as a 24 kHz WAV covering the
whole timeline (silence included), and a transcript JSON with the user's and the agent's turns
and when they happened (seconds from the start of the input).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import wave
from dataclasses import dataclass, field
from typing import Any

from ...audio import AudioFormatError, AudioFrame, load_audio_file, read_wav, write_wav
from ...utils.clock import now
from ..base import RoomConnection

FRAME_SECONDS = 0.02
BUSY_STATES = frozenset({"speaking", "thinking"})


@dataclass
class FileRunResult:
    """What a file run produced."""

    input_seconds: float = 0.0
    sample_rate: int = 24000
    agent_audio: bytearray = field(default_factory=bytearray)
    turns: list[dict[str, Any]] = field(default_factory=list)
    agent_speech: list[tuple[float, float]] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.agent_audio) / 2 / self.sample_rate

    def to_json(self) -> dict[str, Any]:
        return {
            "input_seconds": round(self.input_seconds, 3),
            "output_seconds": round(self.duration, 3),
            "turns": self.turns,
            "agent_speech": [[round(a, 3), round(b, 3)] for a, b in self.agent_speech],
        }


def load_input(path: str) -> tuple[bytes, int]:
    """16-bit mono PCM and its rate: WAV files natively, other formats decoded at 16 kHz."""
    if path.lower().endswith(".wav"):
        with contextlib.suppress(AudioFormatError, wave.Error):
            return read_wav(path)  # other sample formats go through PyAV below
    return load_audio_file(path, sample_rate=16000), 16000


class FileRoom(RoomConnection):
    """One run over ``config.input`` (a ``vocalis.job.FileConfig``)."""

    transport = "file"

    def __init__(self, config: Any) -> None:
        super().__init__(metadata={"input": config.input})
        self.config = config
        self.result = FileRunResult()
        self._pcm = b""
        self._rate = 16000
        self._t0 = 0.0
        self._agent_state = "idle"
        self._last_busy = 0.0
        self._reply_open = False
        self._written = False

    async def connect(self) -> None:
        if not self._pcm:
            self._pcm, self._rate = await asyncio.to_thread(load_input, self.config.input)
            self.result.input_seconds = len(self._pcm) / 2 / self._rate
        self._mark_joined("file")

    def _on_session_attached(self, session: Any) -> None:
        self._t0 = now()
        track = self.output_track_of(session)
        self.result.sample_rate = getattr(track, "sample_rate", 24000)
        self._spawn(self._pump_output(session, self._record), name="vocalis.file.output")
        self._spawn(self._feed(session), name="vocalis.file.input")

    def _elapsed(self) -> float:
        return round(now() - self._t0, 3)

    async def _record(self, frame: AudioFrame) -> None:
        self.result.agent_audio.extend(frame.pcm)
        if frame.is_speech:
            self._last_busy = now()
            end = len(self.result.agent_audio) / 2 / self.result.sample_rate
            spans = self.result.agent_speech
            start = end - frame.samples / frame.sample_rate
            if spans and start - spans[-1][1] < 0.1:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))

    async def _feed(self, session: Any) -> None:
        step = round(self._rate * FRAME_SECONDS) * 2
        silence = b"\x00" * step
        index = 0
        for offset in range(0, len(self._pcm), step):
            await self._sleep_until(index)
            chunk = self._pcm[offset: offset + step]
            await session.push_audio(chunk.ljust(step, b"\x00"), self._rate)
            index += 1
        input_end = now()
        self._last_busy = max(self._last_busy, input_end)
        while now() - input_end < self.config.max_tail_seconds:
            if self._agent_state in BUSY_STATES:
                self._last_busy = now()
            elif now() - self._last_busy >= self.config.tail_seconds:
                break
            await self._sleep_until(index)
            await session.push_audio(silence, self._rate)
            index += 1
        self._spawn(self.aclose("completed"))

    async def _sleep_until(self, index: int) -> None:
        delay = self._t0 + index * FRAME_SECONDS - now()
        if delay > 0:
            await asyncio.sleep(delay)

    def _on_session_event(self, name: str, payload: Any) -> None:
        payload = payload if isinstance(payload, dict) else {}
        if name == "agent_state_changed":
            self._agent_state = str(payload.get("state", ""))
            if self._agent_state in BUSY_STATES:
                self._last_busy = now()
            else:
                self._reply_open = False
        elif name == "user_transcript" and payload.get("is_final"):
            self._reply_open = False
            self.result.turns.append({"role": "user", "text": payload.get("text", ""),
                                      "time": self._elapsed()})
        elif name == "agent_text":
            self._add_agent_text(str(payload.get("text", "")))
        elif name == "interrupted":
            self._reply_open = False
            self.result.turns.append({"role": "event", "text": "interrupted",
                                      "time": self._elapsed()})

    def _add_agent_text(self, text: str) -> None:
        """One agent turn per reply: the segments spoken in one go are joined."""
        if self._reply_open and self.result.turns and self.result.turns[-1]["role"] == "agent":
            self.result.turns[-1]["text"] += " " + text
            return
        self._reply_open = True
        self.result.turns.append({"role": "agent", "text": text, "time": self._elapsed()})

    async def _close_transport(self, reason: str) -> None:
        if self._written:
            return
        self._written = True
        await asyncio.to_thread(self.write_outputs)

    def write_outputs(self) -> None:
        """Write the agent WAV and the transcript JSON where the config says."""
        if self.config.output:
            _ensure_dir(self.config.output)
            write_wav(self.config.output, bytes(self.result.agent_audio), self.result.sample_rate)
        if self.config.transcript:
            _ensure_dir(self.config.transcript)
            with open(self.config.transcript, "w", encoding="utf-8") as out:
                json.dump(self.result.to_json(), out, indent=2)


def _ensure_dir(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
