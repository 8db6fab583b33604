"""The two wire protocols of LiveKit's barge-in model: HTTP ``POST /bargein`` and the
``/bargein`` WebSocket. Both expose one call, ``predict(window)``, so the detector's windowing
logic does not care which one it talks to.

HTTP: the int16 16 kHz window as an ``application/octet-stream`` body, ``threshold``,
``min_frames`` and ``created_at`` in the query, JSON ``{created_at, is_bargein, probabilities}``
back. WebSocket: ``session.create`` first (re-sent on every connection), then binary frames of an
8-byte little-endian ``created_at`` followed by the window; ``inference_done`` or
``bargein_detected`` come back carrying the same ``created_at``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np

from .livekit.auth import auth_headers, ws_base
from .livekit.connection import connect_ws, parse_json
from .livekit.errors import APIConnectionError, APIStatusError

logger = logging.getLogger("vocalis.inference.interruption")

SAMPLE_RATE = 16000


@dataclass
class InterruptionPrediction:
    """One answer of the model for one window."""

    created_at: int  #: the request's ``perf_counter_ns`` stamp, echoed by the server
    is_bargein: bool
    probabilities: np.ndarray = field(repr=False)
    prediction_duration: float  #: seconds the model took (server-side; 0 when unknown)
    total_duration: float  #: round trip, seconds


@dataclass
class DetectionSettings:
    threshold: float
    min_frames: int


def _probabilities(value: Any) -> np.ndarray:
    if not isinstance(value, list):
        raise APIStatusError("malformed barge-in answer: no probabilities", status_code=502,
                             retryable=True)
    return np.asarray(value, dtype=np.float32)


class HTTPInterruptionBackend:
    """``POST {base_url}/bargein`` per window."""

    def __init__(
        self, base_url: str, settings: DetectionSettings, *, api_key: str | None,
        api_secret: str | None, inference_timeout: float, session: aiohttp.ClientSession,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self._api_key, self._api_secret = api_key, api_secret
        self.inference_timeout = inference_timeout
        self._session = session

    async def start(self) -> None:
        """Nothing to open: each window is its own request."""

    async def predict(self, window: np.ndarray) -> InterruptionPrediction:
        created_at = time.perf_counter_ns()
        params = {"threshold": str(self.settings.threshold),
                  "min_frames": str(self.settings.min_frames), "created_at": str(created_at)}
        headers = {**auth_headers(self._api_key, self._api_secret),
                   "Content-Type": "application/octet-stream"}
        started = time.perf_counter()
        try:
            async with self._session.post(
                f"{self.base_url}/bargein", params=params, headers=headers,
                data=window.astype("<i2").tobytes(),
                timeout=aiohttp.ClientTimeout(total=self.inference_timeout),
            ) as response:
                if response.status >= 300:
                    body = await response.text()
                    raise APIStatusError(
                        f"barge-in request failed: HTTP {response.status}: {body[:200]}",
                        status_code=response.status, body=body,
                        retryable=response.status != 429 and response.status >= 500)
                answer = await response.json(content_type=None)
        except TimeoutError as exc:
            raise APIStatusError(
                f"barge-in request timed out after {self.inference_timeout:g} s",
                status_code=408, retryable=False) from exc
        except aiohttp.ClientError as exc:
            raise APIConnectionError(f"barge-in request failed: {exc}") from exc
        except ValueError as exc:
            raise APIStatusError(f"malformed barge-in answer: {exc}", status_code=502) from exc
        if not isinstance(answer, dict):
            raise APIStatusError("malformed barge-in answer", status_code=502)
        total = time.perf_counter() - started
        return InterruptionPrediction(
            created_at=int(answer.get("created_at") or created_at),
            is_bargein=bool(answer.get("is_bargein")),
            probabilities=_probabilities(answer.get("probabilities")),
            prediction_duration=float(answer.get("prediction_duration") or 0.0),
            total_duration=total,
        )

    async def aclose(self) -> None:
        """Nothing to close."""


class WebSocketInterruptionBackend:
    """One ``/bargein`` WebSocket session; answers are matched to requests by ``created_at``."""

    def __init__(
        self, base_url: str, settings: DetectionSettings, *, api_key: str | None,
        api_secret: str | None, inference_timeout: float, connect_timeout: float,
        session: aiohttp.ClientSession,
    ) -> None:
        self.url = f"{ws_base(base_url).rstrip('/')}/bargein"
        self.settings = settings
        self._api_key, self._api_secret = api_key, api_secret
        self.inference_timeout = inference_timeout
        self.connect_timeout = connect_timeout
        self._session = session
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._waiting: dict[int, tuple[asyncio.Future[InterruptionPrediction], float]] = {}
        self._receiver: asyncio.Task[None] | None = None
        self._failure: Exception | None = None
        self.connections = 0

    def session_create(self) -> dict[str, Any]:
        return {"type": "session.create", "settings": {
            "sample_rate": SAMPLE_RATE, "num_channels": 1,
            "threshold": self.settings.threshold, "min_frames": self.settings.min_frames,
            "encoding": "s16le"}}

    async def start(self) -> None:
        """Connect and send ``session.create``; a 429 is a non-retryable quota error and a
        timeout a non-retryable connection error."""
        try:
            ws = await connect_ws(self._session, self.url,
                                  auth_headers(self._api_key, self._api_secret),
                                  self.connect_timeout)
        except APIStatusError as exc:
            if exc.status_code == 429:
                exc.retryable = False
            raise
        except APIConnectionError as exc:
            if "timed out" in str(exc):
                exc.retryable = False
            raise
        self._ws = ws
        self._failure = None
        self.connections += 1
        await ws.send_str(json.dumps(self.session_create()))
        self._receiver = asyncio.ensure_future(self._receive(ws))

    async def predict(self, window: np.ndarray) -> InterruptionPrediction:
        ws = self._ws
        if self._failure is not None:
            raise self._failure
        if ws is None or ws.closed:
            raise APIStatusError("barge-in connection closed unexpectedly", status_code=-1)
        oldest = min((sent for _, sent in self._waiting.values()), default=None)
        if oldest is not None and time.perf_counter() - oldest > self.inference_timeout:
            raise APIStatusError("barge-in answer overdue", status_code=408, retryable=False)
        created_at = time.perf_counter_ns()
        future: asyncio.Future[InterruptionPrediction] = asyncio.get_running_loop().create_future()
        self._waiting[created_at] = (future, time.perf_counter())
        try:
            await ws.send_bytes(struct.pack("<Q", created_at) + window.astype("<i2").tobytes())
            async with asyncio.timeout(self.inference_timeout):
                return await future
        except TimeoutError as exc:
            raise APIStatusError(
                f"no barge-in answer in {self.inference_timeout:g} s", status_code=408,
                retryable=False) from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise APIConnectionError(f"barge-in send failed: {exc}") from exc
        finally:
            self._waiting.pop(created_at, None)

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        failure: Exception = APIStatusError("barge-in connection closed unexpectedly",
                                            status_code=-1)
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            message = parse_json(msg.data)
            if message is None:
                logger.warning("barge-in: malformed message skipped: %r", msg.data[:200])
                continue
            kind = message.get("type")
            if kind in ("bargein_detected", "inference_done"):
                self._answer(message, kind == "bargein_detected")
            elif kind == "error":
                code = message.get("code")
                failure = APIStatusError(str(message.get("message") or "barge-in error"),
                                         status_code=code if isinstance(code, int) else -1,
                                         body=message)
                break
            elif kind == "session.closed":
                break
        self._failure = failure
        for future, _ in self._waiting.values():
            if not future.done():
                future.set_exception(failure)

    def _answer(self, message: dict[str, Any], is_bargein: bool) -> None:
        created_at = message.get("created_at")
        entry = self._waiting.get(created_at) if isinstance(created_at, int) else None
        if entry is None:
            logger.debug("barge-in: answer for an unknown or expired request")
            return
        future, sent = entry
        if future.done():
            return
        try:
            probabilities = _probabilities(message.get("probabilities"))
        except APIStatusError as exc:
            future.set_exception(exc)
            return
        future.set_result(InterruptionPrediction(
            created_at=created_at, is_bargein=is_bargein, probabilities=probabilities,
            prediction_duration=float(message.get("prediction_duration") or 0.0),
            total_duration=time.perf_counter() - sent))

    async def aclose(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await ws.send_str(json.dumps({"type": "session.close"}))
            await ws.close()
        if self._receiver is not None:
            self._receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._receiver
