"""``SpeechInput``: the understanding stage of a cascaded pipeline.

User audio → [denoiser] → VAD, STT (and the interruption detector), each with its own
resampler, queue and task: a Whisper decode never delays the VAD, and a VAD that lags
never delays the STT. VAD results become ``user_speech_started`` / ``user_speech_ended`` (the
end placed at the arrival time of the last voiced sample), STT results become ``user_words``.
"""

from __future__ import annotations

import asyncio
import numbers
from collections.abc import Callable
from typing import Any

from ...denoise import Denoise
from ...interruption import InterruptionDetector
from ...stt import STT, STTResponse
from ...utils.tasks import TaskGroup
from ...vad import VAD, VADEventType, VADResponse
from ..hooks import PipelineHooks
from .hooked_stt import HookedSTT
from .overlap_audio import OverlapAudio, VerdictCallback
from .signals import UnderstandingSignals
from .stage import InputChunk, InputStage

VAD_BACKLOG_SECONDS = 2.0
"""Audio the VAD may fall behind before its oldest audio is dropped: turn-taking must stay live."""
STT_BACKLOG_SECONDS = 20.0
"""Audio the STT may fall behind (a decode under load) before its oldest audio is dropped."""
DENOISE_BACKLOG_SECONDS = 2.0

ErrorReporter = Callable[[str, BaseException], None]
DropReporter = Callable[[str, float], None]


class SpeechInput:
    """Routes user audio to the denoiser, the VAD and the STT (see the module docstring)."""

    def __init__(
        self,
        *,
        stt: STT | None,
        vad: VAD | None,
        denoise: Denoise | None,
        signals: UnderstandingSignals,
        on_error: ErrorReporter,
        on_drop: DropReporter,
        hooks: PipelineHooks | None = None,
        interruption: InterruptionDetector | None = None,
        on_verdict: VerdictCallback | None = None,
    ) -> None:
        """With an ``stt`` stream hook in ``hooks``, the STT stage's audio goes to the hook.
        With an ``interruption`` detector, every frame also goes to it and its verdicts on
        overlaps to ``on_verdict``."""
        self._signals = signals
        self._on_error = on_error
        self._on_drop = on_drop
        self._tasks = TaskGroup("vocalis.input", on_error=on_error)
        self._muted = False
        self._flushes_pending = 0
        self._settled = asyncio.Event()
        self._settled.set()
        self.stt: STT | None = None
        self.vad: VAD | None = None
        self.denoise: Denoise | None = None
        self._denoise_stage: InputStage | None = None
        self._vad_stage: InputStage | None = None
        self._stt_stage: InputStage | None = None
        self._hooks = hooks
        self._hooked_stt: HookedSTT | None = None
        self.overlap_audio: OverlapAudio | None = None
        if interruption is not None and on_verdict is not None:
            self.overlap_audio = OverlapAudio(interruption, on_verdict=on_verdict, tasks=self._tasks)
        self.replace(stt=stt, vad=vad, denoise=denoise)

    # ---- components --------------------------------------------------------------------------

    def replace(self, *, stt: STT | None, vad: VAD | None, denoise: Denoise | None) -> None:
        """Use these components from now on (``change_component``); stages are rebuilt for
        the ones that changed, so each new component starts with a fresh resampler."""
        if vad is not self.vad:
            self.vad = vad
            self._swap("_vad_stage", self._new_stage("vad", self._feed_vad, vad.sample_rate,
                                                     VAD_BACKLOG_SECONDS) if vad else None)
            if vad is not None:
                vad.on_vad_event(self._on_vad)
        if stt is not self.stt:
            self.stt = stt
            rate = int(getattr(stt, "input_sample_rate", 16000)) if stt is not None else 16000
            hears = stt is not None or self._stt_hook() is not None
            self._swap("_stt_stage", self._new_stage(
                "stt", self._feed_stt, rate, STT_BACKLOG_SECONDS, quality="HQ") if hears else None)
            if stt is not None:
                stt.on_stt_transcript(self._on_transcript)
            self._flush_done(all_of_them=True)  # the old stage's pending flushes never run
        if denoise is not self.denoise:
            self.denoise = denoise
            self._swap("_denoise_stage", self._new_stage(
                "denoise", self._feed_denoised, denoise.sample_rate, DENOISE_BACKLOG_SECONDS)
                if denoise else None)

    def _new_stage(self, name: str, consume, rate: int, backlog: float,
                   quality: str = "LQ") -> InputStage:
        return InputStage(name, consume, sample_rate=rate, quality=quality,  # type: ignore[arg-type]
                          max_seconds=backlog, on_error=self._on_error, on_drop=self._on_drop,
                          tasks=self._tasks)

    def _swap(self, attr: str, stage: InputStage | None) -> None:
        old: InputStage | None = getattr(self, attr)
        setattr(self, attr, stage)
        if old is not None:
            old.close_soon()

    # ---- input -------------------------------------------------------------------------------

    def push_audio(self, chunk: InputChunk) -> None:
        if self._muted:
            chunk = InputChunk(bytes(len(chunk.pcm)), chunk.sample_rate, chunk.arrived_at)
        if self._denoise_stage is not None:
            self._denoise_stage.push(chunk)
        else:
            self._fan_out(chunk)

    def set_muted(self, muted: bool) -> None:
        self._muted = muted

    def end_of_speech(self) -> None:
        """Ask the STT for the final transcript once it has consumed everything heard so far."""
        stage = self._stt_stage
        if stage is not None:
            self._flushes_pending += 1
            self._settled.clear()
            stage.push_marker(self._flush_stt)

    async def transcripts_settled(self) -> None:
        """Return once every final transcript asked for (``end_of_speech``) was delivered, or
        the STT's flush returned without one (a local decoder's flush awaits its decode)."""
        await self._settled.wait()

    @property
    def final_in_flush(self) -> bool:
        """Whether the STT pushes its finals before its flush returns (a local decoder), so a
        settled wait means every final is in. Not so behind an ``stt`` stream hook."""
        return self.stt is not None and self._stt_hook() is None and self.stt.final_in_flush

    def _flush_done(self, *, all_of_them: bool = False) -> None:
        self._flushes_pending = 0 if all_of_them else max(0, self._flushes_pending - 1)
        if not self._flushes_pending:
            self._settled.set()

    def _fan_out(self, chunk: InputChunk) -> None:
        for stage in (self._vad_stage, self._stt_stage):
            if stage is not None:
                stage.push(chunk)
        if self.overlap_audio is not None:
            self.overlap_audio.push(chunk)

    async def _feed_denoised(self, pcm: bytes, arrived_at: float) -> None:
        assert self.denoise is not None
        clean = await self.denoise.denoise(pcm)
        if clean:
            self._fan_out(InputChunk(clean, self.denoise.sample_rate, arrived_at))

    async def _feed_vad(self, pcm: bytes, arrived_at: float) -> None:
        if self.vad is not None:
            await self.vad.process_audio(pcm)

    def _stt_hook(self) -> HookedSTT | None:
        """The ``stt`` stream hook's runner, once one is registered (hooks may be added after
        the pipeline was built)."""
        if self._hooked_stt is None and self._hooks is not None and self._hooks.has_stream("stt"):
            self._hooked_stt = HookedSTT(self._hooks, self._on_transcript, tasks=self._tasks)
        return self._hooked_stt

    async def _feed_stt(self, pcm: bytes, arrived_at: float) -> None:
        hooked = self._stt_hook()
        if hooked is not None:
            await hooked.push(pcm)
        elif self.stt is not None:
            await self.stt.process_audio(pcm)

    async def _flush_stt(self) -> None:
        try:
            hooked = self._stt_hook()
            if hooked is not None:
                await hooked.drained()
            if self.stt is not None:
                await self.stt.flush()
        finally:
            self._flush_done()

    # ---- results -----------------------------------------------------------------------------

    async def _on_vad(self, response: VADResponse) -> None:
        if response.event_type is VADEventType.START_OF_SPEECH:
            await self._signals.user_speech_started(self._speech_start_time(response))
        elif response.event_type is VADEventType.END_OF_SPEECH:
            await self._signals.user_speech_ended(self._speech_end_time(response))

    def _speech_start_time(self, response: VADResponse) -> float | None:
        """The arrival time of the first voiced sample, from the VAD's position in its audio."""
        start = response.data.speech_start_time
        if start is None or self._vad_stage is None:
            return None
        return self._vad_stage.timeline.time_of(start)

    def _speech_end_time(self, response: VADResponse) -> float:
        """The arrival time of the last voiced sample, from the VAD's position in its audio."""
        assert self._vad_stage is not None
        timeline = self._vad_stage.timeline
        end = response.data.speech_end_time
        if end is None:
            silence = self.vad.min_silence_duration if self.vad is not None else 0.0
            end = max(0.0, timeline.position - silence)
        at = timeline.time_of(end)
        return at if at is not None else 0.0

    async def _on_transcript(self, response: STTResponse) -> None:
        text = (response.data.text or "").strip()
        await self._signals.user_words(response.event_type, text, response.data.confidence,
                                       _last_word_confidence(response.data.words))

    # ---- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self.overlap_audio is not None:
            await self.overlap_audio.aclose()
        for attr in ("_denoise_stage", "_vad_stage", "_stt_stage"):
            stage = getattr(self, attr)
            if stage is not None:
                await stage.aclose()
        await self._tasks.aclose()


def _last_word_confidence(words: list[dict[str, Any]] | None) -> float | None:
    """The confidence the STT gave the transcript's last word, if it scores words."""
    if not words:
        return None
    value = words[-1].get("confidence")
    return float(value) if isinstance(value, numbers.Real) else None
