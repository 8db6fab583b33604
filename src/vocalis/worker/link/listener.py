"""``LinkListener``: where workers dial the front, one connection per call.

The front expects a call (``expect(token)``) before it hands the call to a worker; the worker
dials ``address`` and says hello with the token; the listener hands that link to the waiting
call. A token is single-use and unguessable (it was only ever sent to the chosen worker), so
it is the link's credential; an unknown or expired token is refused with a ``close``.

On one machine the listener is a Unix socket in a private directory; across machines it is a
TCP port (``host``/``port``), advertised to workers as ``advertise`` (the address they reach).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from .handshake import read_hello
from .stream import LinkClosed, LinkStream

logger = logging.getLogger("vocalis.worker.link")


@dataclass
class IncomingLink:
    link: LinkStream
    hello: dict[str, Any]


class LinkListener:
    """See the module docstring. With no ``host``, it listens on a Unix socket."""

    def __init__(self, *, host: str | None = None, port: int = 0,
                 advertise: str | None = None) -> None:
        self.host = host
        self.port = port
        self.advertise = advertise
        self._server: asyncio.AbstractServer | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._path = ""
        self._expected: dict[str, asyncio.Future[IncomingLink]] = {}
        self._handlers: set[asyncio.Task[Any]] = set()

    @property
    def address(self) -> str:
        """What workers dial: ``unix:/path`` or ``tcp:host:port``."""
        if self._path:
            return f"unix:{self._path}"
        host = self.advertise or self.host or "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"tcp:{host}:{self.port}"

    async def start(self) -> None:
        if self.host is None:
            self._folder = tempfile.TemporaryDirectory(prefix="vocalis-link-")
            os.chmod(self._folder.name, 0o700)
            self._path = os.path.join(self._folder.name, "front.sock")
            self._server = await asyncio.start_unix_server(self._accept, self._path)
        else:
            self._server = await asyncio.start_server(self._accept, self.host, self.port)
            self.port = self._server.sockets[0].getsockname()[1]
            if self.advertise and ":" in self.advertise.rsplit("]", 1)[-1]:
                self.advertise, _, port = self.advertise.rpartition(":")
                self.port = int(port)
        logger.info("media links on %s", self.address)

    def expect(self, token: str) -> asyncio.Future[IncomingLink]:
        """A future resolved with the link that presents ``token``."""
        future: asyncio.Future[IncomingLink] = asyncio.get_running_loop().create_future()
        self._expected[token] = future
        return future

    def forget(self, token: str) -> None:
        """Stop expecting ``token`` (the call ended or went elsewhere)."""
        future = self._expected.pop(token, None)
        if future is not None and not future.done():
            future.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        link = LinkStream(reader, writer)
        try:
            hello = await read_hello(link)
        except LinkClosed:
            return
        finally:
            if task is not None:
                self._handlers.discard(task)
        future = self._expected.pop(str(hello["token"]), None)
        if future is None or future.done():
            with contextlib.suppress(LinkClosed):
                link.send_control({"type": "close", "reason": "unknown or expired call"})
            await link.aclose()
            return
        future.set_result(IncomingLink(link, hello))

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
        for task in list(self._handlers):
            task.cancel()
        for token in list(self._expected):
            self.forget(token)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
