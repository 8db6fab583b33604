"""The two wire protocols of LiveKit's barge-in model, as sessions of one interruption stream.

HTTP: ``POST {base_url}/bargein`` per window, the int16 16 kHz window as an
``application/octet-stream`` body, ``threshold``, ``min_frames`` and ``created_at`` in the
query, JSON ``{created_at, is_bargein, probabilities}`` back. WebSocket: ``session.create``
first (re-sent on every connection), then binary frames of an 8-byte little-endian
``created_at`` followed by the window; ``inference_done`` or ``bargein_detected`` come back
carrying the same ``created_at``. The server's verdict (``is_bargein``, or which of the two
answers came) is the ``Prediction``'s ``is_interruption``.

Each session counts its consecutive failures against ``APIConnectOptions``: a retryable error
is recoverable while retries remain, and the next window waits the retry interval first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import numpy as np

from ..interruption import InterruptionOptions, Prediction
from ..interruption.backend import SAMPLE_RATE
from ..utils.tasks import TaskGroup
from .livekit.auth import auth_headers, ws_base
from .livekit.connection import connect_ws, parse_json
from .livekit.errors import APIConnectionError, APIConnectOptions, APIError, APIStatusError

logger = logging.getLogger("vocalis.inference.interruption")


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom a session talks: the gateway's base URL, credentials, HTTP session."""

    base_url: str
    api_key: str | None
    api_secret: str | None
    http: Callable[[], aiohttp.ClientSession]

    def headers(self) -> dict[str, Any]:
        return auth_headers(self.api_key, self.api_secret)


def _probabilities(value: Any) -> np.ndarray:
    if not isinstance(value, list):
        raise APIStatusError("malformed barge-in answer: no probabilities", status_code=502,
                             retryable=True)
    try:
        return np.asarray(value, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise APIStatusError(f"malformed barge-in probabilities: {exc}", status_code=502,
                             retryable=True) from exc


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None


class RemoteSession:
    """What both transports share: the options in force, failure counting and retry waits."""

    def __init__(self, endpoint: Endpoint, options: Callable[[], InterruptionOptions],
                 conn_options: APIConnectOptions) -> None:
        self.endpoint = endpoint
        self._options = options
        self.conn_options = conn_options
        self._failures = 0
        self._retry_at = 0.0

    @property
    def options(self) -> InterruptionOptions:
        return self._options()

    def on_failure(self, error: Exception) -> bool:
        """Recoverable: a retryable ``APIError`` while retries remain (then the next window waits
        the retry interval); otherwise the count starts over with the next window."""
        self._failures += 1
        recoverable = isinstance(error, APIError) and error.retryable and \
            self._failures <= self.conn_options.max_retry
        if recoverable:
            delay = self.conn_options.interval_for_retry(self._failures - 1)
            self._retry_at = time.monotonic() + delay
        else:
            self._failures, self._retry_at = 0, 0.0
        return recoverable

    async def _wait_for_retry(self) -> None:
        delay = self._retry_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _succeeded(self) -> None:
        self._failures, self._retry_at = 0, 0.0

    def reconfigure(self) -> None:
        """New options: HTTP sends them with the next window."""

    async def aclose(self) -> None:
        """Nothing to release."""


class HTTPBargeinSession(RemoteSession):
    """``POST {base_url}/bargein`` per window."""

    async def predict(self, window: np.ndarray) -> Prediction:
        await self._wait_for_retry()
        options = self.options
        created_at = time.perf_counter_ns()
        params = {"threshold": str(options.threshold), "min_frames": str(options.min_frames),
                  "created_at": str(created_at)}
        headers = {**self.endpoint.headers(), "Content-Type": "application/octet-stream"}
        try:
            async with self.endpoint.http().post(
                f"{self.endpoint.base_url.rstrip('/')}/bargein", params=params, headers=headers,
                data=np.asarray(window, dtype="<i2").tobytes(),
                timeout=aiohttp.ClientTimeout(total=options.inference_timeout),
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
                f"barge-in request timed out after {options.inference_timeout:g} s",
                status_code=408, retryable=False) from exc
        except aiohttp.ClientError as exc:
            raise APIConnectionError(f"barge-in request failed: {exc}") from exc
        except ValueError as exc:
            raise APIStatusError(f"malformed barge-in answer: {exc}", status_code=502) from exc
        if not isinstance(answer, dict):
            raise APIStatusError("malformed barge-in answer", status_code=502)
        prediction = Prediction(
            _probabilities(answer.get("probabilities")),
            prediction_duration=_seconds(answer.get("prediction_duration")),
            is_interruption=bool(answer.get("is_bargein")),
        )
        self._succeeded()
        return prediction


class WebSocketBargeinSession(RemoteSession):
    """One ``/bargein`` WebSocket, opened on the first window and again after a failure or
    new options; answers are matched to windows by ``created_at``."""

    def __init__(self, endpoint: Endpoint, options: Callable[[], InterruptionOptions],
                 conn_options: APIConnectOptions) -> None:
        super().__init__(endpoint, options, conn_options)
        self.url = f"{ws_base(endpoint.base_url).rstrip('/')}/bargein"
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._waiting: dict[int, asyncio.Future[Prediction]] = {}
        self._tasks = TaskGroup("vocalis.bargein")
        self.connections = 0

    def session_create(self) -> dict[str, Any]:
        options = self.options
        return {"type": "session.create", "settings": {
            "sample_rate": SAMPLE_RATE, "num_channels": 1, "threshold": options.threshold,
            "min_frames": options.min_frames, "encoding": "s16le"}}

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        """Connect and send ``session.create``; a 429 is a non-retryable quota error and a
        connect timeout a non-retryable connection error (as the reference)."""
        try:
            ws = await connect_ws(self.endpoint.http(), self.url, self.endpoint.headers(),
                                  self.conn_options.timeout)
        except APIStatusError as exc:
            if exc.status_code == 429:
                exc.retryable = False
            raise
        except APIConnectionError as exc:
            if "timed out" in str(exc):
                exc.retryable = False
            raise
        self.connections += 1
        try:
            await ws.send_str(json.dumps(self.session_create()))
        except (aiohttp.ClientError, ConnectionError) as exc:
            await ws.close()
            raise APIConnectionError(f"barge-in session.create failed: {exc}") from exc
        self._tasks.spawn(self._receive(ws), name="vocalis.bargein.receive")
        return ws

    async def predict(self, window: np.ndarray) -> Prediction:
        await self._wait_for_retry()
        ws = self._ws
        if ws is None or ws.closed:
            ws = self._ws = await self._connect()
        timeout = self.options.inference_timeout
        created_at = time.perf_counter_ns()
        future: asyncio.Future[Prediction] = asyncio.get_running_loop().create_future()
        self._waiting[created_at] = future
        try:
            await ws.send_bytes(struct.pack("<Q", created_at)
                                + np.asarray(window, dtype="<i2").tobytes())
            async with asyncio.timeout(timeout):
                prediction = await future
        except TimeoutError as exc:
            raise APIStatusError(f"no barge-in answer in {timeout:g} s", status_code=408,
                                 retryable=False) from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise APIConnectionError(f"barge-in send failed: {exc}") from exc
        finally:
            self._waiting.pop(created_at, None)
        self._succeeded()
        return prediction

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
        if self._ws is ws:
            self._ws = None
        if not ws.closed:
            await ws.close()
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(failure)

    def _answer(self, message: dict[str, Any], is_bargein: bool) -> None:
        created_at = message.get("created_at")
        future = self._waiting.get(created_at) if isinstance(created_at, int) else None
        if future is None or future.done():
            logger.debug("barge-in: answer for an unknown or expired request")
            return
        try:
            future.set_result(Prediction(
                _probabilities(message.get("probabilities")),
                prediction_duration=_seconds(message.get("prediction_duration")),
                is_interruption=is_bargein,
            ))
        except APIStatusError as exc:
            future.set_exception(exc)

    def on_failure(self, error: Exception) -> bool:
        """Also drops the connection: the next window opens a new one."""
        self._drop()
        return super().on_failure(error)

    def reconfigure(self) -> None:
        """New options go in ``session.create``: close now, reconnect with the next window."""
        self._drop()

    def _drop(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            self._tasks.spawn(self._close(ws), name="vocalis.bargein.close")

    @staticmethod
    async def _close(ws: aiohttp.ClientWebSocketResponse) -> None:
        with contextlib.suppress(aiohttp.ClientError, ConnectionError):
            await ws.send_str(json.dumps({"type": "session.close"}))
        await ws.close()

    async def aclose(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            await self._close(ws)
        await self._tasks.aclose()
