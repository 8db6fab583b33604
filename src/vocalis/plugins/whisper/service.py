"""The process-wide Whisper service: one model, its decoder, and the inference scheduler that
every ``WhisperSTT`` of the process shares (one stream per session).

Whisper is the most expensive part of a call, and sessions decoding on their own threads fight
for the same cores with nobody deciding what matters most. Here one scheduler runs every decode:
finals before pause decodes before interims, fairly across sessions, stale interims dropped,
interims never on the last free worker (a final does not wait for one), equal work batched
(``vocalis.utils.inference_scheduler``).
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...utils.inference_scheduler import InferenceScheduler
from ...utils.model_cache import shared_model
from .decoder import DEFAULT_CONTEXT_SECONDS, DecodeOptions, WhisperDecoder
from .model import Transcription, load_model

FINAL, PAUSE, INTERIM = 0, 1, 2
"""Scheduler priorities: a final transcript, a speculative decode at a pause, an interim."""


@dataclass(frozen=True)
class WhisperSettings:
    """What one process-wide Whisper service is built from.

    ``workers`` decoding threads (0: one per core) each use ``cpu_threads`` CTranslate2 threads
    (0: the cores divided among the workers); ``max_batch`` decodes of equal kind may share one
    model call; ``fitted_window`` encodes only the utterance and ``context`` is how many seconds
    of encoded audio the decoder then reads (see ``decoder``). The defaults
    are the most decodes per CPU second measured on a 2-core machine
    (``benchmarks/whisper_decode.py``): one single-threaded worker per core, batches of up to 4.
    """

    model: str = "tiny.en"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0
    workers: int = 0
    max_batch: int = 4
    fitted_window: bool = True
    context: float = DEFAULT_CONTEXT_SECONDS

    def resolved(self) -> WhisperSettings:
        """These settings with the automatic thread counts filled in."""
        cores = os.cpu_count() or 1
        workers = self.workers or cores
        threads = self.cpu_threads or max(1, cores // workers)
        return WhisperSettings(self.model, self.device, self.compute_type, threads, workers,
                               self.max_batch, self.fitted_window, self.context)


class WhisperService:
    """A loaded model, its decoder and the scheduler running its decodes."""

    def __init__(self, settings: WhisperSettings) -> None:
        self.settings = settings
        model = load_model(settings.model, settings.device, settings.compute_type,
                           settings.cpu_threads, settings.workers)
        self.decoder = WhisperDecoder(model, fitted_window=settings.fitted_window,
                                      context=settings.context)
        self.decoder.decode([np.zeros(16000, dtype=np.float32)], DecodeOptions())  # warm up
        self.scheduler: InferenceScheduler[np.ndarray, Transcription] = InferenceScheduler(
            self._run, workers=settings.workers, max_batch=settings.max_batch,
            background_priority=INTERIM, reserved=1, name=f"whisper-{settings.model}",
        )

    def _run(self, key: Hashable, audios: list[np.ndarray]) -> list[Transcription]:
        assert isinstance(key, DecodeOptions)
        return self.decoder.decode(audios, key)


def whisper_service(settings: WhisperSettings) -> WhisperService:
    """The process-wide service for ``settings`` (built once, blocking: call from a thread)."""
    resolved = settings.resolved()
    key = "whisper-service:" + ":".join(str(v) for v in resolved.__dict__.values())
    service: Any = shared_model(key, lambda: WhisperService(resolved))
    return service
