"""``GatewayServer``: one aiohttp process serving the VideoSDK gateway protocol and LiveKit's
inference protocols from the local models.

Routes (both protocols share paths, told apart as their clients build them: VideoSDK clients
send ``?provider=``): ``/v1/stt``, ``/v1/tts`` (WebSocket, either protocol), ``/v1/denoise``
(VideoSDK), ``/v1/chat/completions`` (both; relayed to ``--llm-url``), ``/v1/llm`` (VideoSDK
realtime: refused with a clear error, no local speech-to-speech model), ``/v1/bargein``
(LiveKit's barge-in classifier: WebSocket or HTTP POST), ``/health`` (capacity and the
inference schedulers' load).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import bargein, livekit_sessions, videosdk_sessions
from .admission import Admission, GatewayFull
from .auth import authorized, unauthorized
from .channel import Channel
from .config import GatewayConfig
from .llm_proxy import LLMProxy, openai_error
from .local_models import LocalModels

logger = logging.getLogger("vocalis.gateway")


def _is_videosdk(request: web.Request) -> bool:
    return "provider" in request.query


class GatewayServer:
    """The gateway application; ``await start()`` / ``await aclose()``, or ``run()``."""

    def __init__(self, config: GatewayConfig, models: LocalModels | None = None) -> None:
        self.config = config
        self.models = models or LocalModels(config)
        self.admission = Admission({
            "stt": config.max_stt_sessions, "tts": config.max_tts_sessions,
            "denoise": config.max_denoise_sessions, "bargein": config.max_bargein_sessions,
            "llm": config.max_llm_requests,
        })
        self.llm = LLMProxy(config.llm_url, config.llm_api_key)
        self._runner: web.AppRunner | None = None
        self.port = config.port

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.config.max_message_bytes)
        app.router.add_get("/health", self._health)
        app.router.add_get("/v1/stt", self._stt)
        app.router.add_get("/v1/tts", self._tts)
        app.router.add_get("/v1/denoise", self._denoise)
        app.router.add_get("/v1/llm", self._realtime)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/bargein", self._bargein_ws)
        app.router.add_post("/v1/bargein", self._bargein_http)
        return app

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}/v1"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def aclose(self) -> None:
        await self.llm.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def run(self, ready: Callable[[GatewayServer], None] | None = None) -> None:
        """Serve until cancelled."""
        await self.start()
        try:
            if ready is not None:
                ready(self)
            await asyncio.Event().wait()
        finally:
            await self.aclose()

    # ---- handlers ------------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "capacity": self.admission.stats(),
                                  "schedulers": self.models.loads()})

    async def _stt(self, request: web.Request) -> web.StreamResponse:
        if _is_videosdk(request):
            return await self._videosdk_ws(request, "stt", videosdk_sessions.serve_stt)
        return await self._livekit_ws(request, "stt", livekit_sessions.serve_stt)

    async def _tts(self, request: web.Request) -> web.StreamResponse:
        limit = self.config.max_text_chars
        if _is_videosdk(request):
            return await self._videosdk_ws(
                request, "tts",
                lambda ch, m, q: videosdk_sessions.serve_tts(ch, m, q, limit))
        return await self._livekit_ws(
            request, "tts", lambda ch, m, q: livekit_sessions.serve_tts(ch, m, q, limit))

    async def _denoise(self, request: web.Request) -> web.StreamResponse:
        return await self._videosdk_ws(request, "denoise", videosdk_sessions.serve_denoise)

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        if not authorized(request, self.config.token):
            return unauthorized()
        ws = await self._prepare(request)
        channel = Channel(ws, videosdk_sessions.error_envelope)
        await channel.refuse("realtime speech-to-speech is not served by vocalis gateway: use "
                             "STT + LLM + TTS through it instead")
        return ws

    async def _bargein_ws(self, request: web.Request) -> web.StreamResponse:
        return await self._livekit_ws(request, "bargein",
                                      lambda ch, m, q: bargein.serve_ws(ch, m.bargein()))

    async def _bargein_http(self, request: web.Request) -> web.StreamResponse:
        if not authorized(request, self.config.token):
            return unauthorized()
        try:
            with self.admission.slot("bargein"):
                return await bargein.serve_http(request, self.models.bargein())
        except GatewayFull as exc:
            return web.json_response({"error": str(exc)}, status=429)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if not authorized(request, self.config.token):
            return unauthorized()
        try:
            with self.admission.slot("llm"):
                return await self.llm.handle(request)
        except GatewayFull as exc:
            return openai_error(str(exc), 429, "rate_limit_exceeded")

    # ---- websocket plumbing --------------------------------------------------------------

    async def _prepare(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=self.config.max_message_bytes, heartbeat=30)
        await ws.prepare(request)
        return ws

    async def _videosdk_ws(
        self, request: web.Request, kind: str,
        serve: Callable[[Channel, LocalModels, dict[str, str]], Awaitable[Any]],
    ) -> web.StreamResponse:
        if not authorized(request, self.config.token):
            return unauthorized()
        ws = await self._prepare(request)
        channel = Channel(ws, videosdk_sessions.error_envelope)
        try:
            with self.admission.slot(kind):
                await serve(channel, self.models, dict(request.query))
        except GatewayFull as exc:
            await channel.refuse(str(exc))
        except Exception as exc:  # a broken model must not take the process down
            logger.exception("gateway %s session failed", kind)
            await channel.error(f"gateway {kind} session failed: {exc}")
        finally:
            await ws.close()
        return ws

    async def _livekit_ws(
        self, request: web.Request, kind: str,
        serve: Callable[[Channel, LocalModels, dict[str, str]], Awaitable[Any]],
    ) -> web.StreamResponse:
        if not authorized(request, self.config.token):
            return unauthorized()
        if not self.admission.has_room(kind):  # LiveKit clients read a 429 as "over quota"
            self.admission.refused[kind] += 1
            return web.json_response(
                {"error": f"gateway at capacity: {self.admission.limits[kind]} {kind} "
                          "sessions in use"}, status=429)
        ws = await self._prepare(request)
        channel = Channel(ws, livekit_sessions.error_message)
        try:
            with self.admission.slot(kind):
                await serve(channel, self.models, dict(request.query))
        except GatewayFull as exc:
            await channel.refuse(str(exc))
        except Exception as exc:
            logger.exception("gateway %s session failed", kind)
            await channel.send(livekit_sessions.error_message(f"session failed: {exc}", 500))
        finally:
            await ws.close()
        return ws
