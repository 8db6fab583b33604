"""LiveKit's barge-in protocol, served: ``POST /v1/bargein`` and the ``/v1/bargein`` WebSocket,
scored by the local interruption model through its process-wide scheduler.

HTTP: an int16 16 kHz window as the body, ``threshold``, ``min_frames`` and ``created_at`` in
the query; ``{created_at, is_bargein, probabilities, prediction_duration}`` back. WebSocket:
``session.create`` (16 kHz mono s16le, threshold, min_frames) first, then binary frames of an
8-byte little-endian ``created_at`` and the window; each is answered with
``bargein_detected`` or ``inference_done`` carrying the same ``created_at``.

The model's probabilities are served on the reference's scale: its operating point (0.99 on
its own scale) reads 0.5, the reference client's default threshold, and below 0.1 (where the
model is sure it is no interruption) they are unchanged. A window that would wait longer than
the client waits (0.7 s) is refused at once: HTTP 429, or an ``error`` (code 503) on the socket.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiohttp import web

from ..interruption import conservative_probability
from ..plugins.interruption.service import MIN_FRAMES_SCORED, InterruptionService, Window
from ..utils.inference_scheduler import Dropped, InferenceStream
from ..utils.tasks import TaskGroup
from .channel import Channel

logger = logging.getLogger("vocalis.gateway.bargein")

SAMPLE_RATE = 16000
MAX_WINDOW_SAMPLES = 3 * SAMPLE_RATE
"""The reference's longest window (``max_audio_duration`` is at most 3 s)."""
CLIENT_TIMEOUT = 0.7
"""The reference client's ``inference_timeout``: an answer later than this is not awaited."""
LOW = 0.1
"""Probabilities up to this are served unchanged."""
MAX_IN_FLIGHT = 8
"""Windows of one WebSocket session being scored at once (more: refused)."""


class BadRequest(ValueError):
    """A malformed window or setting."""


def calibrated(probabilities: np.ndarray, operating_point: float) -> np.ndarray:
    """The model's probabilities on the reference's scale: ``operating_point`` reads 0.5."""
    op = min(max(operating_point, LOW + 1e-3), 1 - 1e-3)
    return np.interp(probabilities, [0.0, LOW, op, 1.0], [0.0, LOW, 0.5, 1.0]).astype(np.float32)


@dataclass(frozen=True)
class Settings:
    """A client's decision settings: the threshold on the conservative probability, and how
    many 25 ms frames must reach it."""

    threshold: float = 0.5
    min_frames: int = 2

    @classmethod
    def parse(cls, threshold: Any, min_frames: Any) -> Settings:
        try:
            t = cls.threshold if threshold is None else float(threshold)
            n = cls.min_frames if min_frames is None else int(min_frames)
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"bad threshold or min_frames: {exc}") from exc
        if not 0.0 <= t <= 1.0:
            raise BadRequest(f"threshold must be within [0, 1], got {t}")
        if not 1 <= n <= 120:
            raise BadRequest(f"min_frames must be within 1-120, got {n}")
        return cls(t, n)


def window_of(pcm: bytes) -> np.ndarray:
    """The int16 window in ``pcm``; ``BadRequest`` when empty, odd or longer than 3 s."""
    if not pcm or len(pcm) % 2:
        raise BadRequest("the window must be whole 16-bit samples (and not empty)")
    if len(pcm) // 2 > MAX_WINDOW_SAMPLES:
        raise BadRequest(f"the window is longer than {MAX_WINDOW_SAMPLES // SAMPLE_RATE} s")
    return np.frombuffer(pcm, dtype="<i2")


class Scorer:
    """One session's scorer: a stream on the interruption service's scheduler."""

    def __init__(self, service: InterruptionService, settings: Settings, name: str) -> None:
        self.settings = settings
        self._operating_point = service.threshold
        self._stream: InferenceStream[Window, np.ndarray] = service.open_stream(name)

    async def score(self, window: np.ndarray) -> tuple[np.ndarray, bool, float]:
        """(probabilities on the reference's scale, the verdict, seconds it took); ``Dropped``
        when the service is too busy to answer within the client's timeout."""
        started = time.perf_counter()
        frames = max(MIN_FRAMES_SCORED, self.settings.min_frames)
        raw = await self._stream.submit(Window(window, frames), max_wait=CLIENT_TIMEOUT)
        probabilities = calibrated(raw, self._operating_point)
        probability = conservative_probability(probabilities, self.settings.min_frames)
        return probabilities, probability >= self.settings.threshold, time.perf_counter() - started

    def close(self) -> None:
        self._stream.close()


def answer(created_at: int, probabilities: np.ndarray, seconds: float) -> dict[str, Any]:
    return {"created_at": created_at, "prediction_duration": round(seconds, 4),
            "probabilities": [round(float(p), 4) for p in probabilities]}


async def serve_http(request: web.Request, service: InterruptionService) -> web.Response:
    """``POST /v1/bargein``: one window, one answer."""
    try:
        settings = Settings.parse(request.query.get("threshold"), request.query.get("min_frames"))
        created_at = int(request.query.get("created_at") or time.perf_counter_ns())
        window = window_of(await request.read())
    except (BadRequest, ValueError) as exc:
        return web.json_response({"error": str(exc)}, status=400)
    scorer = Scorer(service, settings, f"bargein-http-{created_at}")
    try:
        probabilities, verdict, seconds = await scorer.score(window)
    except Dropped as exc:
        return web.json_response({"error": f"gateway busy ({exc.reason}): try later"},
                                 status=429)
    finally:
        scorer.close()
    return web.json_response({**answer(created_at, probabilities, seconds),
                              "is_bargein": verdict})


def error(text: str, code: int, session_id: str) -> dict[str, Any]:
    return {"type": "error", "message": text, "code": code, "session_id": session_id}


async def serve_ws(channel: Channel, service: InterruptionService) -> None:
    """The ``/v1/bargein`` WebSocket: ``session.create``, then windows until ``session.close``."""
    session_id = uuid.uuid4().hex
    messages = channel.messages()
    first = await anext(messages, None)
    if not isinstance(first, dict) or first.get("type") != "session.create":
        if first is not None:
            await channel.send(error('the first message must be {"type": "session.create"}',
                                     400, session_id))
        return
    settings_in = first.get("settings") if isinstance(first.get("settings"), dict) else {}
    try:
        _check_audio_format(settings_in)
        settings = Settings.parse(settings_in.get("threshold"), settings_in.get("min_frames"))
    except BadRequest as exc:
        await channel.send(error(str(exc), 400, session_id))
        return
    scorer = Scorer(service, settings, f"bargein-{session_id[:8]}")
    tasks = TaskGroup("vocalis.gateway.bargein")
    in_flight: set[asyncio.Task[None]] = set()
    await channel.send({"type": "session.created", "session_id": session_id})
    try:
        async for message in messages:
            if isinstance(message, bytes):
                if len(in_flight) >= MAX_IN_FLIGHT:
                    await channel.send(error("too many windows in flight", 503, session_id))
                    continue
                task = tasks.spawn(_score(channel, scorer, message, session_id))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            elif message.get("type") == "session.close":
                if in_flight:  # answer the windows in flight first
                    await asyncio.wait(set(in_flight), timeout=CLIENT_TIMEOUT)
                await channel.send({"type": "session.closed", "session_id": session_id})
                return
            elif message.get("type") != "session.create":
                await channel.send(error(f"unknown message type {message.get('type')!r}", 400,
                                         session_id))
    finally:
        await tasks.aclose()
        scorer.close()


def _check_audio_format(settings: dict[str, Any]) -> None:
    if str(settings.get("sample_rate") or SAMPLE_RATE) != str(SAMPLE_RATE):
        raise BadRequest("only 16000 Hz audio is scored")
    if str(settings.get("num_channels") or 1) != "1":
        raise BadRequest("only mono audio is scored (num_channels must be 1)")
    if settings.get("encoding", "s16le") != "s16le":
        raise BadRequest("only s16le audio is scored")


async def _score(channel: Channel, scorer: Scorer, frame: bytes, session_id: str) -> None:
    if len(frame) < 8:
        await channel.send(error("a window frame starts with an 8-byte created_at", 400,
                                 session_id))
        return
    (created_at,) = struct.unpack("<Q", frame[:8])
    try:
        window = window_of(frame[8:])
        probabilities, verdict, seconds = await scorer.score(window)
    except BadRequest as exc:
        await channel.send(error(str(exc), 400, session_id))
        return
    except Dropped as exc:
        await channel.send(error(f"gateway busy ({exc.reason})", 503, session_id))
        return
    kind = "bargein_detected" if verdict else "inference_done"
    await channel.send({"type": kind, **answer(created_at, probabilities, seconds)})
