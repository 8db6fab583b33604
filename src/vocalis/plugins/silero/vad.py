"""``SileroVAD``: the Silero voice activity detector as a Vocalis ``VAD`` component.

Runs the Silero ONNX network on ONNX Runtime (no PyTorch), keeps streaming state across frames
of any size, and pushes START_OF_SPEECH / END_OF_SPEECH (and optionally FRAME_PROCESSED)
``VADResponse``s. Inference runs in a worker thread, one hop per ``process_audio`` call.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np

from ...vad import VAD, VADData, VADEventType, VADResponse
from .model import WINDOW_SAMPLES, SileroStream, load_session
from .segmenter import SegmentEvent, SpeechSegmenter


class SileroVAD(VAD):
    """Silero VAD on ONNX Runtime, with the reference plugin's parameter names.

    Args:
        input_sample_rate: rate of the audio the application captures. Kept for compatibility
            with the reference (which resampled inside the plugin): in Vocalis the pipeline
            resamples to ``sample_rate`` before calling ``process_audio``. Default 16000.
        model_sample_rate: rate the network runs at, 16000 (default) or 8000. This is
            ``sample_rate``, the rate ``process_audio`` expects.
        threshold: activation threshold on speech probability. Default 0.5 (the reference).
        deactivation_threshold: probability below which a window counts as silence once speech
            started; default ``max(threshold - 0.15, 0.01)`` (hysteresis, as in LiveKit).
        min_speech_duration: seconds of voiced audio before speech starts. Default 0.05.
        min_silence_duration: seconds of silence before speech ends. Default 0.4 (the
            reference Silero plugin; the bare ``VAD`` base uses 0.5).
        prefix_padding_duration: seconds of audio before the detected onset that a consumer
            should keep; reported as ``padded_start_time`` in the start event's metadata.
            Default 0.5.
        emit_frame_events: also push one FRAME_PROCESSED per call carrying the latest
            probability. Default False (it is chatty).
        model_path: an ONNX file to use instead of the bundled weights.
    """

    def __init__(
        self,
        input_sample_rate: int = 16000,
        model_sample_rate: int = 16000,
        threshold: float = 0.5,
        min_speech_duration: float = 0.05,
        min_silence_duration: float = 0.4,
        prefix_padding_duration: float = 0.5,
        deactivation_threshold: float | None = None,
        emit_frame_events: bool = False,
        model_path: str | Path | None = None,
    ) -> None:
        if model_sample_rate not in WINDOW_SAMPLES:
            raise ValueError(f"model_sample_rate must be 8000 or 16000, not {model_sample_rate}")
        if input_sample_rate <= 0:
            raise ValueError(f"input_sample_rate must be positive, not {input_sample_rate}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), not {threshold}")
        off = (
            max(threshold - 0.15, 0.01)
            if deactivation_threshold is None
            else deactivation_threshold
        )
        if not 0.0 < off <= threshold:
            raise ValueError("deactivation_threshold must be in (0, threshold]")
        if min(min_speech_duration, min_silence_duration, prefix_padding_duration) < 0:
            raise ValueError("durations must be >= 0")
        super().__init__(
            sample_rate=model_sample_rate,
            threshold=threshold,
            min_speech_duration=min_speech_duration,
            min_silence_duration=min_silence_duration,
        )
        self.input_sample_rate = input_sample_rate
        self.deactivation_threshold = off
        self.prefix_padding_duration = prefix_padding_duration
        self.emit_frame_events = emit_frame_events
        self._model_path = model_path
        self._stream: SileroStream | None = None
        self._pending = np.zeros(0, dtype=np.float32)
        self._lock = asyncio.Lock()
        window = WINDOW_SAMPLES[model_sample_rate]
        self._segmenter = SpeechSegmenter(
            window_duration=window / model_sample_rate,
            activation_threshold=threshold,
            deactivation_threshold=off,
            min_speech_duration=min_speech_duration,
            min_silence_duration=min_silence_duration,
        )

    async def prewarm(self) -> None:
        """Load the shared ONNX session off the event loop; idempotent."""
        if self._stream is None:
            session = await asyncio.to_thread(load_session, self._model_path)
            if self._stream is None:
                self._stream = SileroStream(session, self.sample_rate)

    async def process_audio(self, audio_frames: bytes, **kwargs: Any) -> None:
        """Consume 16-bit mono PCM at ``sample_rate``; frames may be any whole number of samples.

        Raises ``ValueError`` for an odd number of bytes (half a sample).
        """
        if len(audio_frames) % 2:
            raise ValueError(f"PCM16 needs an even number of bytes, got {len(audio_frames)}")
        if not audio_frames:
            return
        async with self._lock:
            await self.prewarm()
            assert self._stream is not None
            samples = np.frombuffer(audio_frames, dtype="<i2").astype(np.float32) / 32768.0
            self._pending = np.concatenate([self._pending, samples])
            whole = len(self._pending) - len(self._pending) % self._stream.window
            if whole == 0:
                return
            batch, self._pending = self._pending[:whole], self._pending[whole:]
            probs = await asyncio.to_thread(self._stream.probabilities, batch)
            for p in probs:
                event = self._segmenter.push(p)
                if event is not None:
                    await self._send(self._response(event))
            if self.emit_frame_events:
                await self._send(self._frame_response(probs[-1]))

    async def flush(self) -> None:
        """No more audio: close an open speech segment with END_OF_SPEECH."""
        async with self._lock:
            event = self._segmenter.end()
            if event is not None:
                await self._send(self._response(event))

    def reset(self) -> None:
        """Start over as a new stream (state, pending samples and clock)."""
        if self._stream is not None:
            self._stream.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._segmenter.reset()

    @property
    def speaking(self) -> bool:
        """True between START_OF_SPEECH and END_OF_SPEECH."""
        return self._segmenter.speaking

    def _response(self, event: SegmentEvent) -> VADResponse:
        start = event.kind == "start"
        data = VADData(
            is_speech=start,
            confidence=event.probability,
            timestamp=event.time,
            speech_duration=event.speech_duration,
            silence_duration=event.silence_duration,
            speech_start_time=event.speech_start_time,
            speech_end_time=event.speech_end_time,
        )
        metadata = None
        if start:
            padded = max(0.0, event.speech_start_time - self.prefix_padding_duration)
            metadata = {"padded_start_time": padded}
        kind = VADEventType.START_OF_SPEECH if start else VADEventType.END_OF_SPEECH
        return VADResponse(event_type=kind, data=data, metadata=metadata)

    def _frame_response(self, probability: float) -> VADResponse:
        data = VADData(
            is_speech=self._segmenter.speaking,
            confidence=probability,
            timestamp=self._segmenter.time,
        )
        return VADResponse(event_type=VADEventType.FRAME_PROCESSED, data=data)

    async def aclose(self) -> None:
        self._stream = None
        await super().aclose()
