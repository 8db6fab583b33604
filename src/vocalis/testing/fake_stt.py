"""An STT for tests: it "hears" the words the script says at the audio position it is fed."""

from __future__ import annotations

import asyncio
from typing import Any

from ..stt import STT, SpeechData, SpeechEventType, STTError, STTResponse
from .script import UserScript, Utterance

_EPSILON = 1e-6


class FakeSTT(STT):
    """Transcribes a ``UserScript``: interim words while the user speaks, the full text as the
    final transcript ``final_delay`` seconds after ``flush()`` (or ``auto_final_after`` seconds
    after the utterance ends when nobody flushes), and a PREFLIGHT at the end of utterances
    marked ``preflight=True``. With ``final_in_flush`` the final is pushed before ``flush()``
    returns, as a local decoder does (a cloud stream sends it later).
    """

    def __init__(
        self,
        script: UserScript,
        *,
        sample_rate: int = 16000,
        interim_interval: float = 0.3,
        final_delay: float = 0.05,
        auto_final_after: float = 0.6,
        confidence: float = 0.95,
        fail_after: float | None = None,
        final_in_flush: bool = False,
    ) -> None:
        super().__init__(forward_interim_transcripts=True)
        self.input_sample_rate = sample_rate
        self.script = script
        self.interim_interval = interim_interval
        self.final_delay = final_delay
        self.auto_final_after = auto_final_after
        self.confidence = confidence
        self.fail_after = fail_after
        self.final_in_flush = final_in_flush
        self.position = 0.0
        self.transcripts: list[STTResponse] = []
        self._finalized: set[int] = set()
        self._preflighted: set[int] = set()
        self._last_interim = -1.0
        self._tasks: set[asyncio.Task[None]] = set()

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        if self.fail_after is not None and self.position >= self.fail_after:
            raise STTError("fake STT failure")
        self.position += len(audio_frames) / 2 / self.input_sample_rate
        current = self.script.utterance_at(self.position)
        if (
            current is not None
            and current.text
            and self.position - self._last_interim >= self.interim_interval
        ):
            self._last_interim = self.position
            heard = self._words_so_far(current)
            if heard:
                await self._finalize_before(current)
                await self._send(SpeechEventType.INTERIM, heard, current)
        for index, u in enumerate(self.script.utterances):
            if u.end > self.position:
                break
            if u.preflight and index not in self._preflighted and u.text:
                self._preflighted.add(index)
                await self._send(SpeechEventType.PREFLIGHT, u.text, u)
            if index not in self._finalized and self.position >= u.end + self.auto_final_after:
                await self._finalize(index)

    def _words_so_far(self, u: Utterance) -> str:
        words = u.text.split()
        fraction = (self.position - u.start) / u.duration
        return " ".join(words[: max(0, int(len(words) * fraction))])

    async def flush(self) -> None:
        for index, u in enumerate(self.script.utterances):
            if index in self._finalized or u.start >= self.position - _EPSILON:
                continue  # not heard yet (starting right at the current position: no audio of it)
            self._finalized.add(index)
            if self.final_in_flush:
                await self._delayed_final(u)
                continue
            task = asyncio.ensure_future(self._delayed_final(u))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _delayed_final(self, u: Utterance) -> None:
        if self.final_delay > 0:
            await asyncio.sleep(self.final_delay)
        await self._send_final(u)

    async def _send_final(self, u: Utterance) -> None:
        if u.final:  # a final decode that heard nothing sends no FINAL, as local decoders do
            await self._send(SpeechEventType.FINAL, u.final, u)

    async def _finalize_before(self, current: Utterance) -> None:
        """A new utterance is being heard: earlier ones get their final transcript first."""
        for index, u in enumerate(self.script.utterances):
            if u is current:
                return
            if index not in self._finalized:
                await self._finalize(index)

    async def _finalize(self, index: int) -> None:
        self._finalized.add(index)
        await self._send_final(self.script.utterances[index])

    async def _send(self, kind: SpeechEventType, text: str, u: Utterance) -> None:
        response = STTResponse(
            event_type=kind,
            data=SpeechData(
                text=text,
                confidence=self.confidence,
                language="en",
                start_time=u.start,
                end_time=u.end,
                duration=u.duration,
                words=self._words(text, u),
            ),
        )
        self.transcripts.append(response)
        if self._transcript_callback is not None:
            await self._transcript_callback(response)

    def _words(self, text: str, u: Utterance) -> list[dict[str, Any]]:
        """The words spread evenly over the utterance, the last one as sure as the script says."""
        words = text.split()
        step = u.duration / max(1, len(words))
        out = [{"word": w, "start": u.start + i * step, "end": u.start + (i + 1) * step,
                "confidence": self.confidence} for i, w in enumerate(words)]
        if out and u.ending_confidence is not None:
            out[-1]["confidence"] = u.ending_confidence
        return out

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await super().aclose()
