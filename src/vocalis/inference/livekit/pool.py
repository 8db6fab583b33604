"""``ConnectionPool``: reusable gateway WebSockets with a maximum session age.

A connection is taken for one synthesis and given back when it ended cleanly; one that failed
or was interrupted is closed instead. Connections older than ``max_session_duration`` (counted
from their last use, as LiveKit's ``mark_refreshed_on_get``) are replaced.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from ...utils.clock import now


class ConnectionPool:
    """A small pool of open connections made by ``connect_cb`` and closed by ``close_cb``."""

    def __init__(
        self,
        *,
        connect_cb: Callable[[], Awaitable[Any]],
        close_cb: Callable[[Any], Awaitable[None]],
        max_session_duration: float = 300.0,
        mark_refreshed_on_get: bool = True,
        max_idle: int = 4,
    ) -> None:
        self._connect = connect_cb
        self._close = close_cb
        self.max_session_duration = max_session_duration
        self.mark_refreshed_on_get = mark_refreshed_on_get
        self._max_idle = max_idle
        self._idle: list[tuple[Any, float]] = []
        self._since: dict[int, float] = {}
        self.connections_made = 0

    async def get(self) -> tuple[Any, bool]:
        """A connection and whether it was reused."""
        while self._idle:
            conn, since = self._idle.pop()
            if getattr(conn, "closed", False) or now() - since > self.max_session_duration:
                await self._discard(conn)
                continue
            self._since[id(conn)] = now() if self.mark_refreshed_on_get else since
            return conn, True
        conn = await self._connect()
        self.connections_made += 1
        self._since[id(conn)] = now()
        return conn, False

    def put(self, conn: Any) -> None:
        """Give back a healthy connection."""
        since = self._since.pop(id(conn), now())
        if getattr(conn, "closed", False) or len(self._idle) >= self._max_idle:
            return
        self._idle.append((conn, since))

    async def remove(self, conn: Any) -> None:
        """Close a connection that must not be reused."""
        self._since.pop(id(conn), None)
        await self._discard(conn)

    async def prewarm(self) -> None:
        if not self._idle:
            conn, _ = await self.get()
            self.put(conn)

    async def _discard(self, conn: Any) -> None:
        with contextlib.suppress(Exception):
            await self._close(conn)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            await self._discard(conn)
