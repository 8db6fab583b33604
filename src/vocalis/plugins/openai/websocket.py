"""The WebSocket plumbing under the Responses, transcription and realtime sockets.

``EventSocket`` owns an aiohttp session, one WebSocket at a time and the task that reads it;
``json_events`` turns a socket's text frames into JSON objects and reports the malformed ones.
Each protocol keeps its own handshake, error types and event handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import aiohttp

WebSocket = aiohttp.ClientWebSocketResponse


class EventSocket:
    """A JSON-event WebSocket to ``url`` that can be closed and opened again.

    The HTTP session is made on the first ``open`` and kept across reconnects; ``aclose``
    closes it. Connection errors (``aiohttp.ClientError``, ``TimeoutError``) and handshake
    errors propagate to the caller, which maps them to its own error type.
    """

    def __init__(
        self, url: str, headers: dict[str, str], *, heartbeat: float, reader_name: str
    ) -> None:
        self._url = url
        self._headers = headers
        self._heartbeat = heartbeat
        self._reader_name = reader_name
        self._http: aiohttp.ClientSession | None = None
        self._ws: WebSocket | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def is_open(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def open(
        self,
        read: Callable[[WebSocket], Coroutine[Any, Any, None]],
        *,
        timeout: float,
        handshake: Callable[[WebSocket], Awaitable[None]] | None = None,
    ) -> None:
        """Connect and run ``handshake`` within ``timeout``, then start ``read`` on the socket."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        async with asyncio.timeout(timeout):
            ws = await self._http.ws_connect(
                self._url,
                headers=self._headers,
                autoping=True,
                heartbeat=self._heartbeat,
                autoclose=False,
            )
            if handshake is not None:
                await handshake(ws)
        self._ws = ws
        self._reader = asyncio.create_task(read(ws), name=self._reader_name)

    async def send_json(self, event: dict[str, Any]) -> None:
        """Send one event on the open socket."""
        assert self._ws is not None
        await self._ws.send_str(json.dumps(event))

    async def close_socket(self) -> None:
        """Close the socket and stop its reader (unless called from the reader itself)."""
        ws, self._ws = self._ws, None
        reader, self._reader = self._reader, None
        if ws is not None and not ws.closed:
            await ws.close()
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def aclose(self) -> None:
        """Close the socket, then the HTTP session."""
        await self.close_socket()
        if self._http is not None:
            await self._http.close()
            self._http = None


async def json_events(
    ws: WebSocket, on_malformed: Callable[[str, ValueError], None]
) -> AsyncIterator[dict[str, Any]]:
    """The JSON objects among ``ws``'s text frames until it closes; a frame that is not one
    goes to ``on_malformed`` with its text and the parse error, and reading goes on."""
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            continue
        try:
            event = json.loads(msg.data)
            if not isinstance(event, dict):
                raise ValueError("event is not an object")
        except ValueError as exc:
            on_malformed(str(msg.data), exc)
            continue
        yield event
