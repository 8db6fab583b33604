"""Hunt memory that /twilio or /ws calls ending in a TCP reset leave behind (tracemalloc).

Serves an agent in this process, makes ``--warmup`` calls, snapshots the Python heap, makes
``--calls`` more, and compares: the allocation sites that grew, and the growth of RSS and of
the heap per call. Each call connects, sends ``start`` and a second of media, then drops the
connection with a TCP reset (SO_LINGER 0). ``--agent fake`` uses the test kit's fake
components (the transport and session layers alone); ``--agent FILE`` serves an agent file
(e.g. ``examples/assistant.py``; point its LLM at any URL, the calls never reach it).

    python tools/connection_leak.py --calls 300
    python tools/connection_leak.py --agent examples/assistant.py --calls 100 --transport ws
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import sys
import tracemalloc
from typing import Any

import psutil

from vocalis.job import JobContext, RoomOptions, WebSocketConfig
from vocalis.testing.raw_websocket import BINARY, TEXT, open_websocket, reset, send_frame
from vocalis.transports.server import build_server

FRAME_SECONDS = 0.02


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


async def fake_entrypoint(ctx: JobContext) -> None:
    from vocalis import Agent, AgentSession, Pipeline
    from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript

    pipeline = Pipeline(stt=FakeSTT(UserScript()), llm=FakeLLM(default="Hello."),
                        tts=FakeTTS(), vad=FakeVAD())
    session = AgentSession(Agent(instructions="Answer briefly."), pipeline)
    await session.start()


def load_entrypoint(agent: str) -> Any:
    if agent == "fake":
        return fake_entrypoint
    from vocalis.cli.loader import load_agent_file

    return load_agent_file(agent).entrypoint


async def one_call(port: int, transport: str, seconds: float) -> None:
    """Connect, start, send ``seconds`` of silence in real time, then reset the connection."""
    reader, writer = await open_websocket(port, "/twilio" if transport == "twilio" else "/ws")
    draining = asyncio.ensure_future(reader.read(-1))  # take the agent's audio, as a phone would
    if transport == "twilio":
        start = {"event": "start", "streamSid": "MZ1", "start": {
            "streamSid": "MZ1", "callSid": "CA1",
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}
        send_frame(writer, TEXT, json.dumps(start).encode())
        media = json.dumps({"event": "media", "streamSid": "MZ1", "media": {
            "track": "inbound", "payload": base64.b64encode(b"\xff" * 160).decode()}}).encode()
        opcode, payload = TEXT, media
    else:
        opcode, payload = BINARY, bytes(640)
    for _ in range(round(seconds / FRAME_SECONDS)):
        send_frame(writer, opcode, payload)
        await asyncio.sleep(FRAME_SECONDS)
    reset(writer)
    draining.cancel()


async def settle(server: Any) -> None:
    for _ in range(200):
        if server.active_sessions == 0:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    gc.collect()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    options = RoomOptions(transport_mode="websocket", websocket=WebSocketConfig(port=0),
                          max_connections_per_ip=None)
    server = build_server(load_entrypoint(args.agent), room_options=options)
    await server.start()
    try:
        for _ in range(args.warmup):
            await one_call(server.port, args.transport, args.seconds)
        await settle(server)
        tracemalloc.start(args.frames)
        before, rss_before = tracemalloc.take_snapshot(), rss_mb()
        checkpoints = []
        for i in range(args.calls):
            await one_call(server.port, args.transport, args.seconds)
            if (i + 1) % max(1, args.calls // 5) == 0:
                await settle(server)
                checkpoints.append({"calls": i + 1, "rss_mb": round(rss_mb(), 1),
                                    "heap_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 2)})
        await settle(server)
        after, rss_after = tracemalloc.take_snapshot(), rss_mb()
    finally:
        await server.aclose()
    stats = after.compare_to(before, "traceback")
    growth = [
        {"kb": round(s.size_diff / 1024, 1), "count": s.count_diff,
         "where": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in s.traceback][-4:]}
        for s in stats[: args.top] if s.size_diff > 0
    ]
    heap_growth = sum(s.size_diff for s in stats) / 2**20
    return {
        "tool": "connection_leak", "agent": args.agent, "transport": args.transport,
        "calls": args.calls, "load": round(os.getloadavg()[0], 2),
        "rss_growth_mb": round(rss_after - rss_before, 1),
        "heap_growth_mb": round(heap_growth, 3),
        "heap_growth_kb_per_call": round(heap_growth * 1024 / max(1, args.calls), 2),
        "checkpoints": checkpoints,
        "top_growth": growth,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agent", default="fake", help="'fake' or an agent file")
    parser.add_argument("--transport", choices=("twilio", "ws"), default="twilio")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=1.0, help="media per call")
    parser.add_argument("--frames", type=int, default=8, help="traceback depth")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    json.dump(asyncio.run(run(args)), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
