"""Fixtures for the SIP tests: baresip phones and Piper speech files they play."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from .baresip import BARESIP, Baresip

if importlib.util.find_spec("pjsua2") is None:
    pytest.skip("pjsua2 not installed (pip install 'vocalis[sip]')", allow_module_level=True)
if BARESIP is None:
    pytest.skip("baresip not installed (apt-get install baresip-core)", allow_module_level=True)


async def piper_wav(path: Path, text: str, rate: int, lead: float, tail: float) -> Path:
    """``text`` spoken by Piper at ``rate``, between ``lead`` and ``tail`` seconds of silence."""
    from vocalis.audio import resample_pcm, write_wav
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    pcm = b"".join([chunk async for chunk in tts.stream_synthesize(text)])
    speech = resample_pcm(pcm, tts.sample_rate, rate)
    write_wav(path, bytes(int(rate * lead) * 2) + speech + bytes(int(rate * tail) * 2), rate)
    return path


@pytest.fixture
async def phones(tmp_path: Path) -> AsyncIterator[Callable[..., asyncio.Future[Baresip]]]:
    """``await phones(name, source=..., codecs=..., answer=...)`` starts a baresip phone; all are
    stopped after the test."""
    started: list[Baresip] = []

    async def start(name: str, **kwargs: object) -> Baresip:
        phone = Baresip(tmp_path, name, **kwargs)  # type: ignore[arg-type]
        started.append(phone)
        await phone.start()
        return phone

    yield start  # type: ignore[misc]
    for phone in started:
        await phone.stop()


async def transcribe_pcm(pcm: object, rate: int) -> str:
    """What Whisper tiny.en hears in ``pcm`` (int16 mono at ``rate``)."""
    import numpy as np
    import soxr

    from vocalis.plugins.whisper import transcribe

    audio = soxr.resample(np.asarray(pcm, dtype=np.float32) / 32768.0, rate, 16000)
    result = await asyncio.to_thread(transcribe, audio.astype(np.float32), beam_size=1)
    return result.text
