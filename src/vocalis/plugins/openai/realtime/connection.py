"""The realtime WebSocket: URL normalisation, the GA handshake (no ``OpenAI-Beta`` header),
JSON send, and a receive loop that hands each parsed event to a callback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import aiohttp

from ..websocket import EventSocket, WebSocket, json_events

logger = logging.getLogger("vocalis.plugins.openai.realtime")


class OpenAIRealtimeError(Exception):
    """The realtime connection failed, was rejected or closed."""


def realtime_url(
    base_url: str, model: str | None, *, extra_query: dict[str, str] | None = None
) -> str:
    """``ws(s)://.../v1/realtime?model=...`` from an HTTP or WS base URL."""
    parsed = urlparse(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
    path = parsed.path.rstrip("/")
    if path in ("", "/v1", "/openai"):
        path += "/realtime"
    query = dict(parse_qsl(parsed.query))
    if model and "model" not in query:
        query["model"] = model
    query.update(extra_query or {})
    return urlunparse((scheme, parsed.netloc, path, "", urlencode(query), ""))


EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class RealtimeConnection:
    """One realtime socket; ``on_event`` gets each event, ``on_close`` the end of the stream."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        *,
        on_event: EventHandler,
        on_malformed: Callable[[str], None],
        on_close: Callable[[str], None],
        heartbeat: float = 10.0,
        connect_timeout: float = 30.0,
    ) -> None:
        self._socket = EventSocket(
            url, headers, heartbeat=heartbeat, reader_name="openai-realtime-recv"
        )
        self._on_event = on_event
        self._on_malformed = on_malformed
        self._on_close = on_close
        self._connect_timeout = connect_timeout
        self._closing = False

    @property
    def is_open(self) -> bool:
        return self._socket.is_open

    async def connect(self) -> None:
        try:
            await self._socket.open(self._read, timeout=self._connect_timeout)
        except aiohttp.WSServerHandshakeError as exc:
            await self._socket.aclose()
            hint = " (check OPENAI_API_KEY)" if exc.status in (401, 403) else ""
            raise OpenAIRealtimeError(
                f"OpenAI Realtime connection rejected (HTTP {exc.status}): {exc.message}{hint}"
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            await self._socket.aclose()
            raise OpenAIRealtimeError(f"OpenAI Realtime connection failed: {exc!r}") from exc

    async def send(self, event: dict[str, Any]) -> None:
        if not self.is_open:
            raise OpenAIRealtimeError("OpenAI Realtime: not connected")
        await self._socket.send_json(event)

    async def _read(self, ws: WebSocket) -> None:
        async for event in json_events(ws, lambda text, _exc: self._on_malformed(text[:200])):
            try:
                await self._on_event(event)
            except Exception:  # one bad event must not end the session
                logger.exception("OpenAI Realtime: failed to handle %s", event.get("type"))
        if not self._closing:
            self._on_close(
                f"OpenAI Realtime WebSocket closed: code={ws.close_code} reason={ws.exception()}"
            )

    async def aclose(self) -> None:
        self._closing = True
        await self._socket.aclose()
