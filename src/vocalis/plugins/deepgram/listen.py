"""The streaming-session machinery shared by Deepgram's ``/v1/listen`` and ``/v2/listen`` clients.

Owns one websocket at a time: lazy connect with a timeout, the receive loop (a malformed or
unexpected server message becomes an ``"error"`` event and the session goes on), keepalive
while idle, reconnect after a drop with replay of the audio the server had not finalized, and
an orderly close. Subclasses only build the URL and turn server messages into ``STTResponse``s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import abstractmethod
from typing import Any

import aiohttp

from ...stt.stt import STT, STTError, STTResponse
from ...utils.clock import now
from ...utils.tasks import TaskGroup
from .connection import open_websocket, parse_json_message, resolve_api_key
from .replay import AudioReplayBuffer

logger = logging.getLogger("vocalis.plugins.deepgram")

#: First wait before retrying a failed connect; doubles up to ``_MAX_BACKOFF``.
_INITIAL_BACKOFF = 0.5
_MAX_BACKOFF = 10.0
#: A connection that ends sooner than this counts as a quick drop: the second quick drop in a
#: row starts the backoff, so a server that accepts and hangs up at once is not hammered.
_HEALTHY_SECONDS = 2.0
#: Close codes by which Deepgram reports a fault (others are plain drops, recovered silently).
_ERROR_CLOSE_CODES = {1008, 1011}


class DeepgramListenBase(STT):
    """A Deepgram live-transcription websocket session (internal base of the STT clients)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        sample_rate: int,
        connect_timeout: float,
        keepalive_interval: float | None,
        close_timeout: float,
        max_replay_seconds: float,
        chunk_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self._api_key = resolve_api_key(api_key)
        self.base_url = base_url
        self.input_sample_rate = sample_rate
        self.connect_timeout = connect_timeout
        self.keepalive_interval = keepalive_interval
        self.close_timeout = close_timeout
        self._chunk_bytes = chunk_bytes
        self._replay = AudioReplayBuffer(sample_rate, max_replay_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._receive_task: asyncio.Task[None] | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._tasks = TaskGroup(f"{type(self).__name__}")
        self._connect_lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()
        self._last_send = 0.0
        self._retry_at = 0.0
        self._backoff = _INITIAL_BACKOFF
        self._connected_at = 0.0
        self._quick_drops = 0
        self._closed = False
        self.connections = 0  #: websocket connections opened so far (diagnostics)

    # -- subclass hooks -------------------------------------------------------------------

    @abstractmethod
    def _build_url(self) -> str:
        """The full websocket URL with query parameters."""

    @abstractmethod
    async def _handle_message(self, message: dict[str, Any]) -> None:
        """Act on one JSON message from the server."""

    @abstractmethod
    async def _send_keepalive(self) -> None:
        """Keep an idle connection open."""

    @abstractmethod
    def _flush_message(self) -> dict[str, Any]:
        """The control message that forces a final result."""

    def _close_messages(self) -> list[dict[str, Any]]:
        """The control messages that end the stream gracefully."""
        return [{"type": "CloseStream"}]

    def _on_connected(self) -> None:
        """Reset per-connection state (called before the replay is sent)."""

    # -- public contract ------------------------------------------------------------------

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Stream 16-bit mono PCM at ``input_sample_rate``; results arrive via the callback.

        Failures never raise here: they are emitted as ``"error"`` (an ``STTError``) and the
        audio is kept, to be replayed once a connection is back.
        """
        if self._closed or not audio_frames:
            return
        self._replay.append(bytes(audio_frames))
        await self._ensure_connected()
        await self._pump()

    async def flush(self) -> None:
        """Send any held-back audio and ask the server to finalize what it has."""
        if self._closed:
            return
        await self._ensure_connected()
        await self._pump(final=True)
        await self._send_json(self._flush_message())

    async def prewarm(self) -> None:
        """Open the websocket ahead of the first audio."""
        await self._ensure_connected()

    async def aclose(self) -> None:
        """Send the remaining audio and the close message, wait briefly for the last results."""
        if self._closed:
            return
        self._closed = True
        ws = self._ws
        if ws is not None and not ws.closed:
            await self._pump(final=True)
            for message in self._close_messages():
                await self._send_json(message)
            if self._receive_task is not None:
                await asyncio.wait({self._receive_task}, timeout=self.close_timeout)
            await ws.close()
        self._ws = None
        await self._tasks.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await super().aclose()

    # -- connection -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a websocket is open right now."""
        return self._ws is not None and not self._ws.closed

    async def _ensure_connected(self) -> None:
        if self.connected or self._closed:
            return
        async with self._connect_lock:
            if self.connected or self._closed or now() < self._retry_at:
                return
            if self._session is None:
                self._session = aiohttp.ClientSession()
            try:
                ws = await open_websocket(
                    self._session,
                    self._build_url(),
                    self._api_key,
                    timeout=self.connect_timeout,
                    error_cls=STTError,
                )
            except STTError as exc:
                self._retry_at = now() + self._backoff
                self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
                self._report(exc)
                return
            self._backoff = _INITIAL_BACKOFF
            self._ws = ws
            self.connections += 1
            self._connected_at = now()
            self._last_send = now()
            self._replay.restart()
            self._on_connected()
            self._receive_task = self._tasks.spawn(self._receive_loop(ws), name="deepgram-recv")
            if self.keepalive_interval and self._keepalive_task is None:
                self._keepalive_task = self._tasks.spawn(self._keepalive_loop())
        await self._pump()

    async def _pump(self, *, final: bool = False) -> None:
        """Send the audio not yet sent on this connection (the replay, after a reconnect)."""
        async with self._send_lock:
            ws = self._ws
            if ws is None or ws.closed:
                return
            try:
                for chunk in self._replay.take_unsent(self._chunk_bytes, final=final):
                    await ws.send_bytes(chunk)
                    self._last_send = now()
            except (aiohttp.ClientError, ConnectionError) as exc:
                logger.warning("deepgram: audio send failed: %s", exc)
                await self._drop(ws)

    async def _send_json(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            ws = self._ws
            if ws is None or ws.closed:
                return
            try:
                await ws.send_str(json.dumps(message))
                self._last_send = now()
            except (aiohttp.ClientError, ConnectionError) as exc:
                logger.warning("deepgram: control send failed: %s", exc)
                await self._drop(ws)

    async def _drop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self._ws is ws:
            self._ws = None
        with contextlib.suppress(aiohttp.ClientError, ConnectionError):
            await ws.close()

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await self._dispatch_text(msg.data)
            elif msg.type == aiohttp.WSMsgType.ERROR:
                logger.warning("deepgram: websocket error: %s", ws.exception())
                break
        if self._ws is ws:
            self._ws = None
        if self._closed:
            return
        code = ws.close_code
        logger.warning("deepgram: connection closed by server (code %s)", code)
        if code in _ERROR_CLOSE_CODES or (code is not None and code >= 4000):
            self._report(STTError(f"Deepgram closed the stream with code {code}"))
        healthy = now() - self._connected_at >= _HEALTHY_SECONDS
        self._quick_drops = 0 if healthy else self._quick_drops + 1
        if self._quick_drops > 1:
            delay = min(_INITIAL_BACKOFF * 2 ** (self._quick_drops - 2), _MAX_BACKOFF)
            self._retry_at = max(self._retry_at, now() + delay)
        if self._replay.unacknowledged:
            self._tasks.spawn(self._reconnect(), name="deepgram-reconnect")

    async def _reconnect(self) -> None:
        """Reconnect (after the backoff, if any) so unfinalized audio is transcribed."""
        delay = self._retry_at - now()
        if delay > 0:
            await asyncio.sleep(delay)
        await self._ensure_connected()

    async def _dispatch_text(self, data: str) -> None:
        message = parse_json_message(data)
        if message is None:
            self._report(STTError(f"malformed message from Deepgram: {data[:200]!r}"))
            return
        try:
            await self._handle_message(message)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            self._report(STTError(f"unexpected {message.get('type')!r} message shape: {exc!r}"))

    async def _keepalive_loop(self) -> None:
        interval = float(self.keepalive_interval or 0)
        while not self._closed:
            delay = self._last_send + interval - now()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            if self.connected:
                await self._send_keepalive()
            self._last_send = now()

    # -- results --------------------------------------------------------------------------

    async def _deliver(self, response: STTResponse) -> None:
        callback = self._transcript_callback
        if callback is None:
            return
        try:
            await callback(response)
        except Exception:
            logger.exception("deepgram: transcript callback raised")

    def _report(self, error: STTError) -> None:
        logger.warning("%s: %s", self.label, error)
        self.emit("error", error)
