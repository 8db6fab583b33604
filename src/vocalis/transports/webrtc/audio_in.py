"""Browser microphone → session: decodes aiortc audio frames to 16-bit mono PCM and pushes them.

aiortc hands out Opus-decoded ``av.AudioFrame``s (48 kHz, usually stereo s16). This module
turns any s16/float frame layout into mono s16 bytes; the pipeline resamples once, downstream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np

logger = logging.getLogger("vocalis.transports.webrtc")

PcmSink = Callable[[bytes, int], Awaitable[None]]
"""Receives ``(pcm, sample_rate)``: 16-bit mono PCM (``AgentSession.push_audio``)."""


def frame_to_mono_pcm(frame: Any) -> bytes:
    """The samples of an ``av.AudioFrame`` as 16-bit mono PCM (channels averaged).

    Accepts packed or planar layouts in ``s16``/``s16p``/``flt``/``fltp``; other formats
    raise ``ValueError`` (aiortc's Opus and PCMU/PCMA decoders produce ``s16``).
    """
    channels = len(frame.layout.channels)
    samples = frame.samples
    data = frame.to_ndarray()
    name = frame.format.name
    if frame.format.is_planar:
        arr = data.reshape(channels, samples).T
    else:
        arr = data.reshape(samples, channels)
    if name in ("s16", "s16p"):
        mixed = arr.astype(np.int32).sum(axis=1) // channels if channels > 1 else arr[:, 0]
        return np.asarray(mixed, dtype="<i2").tobytes()
    if name in ("flt", "fltp"):
        mono = arr.mean(axis=1) if channels > 1 else arr[:, 0]
        return (np.clip(mono, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    raise ValueError(f"unsupported audio frame format {name!r}")


async def pump_audio(track: Any, sink: PcmSink, *, is_ready: Callable[[], bool]) -> None:
    """Read ``track`` until it ends, passing each frame to ``sink`` while ``is_ready()``.

    Frames that arrive before the session is attached are dropped: there is nobody to hear
    them yet, and queueing them would only add latency to the first turn.
    """
    from aiortc.mediastreams import MediaStreamError

    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if not is_ready():
            continue
        try:
            pcm = frame_to_mono_pcm(frame)
        except ValueError:
            logger.warning("dropping an inbound audio frame: %s", frame.format.name)
            continue
        try:
            await sink(pcm, frame.sample_rate)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("pushing browser audio into the session failed")
