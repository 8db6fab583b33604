"""The CLI's subcommands: ``serve``, ``console``, ``run`` and ``dial``, each a job launcher."""

from __future__ import annotations

import argparse
import asyncio
import copy
import dataclasses
import os
import secrets
from typing import Any, TextIO

from ..job.context import JobContext
from ..job.options import (
    AdmissionConfig,
    FileConfig,
    RoomOptions,
    TransportMode,
    is_loopback_host,
)
from ..job.runner import run_job
from ..job.serving import serve_entrypoint
from .history_flags import export_options, storage_config
from .loader import AgentFile

TOKEN_ENV = "VOCALIS_ACCESS_TOKEN"


def base_options(agent: AgentFile, mode: TransportMode) -> RoomOptions:
    """The agent file's ``room_options`` (or its job context's), copied, or the defaults, in
    ``mode``."""
    options = agent.room_options
    if not isinstance(options, RoomOptions) and agent.jobctx is not None:
        ctx = agent.jobctx if isinstance(agent.jobctx, JobContext) else agent.jobctx()
        options = getattr(ctx, "room_options", None)
    if isinstance(options, RoomOptions):
        options = copy.deepcopy(options)
        options.transport_mode = mode
        return options
    return RoomOptions(transport_mode=mode)


def serve_options(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> RoomOptions:
    options = base_options(agent, TransportMode.WEBRTC)
    host = args.host or options.host
    token = args.token or os.environ.get(TOKEN_ENV) or options.access_token
    if token == "auto":
        token = secrets.token_urlsafe(24)
        out.write(f"access token: {token}\n")
    if not is_loopback_host(host) and not token:
        raise ValueError(
            f"--host {host} exposes the agent to the network: pass --token SECRET "
            f"(or --token auto, or set {TOKEN_ENV}); clients send ?token=SECRET"
        )
    assert options.websocket is not None
    websocket = dataclasses.replace(
        options.websocket, port=options.websocket.port if args.port is None else args.port
    )
    admission = admission_options(options.admission or AdmissionConfig(),
                                  getattr(args, "capacity", None))
    sip = options.sip
    if getattr(args, "sip", None):
        sip = sip_config(options, args.sip)
    return dataclasses.replace(options, host=host, access_token=token or None,
                               websocket=websocket, admission=admission, sip=sip)


def admission_options(config: AdmissionConfig, capacity: str | None) -> AdmissionConfig:
    """``config`` with ``--capacity`` applied ("auto": measured, "off", or a number of calls),
    and Piper, when installed, as the voice of the busy message if the agent file set none."""
    if capacity is not None:
        value = capacity.strip().lower()
        if value == "auto":
            config = dataclasses.replace(config, enabled=True, max_calls=None)
        elif value == "off":
            config = dataclasses.replace(config, enabled=False)
        elif value.isdigit() and int(value) >= 1:
            config = dataclasses.replace(config, enabled=True, max_calls=int(value))
        else:
            raise ValueError(f"--capacity must be auto, off or a number of calls, not {capacity!r}")
    if config.busy_voice is None and config.enabled:
        config = dataclasses.replace(config, busy_voice=default_busy_voice())
    return config


def default_busy_voice() -> Any:
    """A Piper voice for the busy message when ``vocalis[local]`` is installed, else None."""
    try:
        from ..plugins.piper import PiperTTS
    except ImportError:
        return None
    try:
        return PiperTTS()
    except Exception:
        return None


def sip_config(options: RoomOptions, listen: str | None) -> Any:
    """``options.sip`` (or the defaults) listening on ``listen`` (``[HOST:]PORT``)."""
    from ..transports.sip.config import SIPConfig, parse_listen

    base = options.sip or SIPConfig(port=0)
    if listen is None:
        return base
    host, port = parse_listen(listen)
    return dataclasses.replace(base, host=host, port=port)


def notices_route(agent: AgentFile) -> Any:
    """``GET /notices``: what the agent file's ``notices()`` reports (a list of dicts with
    ``level``, ``code``, ``message``, ``setting``), shown by the page before any call."""
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        try:
            notices = list(agent.notices()) if callable(agent.notices) else []
        except Exception as exc:
            notices = [{"level": "error", "code": "notices_failed", "message": str(exc)}]
        return web.json_response(notices)

    def install(app: web.Application, on_connection: Any) -> None:
        app.router.add_get("/notices", handler)

    return install


async def serve(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> None:
    options = export_options(serve_options(agent, args, out), args.otlp)
    await serve_entrypoint(agent.entrypoint, options, jobctx=agent.jobctx,
                           extra_routes=[notices_route(agent)], out=out,
                           storage=storage_config(args), history=not args.no_history)


async def console(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> None:
    options = base_options(agent, TransportMode.CONSOLE)
    ctx = JobContext(room_options=options, metadata={"console_text": bool(args.text)})
    if args.text:
        from ..transports.console import ConsoleTextRoom

        ctx.bind_room(ConsoleTextRoom(out=out))
        out.write("Type a message and press Enter; /quit or Ctrl+D to end.\n")
        out.flush()
    await run_job(agent.entrypoint, ctx)


def file_context(agent: AgentFile, args: argparse.Namespace) -> JobContext:
    options = base_options(agent, TransportMode.FILE)
    options.file = FileConfig(input=args.input, output=args.output, transcript=args.transcript,
                              tail_seconds=args.tail)
    return JobContext(room_options=options, metadata={"input": args.input})


def run_file(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> int:
    """``vocalis run``: real time, or on a virtual clock with ``--virtual-clock``."""
    if not os.path.isfile(args.input):
        raise ValueError(f"input file not found: {args.input}")
    ctx = file_context(agent, args)
    if args.virtual_clock:
        from ..utils.clock import run_virtual

        run_virtual(run_job(agent.entrypoint, ctx))
    else:
        asyncio.run(run_job(agent.entrypoint, ctx))
    result = getattr(ctx.room, "result", None)
    if result is None:
        return 1
    users = sum(1 for t in result.turns if t["role"] == "user")
    agents = sum(1 for t in result.turns if t["role"] == "agent")
    out.write(f"input {result.input_seconds:.1f} s; agent audio {result.duration:.1f} s "
              f"-> {args.output}\n")
    out.write(f"{users} user turn(s), {agents} agent repl(ies)")
    out.write(f" -> {args.transcript}\n" if args.transcript else "\n")
    return 0


async def dial(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> bool:
    """Place the call, run the agent on it until it ends; True if the callee answered."""
    from ..job.runner import connection_handler
    from ..transports.sip import SipService

    options = base_options(agent, TransportMode.TELEPHONY)
    config = sip_config(options, args.sip)
    handler = connection_handler(agent.entrypoint, room_options=options, jobctx=agent.jobctx)
    async with SipService(config, handler) as sip:
        room = await sip.dial(args.to)
        out.write(f"calling {room.remote_uri} from {sip.address}\n")
        out.flush()
        answered = await room.wait_until_answered()
        out.write(f"answered ({room.codec or 'codec pending'})\n" if answered else "")
        out.flush()
        await room.closed.wait()
        out.write(f"call ended: {room.close_reason}\n")
    return answered


def run_dial(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> int:
    try:
        return 0 if asyncio.run(dial(agent, args, out)) else 1
    except KeyboardInterrupt:
        out.write("hung up\n")
        return 130


def run_console(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> int:
    asyncio.run(console(agent, args, out))
    return 0


def run_serve(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> int:
    try:
        asyncio.run(serve(agent, args, out))
    except KeyboardInterrupt:
        out.write("stopped\n")
    return 0



def run_gateway(args: argparse.Namespace, out: TextIO) -> int:
    """``vocalis gateway``: serve the local models until Ctrl+C."""
    from ..gateway import GatewayConfig, GatewayServer

    token = args.token or os.environ.get(TOKEN_ENV)
    if token == "auto":
        token = secrets.token_urlsafe(24)
        out.write(f"access token: {token}\n")
    config = GatewayConfig(
        host=args.host, port=args.port, token=token or None,
        llm_url=args.llm_url or os.environ.get("OPENAI_BASE_URL"),
        llm_api_key=os.environ.get("OPENAI_API_KEY"), stt_model=args.stt_model,
        tts_voice=args.tts_voice, device=args.device, max_stt_sessions=args.max_stt,
        max_tts_sessions=args.max_tts, max_bargein_sessions=args.max_bargein,
        stt_workers=args.stt_workers, stt_threads=args.stt_threads, stt_max_batch=args.stt_batch,
    )
    server = GatewayServer(config)

    def ready(server: GatewayServer) -> None:
        out.write(f"gateway:    {server.base_url}  (VideoSDK: base_url="
                  f"ws://{config.host}:{server.port}; LiveKit: base_url={server.base_url})\n")
        out.write(f"LLM relay:  {config.llm_url or 'none (pass --llm-url)'}\n")
        out.write("Ctrl+C to stop.\n")
        out.flush()

    async def main() -> None:
        await server.models.prewarm()
        await server.run(ready)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        out.write("stopped\n")
    return 0
