"""``PiperTTS``: local Piper speech synthesis as a Vocalis ``TTS`` component.

Text streams are spoken sentence by sentence: each sentence is synthesised in a worker thread
as soon as it is complete, so the first audio leaves while the LLM is still writing. Text that
never ends a sentence is cut into bounded pieces, and each piece's audio is pushed before the
next is synthesised, so memory stays flat however long the input.
``interrupt()`` returns control at once and drops whatever is still being synthesised.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ...tts import TTS, FlushMarker, TTSError
from .segments import SentenceSplitter, split_sentences
from .voice import (
    DEFAULT_VOICE,
    SynthesisOptions,
    load_voice,
    resolve_voice,
    synthesize_pieces,
    to_pcm16,
)

_END = object()


class PiperTTS(TTS):
    """Piper TTS with the voice loaded once per process.

    Each synthesis runs in a worker thread with state of its own, so two may run at once
    (``supports_concurrent_synthesis``).

    Args:
        voice: a bundled voice name (default ``"en_US-joe-medium"``) or a path to a Piper
            ``.onnx`` voice with its ``.onnx.json`` beside it.
        speaker: speaker name or id for multi-speaker voices; None uses the voice's default.
        length_scale: phoneme duration factor, >1 is slower; None uses the voice's (1.0 here).
        noise_scale, noise_w_scale: Piper's variability knobs; None uses the voice's values.
        volume: gain applied after Piper's per-sentence peak normalisation. Default 1.0.
        chunk_duration: seconds of audio per push to the track; ``interrupt`` is checked
            between pushes. Default 0.1.

    ``sample_rate`` is the voice's own rate (22050 Hz for joe-medium); the pipeline resamples.
    """

    supports_concurrent_synthesis = True

    def __init__(
        self,
        voice: str | Path = DEFAULT_VOICE,
        speaker: str | int | None = None,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
        volume: float = 1.0,
        chunk_duration: float = 0.1,
    ) -> None:
        if length_scale is not None and length_scale <= 0:
            raise ValueError(f"length_scale must be > 0, not {length_scale}")
        if chunk_duration <= 0:
            raise ValueError(f"chunk_duration must be > 0, not {chunk_duration}")
        self._files = resolve_voice(voice)
        config = self._files.read_config()
        super().__init__(sample_rate=int(config["audio"]["sample_rate"]), num_channels=1)
        self.voice = str(voice)
        self._speakers: dict[str, int] = dict(config.get("speaker_id_map") or {})
        self._options = SynthesisOptions(
            speaker_id=self._speaker_id(speaker),
            length_scale=length_scale,
            noise_scale=noise_scale,
            noise_w_scale=noise_w_scale,
            volume=volume,
        )
        self._chunk_bytes = max(2, int(chunk_duration * self.sample_rate) * 2)
        self._voice: Any = None
        self._active: set[asyncio.Event] = set()

    def _speaker_id(self, speaker: str | int | None) -> int | None:
        if speaker is None or isinstance(speaker, int):
            return speaker
        if speaker not in self._speakers:
            raise ValueError(f"unknown speaker {speaker!r}; voice has {sorted(self._speakers)}")
        return self._speakers[speaker]

    async def prewarm(self) -> None:
        """Load the voice off the event loop; idempotent."""
        if self._voice is None:
            self._voice = await asyncio.to_thread(load_voice, self._files)

    async def synthesize(
        self,
        text: AsyncIterator[str | FlushMarker] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Speak ``text`` (a string or a stream of text and ``FlushMarker``s) to ``audio_track``.

        ``voice_id`` selects a speaker of a multi-speaker voice for this call.
        """
        if self.audio_track is None:
            raise TTSError("PiperTTS.synthesize needs audio_track to be set")
        await self.prewarm()
        stop = asyncio.Event()
        self._active.add(stop)
        self.reset_first_audio_tracking()
        options = self._options
        if voice_id is not None:
            speaker = int(voice_id) if voice_id.isdigit() else self._speaker_id(voice_id)
            options = SynthesisOptions(**{**options.__dict__, "speaker_id": speaker})
        sentences: asyncio.Queue[object] = asyncio.Queue()
        reader = asyncio.create_task(self._read_text(text, sentences))
        try:
            while not stop.is_set():
                sentence = await self._until_stopped(sentences.get(), stop)
                if sentence is None or sentence is _END:
                    break
                pieces = synthesize_pieces(self._voice, str(sentence), options)
                while not stop.is_set():
                    audio = await self._until_stopped(asyncio.to_thread(next, pieces, None), stop)
                    if audio is None:
                        break
                    await self._push(to_pcm16(audio), stop)
            if reader.done() and not reader.cancelled() and reader.exception() is not None:
                raise TTSError(f"text stream failed: {reader.exception()}")
        finally:
            self._active.discard(stop)
            if not reader.done():
                reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _read_text(
        self, text: AsyncIterator[str | FlushMarker] | str, out: asyncio.Queue[object]
    ) -> None:
        try:
            if isinstance(text, str):
                for sentence in split_sentences(text):
                    out.put_nowait(sentence)
                return
            splitter = SentenceSplitter()
            async for piece in text:
                found = splitter.flush() if isinstance(piece, FlushMarker) else splitter.push(piece)
                for sentence in found:
                    out.put_nowait(sentence)
            for sentence in splitter.flush():
                out.put_nowait(sentence)
        finally:
            out.put_nowait(_END)

    @staticmethod
    async def _until_stopped(awaitable: Any, stop: asyncio.Event) -> Any:
        """Await ``awaitable`` unless ``stop`` is set first (then None; the work is dropped)."""
        work = asyncio.ensure_future(awaitable)
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if work.done():
            return work.result()
        work.cancel()
        return None

    async def _push(self, pcm: bytes, stop: asyncio.Event) -> None:
        for i in range(0, len(pcm), self._chunk_bytes):
            if stop.is_set():
                return
            await self._emit_audio(pcm[i : i + self._chunk_bytes])

    async def interrupt(self) -> None:
        """Stop every running synthesis now: no further audio is pushed, queued audio is cut."""
        for stop in self._active:
            stop.set()
        if self.audio_track is not None and hasattr(self.audio_track, "interrupt"):
            self.audio_track.interrupt()

    async def aclose(self) -> None:
        for stop in self._active:
            stop.set()
        await super().aclose()
