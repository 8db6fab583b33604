"""Helpers of the Deepgram listen tests (v1 and v2): a response recorder and a frame sender."""

from __future__ import annotations

import asyncio

from vocalis.stt import STT, SpeechEventType, STTResponse

FRAME = 640  # 20 ms of 16 kHz mono s16


class Recorder:
    """Records an STT's responses and "error" events."""

    def __init__(self, stt: STT) -> None:
        self.responses: list[STTResponse] = []
        self.errors: list[Exception] = []
        stt.on_stt_transcript(self._on)
        stt.on("error", self.errors.append)

    async def _on(self, response: STTResponse) -> None:
        self.responses.append(response)

    def kinds(self) -> list[SpeechEventType]:
        return [r.event_type for r in self.responses]

    def finals(self) -> list[STTResponse]:
        return [r for r in self.responses if r.event_type == SpeechEventType.FINAL]


async def send(stt: STT, pcm: bytes) -> None:
    """Feed ``pcm`` in 20 ms frames, yielding to the loop between frames."""
    for i in range(0, len(pcm), FRAME):
        await stt.process_audio(pcm[i : i + FRAME])
        await asyncio.sleep(0)
