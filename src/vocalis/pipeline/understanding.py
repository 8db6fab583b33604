"""The understanding stage: user audio → denoise → VAD and STT, resampled once per edge.

It also keeps the mapping from input-audio time to loop time, so the moment the VAD places the
end of speech (in seconds of audio) can be turned into a clock reading for latency figures.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from ..audio import StreamResampler
from ..denoise import Denoise
from ..stt import STT, STTResponse
from ..utils.clock import now
from ..vad import VAD, VADResponse

logger = logging.getLogger("vocalis.pipeline.understanding")

ErrorCallback = Callable[[str, BaseException], None]


class SpeechUnderstanding:
    """Routes user PCM to the denoiser, the VAD and the STT."""

    def __init__(
        self,
        *,
        stt: STT | None,
        vad: VAD | None,
        denoise: Denoise | None,
        on_vad: Callable[[VADResponse], Awaitable[None]],
        on_transcript: Callable[[STTResponse], Awaitable[None]],
        on_error: ErrorCallback,
    ) -> None:
        self.stt = stt
        self.vad = vad
        self.denoise = denoise
        self._on_vad = on_vad
        self._on_transcript = on_transcript
        self._on_error = on_error
        self._resamplers: dict[tuple[int, int], StreamResampler] = {}
        self._audio_seconds = 0.0
        self._audio_clock_at = now()
        self.muted = False
        """While set (a non-interruptible utterance plays), user audio is replaced by silence:
        nothing the user says becomes a turn, and VAD and STT timelines stay continuous."""
        self._wire()

    def _wire(self) -> None:
        if self.vad is not None:
            self.vad.on_vad_event(self._on_vad)
        if self.stt is not None:
            self.stt.on_stt_transcript(self._on_transcript)

    def replace(self, *, stt: STT | None, vad: VAD | None, denoise: Denoise | None) -> None:
        """Swap the components at run time (``change_component``)."""
        self.stt, self.vad, self.denoise = stt, vad, denoise
        self._wire()

    def loop_time_of(self, audio_seconds: float) -> float:
        """The clock reading at which input audio at ``audio_seconds`` arrived."""
        return self._audio_clock_at - (self._audio_seconds - audio_seconds)

    @property
    def audio_seconds(self) -> float:
        """Seconds of user audio received so far."""
        return self._audio_seconds

    def _resample(self, pcm: bytes, src: int, dst: int) -> bytes:
        if src == dst:
            return pcm
        key = (src, dst)
        resampler = self._resamplers.get(key)
        if resampler is None:
            resampler = self._resamplers[key] = StreamResampler(src, dst)
        return resampler.push(pcm)

    async def push_audio(self, pcm: bytes, sample_rate: int) -> None:
        """Feed one chunk of 16-bit mono PCM from the transport."""
        if len(pcm) % 2:
            self._on_error("audio", ValueError("odd-length PCM chunk: last byte dropped"))
            pcm = pcm[:-1]
        if not pcm:
            return
        self._audio_seconds += len(pcm) / 2 / sample_rate
        self._audio_clock_at = now()
        if self.muted:
            pcm = bytes(len(pcm))
        rate = sample_rate
        if self.denoise is not None:
            pcm = self._resample(pcm, rate, self.denoise.sample_rate)
            rate = self.denoise.sample_rate
            if pcm:
                try:
                    pcm = await self.denoise.denoise(pcm)
                except Exception as exc:
                    self._on_error("denoise", exc)
        if not pcm:
            return
        if self.vad is not None:
            vad_pcm = self._resample(pcm, rate, self.vad.sample_rate)
            if vad_pcm:
                try:
                    await self.vad.process_audio(vad_pcm)
                except Exception as exc:
                    self._on_error("vad", exc)
        if self.stt is not None:
            stt_pcm = self._resample(pcm, rate, getattr(self.stt, "input_sample_rate", 16000))
            if stt_pcm:
                try:
                    await self.stt.process_audio(stt_pcm)
                except Exception as exc:
                    self._on_error("stt", exc)

    async def flush_stt(self) -> None:
        """End of speech: ask the STT for its final transcript now."""
        if self.stt is None:
            return
        try:
            await self.stt.flush()
        except Exception as exc:
            self._on_error("stt", exc)

