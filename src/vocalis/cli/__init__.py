"""The ``vocalis`` command: serve an agent, talk to it in the console, or run it on a file.

An AGENT_FILE is a Python file that defines ``async def entrypoint(ctx: JobContext)``: it
builds the Agent, Pipeline and AgentSession and awaits ``session.start()`` (or
``ctx.run_until_shutdown(session)``); the job lasts until the user leaves.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .history_flags import add_history_arguments
from .knowledge import add_kb_parser, run_kb
from .loader import AgentFileError, load_agent_file

DESCRIPTION = """\
Run a Vocalis voice agent.

An AGENT_FILE is a Python file defining the agent's job:

    from vocalis import Agent, AgentSession, Pipeline
    from vocalis.job import JobContext

    async def entrypoint(ctx: JobContext):
        session = AgentSession(MyAgent(), Pipeline(stt=..., llm=..., tts=..., vad=...))
        await session.start()      # the job lasts until the user leaves

It may also define `room_options = RoomOptions(...)` as the starting options.
"""

EPILOG = """\
examples:
  vocalis serve agent.py                       web page, WebSocket /ws and Twilio /twilio on 127.0.0.1:8080
  vocalis serve agent.py --host 0.0.0.0 --token auto
                                               expose it (clients send ?token=... or a Bearer header)
  vocalis serve agent.py --sip 5060            also answer SIP calls on sip:agent@127.0.0.1:5060
  vocalis dial agent.py sip:bob@pbx.example.com
                                               call someone; the agent greets once they answer
  vocalis console agent.py                     talk through the microphone and speaker
  vocalis console agent.py --text              type instead (works with no audio device)
  vocalis run agent.py --input call.wav --output reply.wav --transcript call.json
                                               play a recording to the agent, keep its answer
  vocalis start agent.py                       production: every call in a pool of prewarmed processes
  REDIS_URL=redis://db:6379 vocalis start agent.py --role worker
                                               a worker machine of a Redis deployment
  vocalis gateway --llm-url http://localhost:11434/v1
                                               share this machine's models with agent workers
  vocalis kb ingest docs/ --into kb/           build or update a local knowledge base
  vocalis kb search kb/ "how do I reset it"    try it from the terminal
  vocalis calls list --search booking          the call history (show ID, export)
  vocalis eval examples/scenarios/*.yaml --junit eval.xml
                                               check what the agent does, scenario by scenario
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vocalis", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="serve the agent: web page (WebRTC), WebSocket /ws, Twilio /twilio",
        description="Serve every transport on one port; each connection is its own session.",
    )
    serve.add_argument("agent_file", metavar="AGENT_FILE")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8080)")
    serve.add_argument(
        "--token", default=None,
        help="access token clients must present (required off loopback; 'auto' makes one; "
             "default: $VOCALIS_ACCESS_TOKEN)",
    )
    add_history_arguments(serve)
    serve.add_argument(
        "--capacity", default=None, metavar="auto|off|N",
        help="concurrent calls to take: 'auto' measures what a call costs and admits calls "
             "while those in progress keep their latency (default), N fixes the limit, 'off' "
             "takes every call up to max_sessions; refused calls get 503 / close 1013 / a "
             "spoken busy message",
    )

    serve.add_argument(
        "--sip", default=None, metavar="[HOST:]PORT",
        help="also answer SIP calls there (needs vocalis[sip]; e.g. 5060 or 0.0.0.0:5060)")

    dial = sub.add_parser(
        "dial", help="call a SIP address with the agent (needs vocalis[sip])",
        description="Place one SIP call and run the agent on it; its greeting waits until the "
                    "callee answers. Exits 0 if the call was answered, 1 if not.",
    )
    dial.add_argument("agent_file", metavar="AGENT_FILE")
    dial.add_argument("to", metavar="SIP_URI", help="whom to call, e.g. sip:bob@pbx.example.com")
    dial.add_argument("--sip", default=None, metavar="[HOST:]PORT",
                      help="local SIP address (default 127.0.0.1 on a free port, or the agent "
                           "file's RoomOptions(sip=...))")

    console = sub.add_parser("console", help="talk to the agent locally (mic/speaker or --text)")
    console.add_argument("agent_file", metavar="AGENT_FILE")
    console.add_argument("--text", action="store_true",
                         help="type messages instead of speaking (no audio device needed)")

    run = sub.add_parser(
        "run", help="run the agent on an audio file; write its audio and a transcript",
        description="Feed INPUT to the agent in real time (or on a virtual clock) and write "
                    "the agent's 24 kHz audio over the whole timeline, plus a JSON transcript.",
    )
    run.add_argument("agent_file", metavar="AGENT_FILE")
    run.add_argument("--input", required=True, help="audio file the user 'says' (any format)")
    run.add_argument("--output", required=True, help="WAV file for the agent's audio")
    run.add_argument("--transcript", default=None, help="JSON file for the turns")
    run.add_argument("--tail", type=float, default=1.5,
                     help="seconds of agent silence after the input that end the run (1.5)")
    run.add_argument(
        "--virtual-clock", action="store_true",
        help="run faster than real time (only for agents whose components are local or fakes)",
    )
    from .start import add_parser as add_start_parser

    add_start_parser(sub)
    gateway = sub.add_parser(
        "gateway", help="serve the local models over the VideoSDK and LiveKit gateway protocols",
        description="One process serving STT (Whisper), TTS (Piper), denoise (DeepFilterNet), "
                    "barge-in (the interruption classifier) and an LLM relay to VideoSDK "
                    "inference-gateway and LiveKit inference clients (vocalis.inference): "
                    "point their base_url here.",
    )
    gateway.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    gateway.add_argument("--port", type=int, default=8090, help="port (default 8090)")
    gateway.add_argument(
        "--token", default=None,
        help="the secret clients present (required off loopback; 'auto' makes one; default: "
             "$VOCALIS_ACCESS_TOKEN): VideoSDK clients as VIDEOSDK_AUTH_TOKEN, LiveKit clients "
             "as LIVEKIT_API_SECRET")
    gateway.add_argument("--llm-url", default=None,
                         help="OpenAI-compatible server for /v1/chat/completions "
                              "(default: $OPENAI_BASE_URL)")
    gateway.add_argument("--stt-model", default="tiny.en", help="Whisper model (tiny.en)")
    gateway.add_argument("--tts-voice", default="en_US-joe-medium", help="Piper voice")
    gateway.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    gateway.add_argument("--max-stt", type=int, default=8, help="concurrent STT sessions (8)")
    gateway.add_argument("--max-tts", type=int, default=8, help="concurrent TTS sessions (8)")
    gateway.add_argument("--max-bargein", type=int, default=32,
                         help="concurrent barge-in sessions and requests (32)")
    gateway.add_argument("--stt-workers", type=int, default=0,
                         help="Whisper decoding workers (0: one per core)")
    gateway.add_argument("--stt-threads", type=int, default=0,
                         help="threads per Whisper worker (0: the cores divided among them)")
    gateway.add_argument("--stt-batch", type=int, default=4,
                         help="decodes of different sessions per Whisper call, at most (4)")
    add_kb_parser(sub)
    _add_calls(sub)
    _add_eval(sub)
    return parser


def _add_calls(sub: Any) -> None:
    calls = sub.add_parser(
        "calls", help="the call history: list, show one call, export",
        description="Read the call history that vocalis serve records (SQLite by default, "
                    "PostgreSQL with VOCALIS_DATABASE_URL).",
    )
    calls.add_argument("--database-url", default=None,
                       help="database (default: $VOCALIS_DATABASE_URL or ~/.vocalis/calls.db)")
    actions = calls.add_subparsers(dest="calls_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="recent calls, newest first")
    listing.add_argument("--search", "-s", default="", help="words said, agent, transport, id")
    listing.add_argument("--limit", "-n", type=int, default=20, help="how many (20)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    show = actions.add_parser("show", help="one call: transcript, tools, events, latency")
    show.add_argument("call_id", metavar="ID", help="the call's id (or its first characters)")
    show.add_argument("--json", action="store_true", help="print the whole record as JSON")
    export = actions.add_parser("export", help="whole call records as JSON")
    export.add_argument("call_ids", metavar="ID", nargs="*", help="calls to export (default: all)")
    export.add_argument("--since-days", type=float, default=None,
                        help="only calls started in the last N days")
    export.add_argument("--format", choices=("json", "jsonl"), default="json")
    export.add_argument("--output", "-o", default=None, help="file to write (default: stdout)")


def _add_eval(sub: Any) -> None:
    evals = sub.add_parser(
        "eval", help="run scenario files against an agent and check what it does",
        description="Each scenario (YAML) says what the user says, as text or audio, and what "
                    "the agent must do: tool calls and their arguments, facts in its reply, a "
                    "latency budget, an optional LLM judge's rubric. Exit 1 if any fails.",
    )
    evals.add_argument("scenarios", metavar="SCENARIO", nargs="+", help="scenario YAML files")
    evals.add_argument("--agent", default=None,
                       help="agent file (default: each scenario's 'agent')")
    evals.add_argument("--mode", choices=("text", "websocket"), default=None,
                       help="override the scenarios' mode")
    evals.add_argument("--junit", default=None, help="write JUnit XML here (for CI)")
    evals.add_argument("--no-judge", action="store_true",
                       help="skip the LLM judge (the other checks still run)")


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Entry point of the ``vocalis`` console script; returns the exit code."""
    from . import commands

    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=str(args.log_level).upper())
    if args.command == "kb":
        return run_kb(args, out)
    try:
        if args.command == "gateway":
            return commands.run_gateway(args, out)
        if args.command == "calls":
            from . import calls

            return calls.run(args, out)
        if args.command == "eval":
            from . import evals

            return evals.run(args, out)
        agent = load_agent_file(args.agent_file)
        if args.command == "serve":
            return commands.run_serve(agent, args, out)
        if args.command == "start":
            from .start import run_start

            return run_start(agent, args, out)
        if args.command == "console":
            return commands.run_console(agent, args, out)
        if args.command == "dial":
            return commands.run_dial(agent, args, out)
        return commands.run_file(agent, args, out)
    except (AgentFileError, ValueError, RuntimeError, ImportError) as exc:
        sys.stderr.write(f"vocalis: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


__all__ = ["build_parser", "main"]
