"""``SipEndpoint``: PJSIP (``pjsua2``) running on a thread of its own, driven from asyncio.

PJSIP is a C library with its own threads. Everything that touches it runs on one "SIP thread"
that polls PJSIP's events and executes the commands the event loop sends it (``run``), so the
PJSIP objects are only ever used from that thread. Its callbacks (a call arriving, a state
change, a DTMF digit) are posted back to the event loop. Audio takes the shorter path described
in ``media``. One endpoint per process (PJSIP's library is a singleton).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pjsua2 as pj

from .config import SIPConfig

logger = logging.getLogger("vocalis.sip")
pjsip_logger = logging.getLogger("vocalis.sip.pjsip")

POLL_MS = 10
"""How long the SIP thread waits for PJSIP events before it runs queued commands."""

PORT_GRACE = 1.0
"""Seconds a disconnected audio port is kept before it is freed (see ``retire_port``)."""

_PJ_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO}


class SipError(RuntimeError):
    """A SIP operation failed (the endpoint could not start, a call could not be placed)."""


class _LogWriter(pj.LogWriter):
    def write(self, entry: pj.LogEntry) -> None:
        pjsip_logger.log(_PJ_LEVELS.get(entry.level, logging.DEBUG), "%s", entry.msg.rstrip())


class _Account(pj.Account):
    """The agent's SIP identity; every incoming INVITE arrives here."""

    def __init__(self, on_incoming: Callable[[int], None]) -> None:
        super().__init__()
        self._on_incoming = on_incoming

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self._on_incoming(prm.callId)

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        level = logging.INFO if prm.code // 100 == 2 else logging.WARNING
        logger.log(level, "SIP registration: %s %s", prm.code, prm.reason)


class SipEndpoint:
    """The process's PJSIP endpoint: one UDP and one TCP transport and one account.

    ``on_incoming_call(call_id)`` is called on the SIP thread for each new INVITE; the owner
    (``SipService``) wraps it in a ``CallLeg`` there. ``run(fn, ...)`` executes ``fn`` on the
    SIP thread and returns its result to the caller's loop.
    """

    _running: SipEndpoint | None = None

    def __init__(self, config: SIPConfig, on_incoming_call: Callable[[int], None]) -> None:
        self.config = config
        self.on_incoming_call = on_incoming_call
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port = config.port
        self.account: _Account | None = None
        self._ep: pj.Endpoint | None = None
        self._log_writer: _LogWriter | None = None
        self._commands: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]]]
        self._commands = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.codecs: list[str] = []
        self._retired: list[Any] = []
        self._dead_ports: list[tuple[float, Any]] = []
        self._pj_objects: weakref.WeakSet[Any] = weakref.WeakSet()

    @property
    def address(self) -> str:
        """The agent's SIP URI, e.g. ``sip:agent@127.0.0.1:5060``."""
        host = self.config.public_address or self.config.host
        return f"sip:{self.config.user}@{host}:{self.port}"

    # ---- lifecycle (event loop) ---------------------------------------------------------------

    async def start(self) -> None:
        """Start PJSIP on the SIP thread; raises ``SipError`` if it cannot listen."""
        if SipEndpoint._running is not None:
            raise SipError("a SIP endpoint is already running in this process (PJSIP allows one)")
        SipEndpoint._running = self
        self.loop = asyncio.get_running_loop()
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._main, args=(ready,), name="vocalis-sip",
                                        daemon=True)
        self._thread.start()
        try:
            await asyncio.wrap_future(ready)
        except BaseException:
            SipEndpoint._running = None
            raise
        logger.info("SIP endpoint %s (codecs: %s)", self.address, ", ".join(self.codecs))

    async def aclose(self) -> None:
        """Hang up every call, stop PJSIP and its thread."""
        if self._thread is None:
            return
        self._stopping.set()
        await asyncio.to_thread(self._thread.join, 10.0)
        self._thread = None
        if SipEndpoint._running is self:
            SipEndpoint._running = None

    # ---- commands (event loop -> SIP thread) ---------------------------------------------------

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on the SIP thread and return its result (or raise its error)."""
        if self._thread is None or self._stopping.is_set():
            raise SipError("the SIP endpoint is not running")
        done: Future[Any] = Future()
        self._commands.put((fn, args, done))
        return await asyncio.wrap_future(done)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """From the SIP (or media) thread: call ``fn(*args)`` on the event loop."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(fn, *args)

    def retire(self, leg: Any) -> None:
        """On the SIP thread: keep ``leg`` until its call is over, then drop it there (PJSIP
        objects must be destroyed on a thread PJSIP knows)."""
        leg.release()
        self.keep_until_ended(leg)

    def track(self, obj: Any) -> None:
        """Remember a PJSIP object (a call, a port): whatever Python still holds when the
        endpoint stops is disowned then, so its C++ destructor never runs after PJSIP is gone
        (which would abort the process)."""
        self._pj_objects.add(obj)

    def retire_port(self, port: Any) -> None:
        """On the SIP thread: drop an audio port a while after it was disconnected. PJSIP's
        media thread may be inside one of its callbacks right now; freeing the Python object
        under it would crash the process."""
        self._dead_ports.append((time.monotonic() + PORT_GRACE, port))

    def keep_until_ended(self, leg: Any) -> None:
        """On the SIP thread: hold a reference to ``leg`` while its call is active."""
        if leg not in self._retired:
            self._retired.append(leg)

    # ---- the SIP thread -----------------------------------------------------------------------

    def _main(self, ready: Future[None]) -> None:
        try:
            self._init()
        except Exception as exc:
            self._destroy()
            ready.set_exception(SipError(f"SIP endpoint failed to start on "
                                         f"{self.config.host}:{self.config.port}: {exc}"))
            return
        ready.set_result(None)
        try:
            while not self._stopping.is_set():
                self._ep.libHandleEvents(POLL_MS)  # type: ignore[union-attr]
                self._drain_commands()
                if self._retired:
                    self._retired = [leg for leg in self._retired if leg.isActive()]
                if self._dead_ports and self._dead_ports[0][0] <= time.monotonic():
                    self._dead_ports = [p for p in self._dead_ports if p[0] > time.monotonic()]
        finally:
            self._shutdown()

    def _drain_commands(self) -> None:
        while True:
            try:
                fn, args, done = self._commands.get_nowait()
            except queue.Empty:
                return
            if done.set_running_or_notify_cancel():
                try:
                    done.set_result(fn(*args))
                except Exception as exc:
                    done.set_exception(exc)

    def _init(self) -> None:
        config = self.config
        ep = pj.Endpoint()
        self._ep = ep
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = False
        cfg.uaConfig.userAgent = "vocalis"
        self._log_writer = _LogWriter()
        cfg.logConfig.writer = self._log_writer
        cfg.logConfig.level = config.log_level
        cfg.logConfig.consoleLevel = config.log_level
        cfg.logConfig.decor = 0
        cfg.medConfig.clockRate = 16000
        cfg.medConfig.sndClockRate = 16000
        cfg.medConfig.channelCount = 1
        cfg.medConfig.audioFramePtime = 20
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        ep.libInit(cfg)
        ep.audDevManager().setNullDev()
        transport = pj.TransportConfig()
        transport.port = config.port
        transport.boundAddress = config.host
        if config.public_address:
            transport.publicAddress = config.public_address
        udp = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.port = int(ep.transportGetInfo(udp).localName.rsplit(":", 1)[1])
        transport.port = self.port
        try:
            ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, transport)
        except pj.Error as exc:
            logger.warning("SIP over TCP unavailable on port %d: %s", self.port, exc.info())
        ep.libStart()
        self.codecs = self._set_codecs(ep, config.codecs)
        account = _Account(self.on_incoming_call)
        account.create(self._account_config())
        self.account = account

    def _account_config(self) -> pj.AccountConfig:
        config = self.config
        acc = pj.AccountConfig()
        acc.idUri = self.address
        if config.registrar:
            acc.regConfig.registrarUri = config.registrar
            user = config.username or config.user
            acc.idUri = f"sip:{user}@{config.registrar.split(':', 1)[1]}"
            acc.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", "*", user, 0, config.password or ""))
        else:
            acc.regConfig.registrarUri = ""
        media = acc.mediaConfig.transportConfig
        media.boundAddress = config.host
        media.port = config.rtp_port
        if config.public_address:
            media.publicAddress = config.public_address
        return acc

    @staticmethod
    def _set_codecs(ep: pj.Endpoint, wanted: tuple[str, ...]) -> list[str]:
        """Offer the ``wanted`` codecs the build has, in that order; disable the rest."""
        available = {c.codecId.lower(): c.codecId for c in ep.codecEnum2()}
        chosen = [available[w.lower()] for w in wanted if w.lower() in available]
        if not chosen:
            raise SipError(f"none of the codecs {list(wanted)} is available; PJSIP has "
                           f"{sorted(available.values())}")
        for codec in available.values():
            ep.codecSetPriority(codec, 0)
        for rank, codec in enumerate(chosen):
            ep.codecSetPriority(codec, 254 - rank)
        return chosen

    def _shutdown(self) -> None:
        ep = self._ep
        if ep is None:
            return
        try:
            ep.hangupAllCalls()
            for _ in range(20):
                ep.libHandleEvents(POLL_MS)
        except pj.Error:
            logger.debug("hanging up calls at shutdown failed", exc_info=True)
        self._drain_commands()
        self._destroy()
        # Only now, with PJSIP's media thread stopped and every PJSIP object disowned, may the
        # Python side of calls and ports go: freed before, a port could vanish under a callback
        # the media thread is still running (a use-after-free that crashes later, elsewhere).
        self._retired.clear()
        self._dead_ports.clear()

    def _destroy(self) -> None:
        if self._ep is None:
            return
        for obj in list(self._pj_objects):
            obj.thisown = False
        if self.account is not None:
            self.account.shutdown()
            self.account = None
        try:
            self._ep.libDestroy()
        except pj.Error:
            logger.debug("PJSIP libDestroy failed", exc_info=True)
        self._ep = None
