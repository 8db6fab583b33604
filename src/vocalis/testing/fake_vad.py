"""A VAD for tests: speech is any audio louder than a threshold (the script's tone)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..vad import VAD, VADData, VADEventType, VADResponse


class FakeVAD(VAD):
    """Energy VAD with the reference's timing rules (min speech, min silence)."""

    def __init__(
        self,
        sample_rate: int = 16000,
        min_speech_duration: float = 0.05,
        min_silence_duration: float = 0.3,
        energy_threshold: float = 300.0,
    ) -> None:
        super().__init__(
            sample_rate=sample_rate,
            min_speech_duration=min_speech_duration,
            min_silence_duration=min_silence_duration,
        )
        self._energy_threshold = energy_threshold
        self._position = 0.0
        self._speaking = False
        self._voiced_run = 0.0
        self._silence_run = 0.0
        self._speech_start = 0.0
        self._last_voiced_end = 0.0
        self.events: list[VADResponse] = []

    async def process_audio(self, audio_frames: bytes, **kwargs: Any) -> None:
        samples = np.frombuffer(audio_frames, dtype=np.int16)
        if samples.size == 0:
            return
        duration = samples.size / self._sample_rate
        voiced = float(np.sqrt(np.mean(samples.astype(np.float32) ** 2))) > self._energy_threshold
        start = self._position
        self._position += duration
        if voiced:
            self._silence_run = 0.0
            self._last_voiced_end = self._position
            if not self._speaking:
                if self._voiced_run == 0.0:
                    self._speech_start = start
                self._voiced_run += duration
                if self._voiced_run >= self._min_speech_duration:
                    self._speaking = True
                    await self._emit(VADEventType.START_OF_SPEECH, True)
        else:
            self._voiced_run = 0.0
            if self._speaking:
                self._silence_run += duration
                if self._silence_run >= self._min_silence_duration:
                    self._speaking = False
                    await self._emit(VADEventType.END_OF_SPEECH, False)

    async def _emit(self, kind: VADEventType, is_speech: bool) -> None:
        response = VADResponse(
            event_type=kind,
            data=VADData(
                is_speech=is_speech,
                confidence=1.0,
                timestamp=self._position,
                speech_start_time=self._speech_start,
                speech_end_time=None if is_speech else self._last_voiced_end,
                speech_duration=self._last_voiced_end - self._speech_start,
                silence_duration=self._silence_run,
            ),
        )
        self.events.append(response)
        await self._send(response)
