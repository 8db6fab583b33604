"""Scriptable fakes of OpenAI's WebSocket APIs on 127.0.0.1: the Responses socket
(``/v1/responses``), the GA realtime socket (``/v1/realtime?model=``) and the realtime
transcription socket (``/v1/realtime?intent=transcription``).

Every text message received is recorded (parsed JSON; malformed text is kept as ``{"raw"}``),
with each connection's headers and query. A reply is a list of steps played in order on the
connection: a ``dict`` is sent as JSON, ``Sleep`` pauses, ``Raw`` sends text as is (malformed
data), ``Drop`` closes the connection. ``fake.replies["response.create"].append(steps)``
queues the reply to the next such message; ``fake.push(steps)`` sends unprompted events.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from .openai_http import Drop, Raw, Sleep

__all__ = ["Drop", "FakeOpenAIWS", "Raw", "Sleep", "Steps"]

Steps = list[Any]
DefaultReply = Callable[[dict[str, Any]], Steps]


@dataclass
class Connection:
    headers: CIMultiDict[str]
    query: dict[str, str]
    ws: web.WebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)
    outbox: asyncio.Queue[Steps] = field(default_factory=asyncio.Queue)


class FakeOpenAIWS:
    """The fake server; ``async with FakeOpenAIWS() as fake: fake.ws_url("/v1/responses")``."""

    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self.replies: dict[str, list[Steps]] = defaultdict(list)
        self.defaults: dict[str, DefaultReply] = {
            "response.create": default_responses_reply,
            "session.update": lambda msg: [
                {"type": "session.updated", "event_id": "ev_up", "session": msg.get("session", {})}
            ],
            "transcription_session.update": lambda msg: [
                {"type": "transcription_session.updated", "session": msg.get("session", {})}
            ],
        }
        #: Whether a realtime connection starts with ``session.created``.
        self.greet = True
        self.reject_status: int | None = None
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Condition()
        self.port = 0

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def http_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def received(self) -> list[dict[str, Any]]:
        return [m for c in self.connections for m in c.received]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("type") == kind]

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 3.0) -> list[dict]:
        """Wait until ``count`` messages of type ``kind`` have arrived."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.of(kind)) >= count)
        return self.of(kind)

    async def wait_connections(self, count: int, timeout: float = 3.0) -> None:
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.connections) >= count)

    def push(self, steps: Steps) -> None:
        """Play ``steps`` on the latest connection."""
        self.connections[-1].outbox.put_nowait(steps)

    async def __aenter__(self) -> FakeOpenAIWS:
        app = web.Application()
        app.router.add_get("/v1/responses", self._handle)
        app.router.add_get("/v1/realtime", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in self.connections:
            with contextlib.suppress(Exception):
                await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.reject_status is not None:
            return web.json_response({"error": {"message": "denied"}}, status=self.reject_status)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(CIMultiDict(request.headers), dict(request.query), ws)
        async with self._arrived:
            self.connections.append(conn)
            self._arrived.notify_all()
        player = asyncio.create_task(self._play(conn))
        if request.path == "/v1/realtime" and self.greet:
            transcription = request.query.get("intent") == "transcription"
            session = {"type": "transcription" if transcription else "realtime", "id": "sess_1"}
            conn.outbox.put_nowait([{"type": "session.created", "event_id": "ev_0", "session": session}])
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    event = json.loads(msg.data)
                except ValueError:
                    event = {"raw": msg.data}
                async with self._arrived:
                    conn.received.append(event)
                    self._arrived.notify_all()
                kind = event.get("type", "")
                if self.replies.get(kind):
                    conn.outbox.put_nowait(self.replies[kind].pop(0))
                elif kind in self.defaults:
                    conn.outbox.put_nowait(self.defaults[kind](event))
        finally:
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await player
        return ws

    async def _play(self, conn: Connection) -> None:
        while True:
            steps = await conn.outbox.get()
            for step in steps:
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                elif isinstance(step, Drop):
                    assert conn.ws._req is not None and conn.ws._req.transport is not None
                    conn.ws._req.transport.abort()
                    return
                elif isinstance(step, Raw):
                    await conn.ws.send_str(step.text)
                elif isinstance(step, dict):
                    await conn.ws.send_str(json.dumps(step))


# ---- Responses API events ---------------------------------------------------------------

_response_seq = 0


def _next_response_id() -> str:
    global _response_seq
    _response_seq += 1
    return f"resp_{_response_seq}"


def responses_usage() -> dict[str, Any]:
    return {
        "input_tokens": 20,
        "output_tokens": 6,
        "total_tokens": 26,
        "input_tokens_details": {"cached_tokens": 8},
        "output_tokens_details": {"reasoning_tokens": 2},
    }


def responses_reply(
    *texts: str, calls: list[tuple[str, str, str]] = (), response_id: str | None = None
) -> Steps:
    """A full Responses turn: created, text deltas, function calls (name, call_id, JSON
    arguments split into deltas), completed with usage."""
    rid = response_id or _next_response_id()
    base = {"id": rid, "object": "response", "model": "gpt-4o-mini", "status": "in_progress"}
    steps: Steps = [{"type": "response.created", "response": base}]
    steps += [{"type": "response.in_progress", "response": base}]
    for text in texts:
        steps.append({"type": "response.output_text.delta", "item_id": "msg_1", "delta": text})
    for index, (name, call_id, arguments) in enumerate(calls):
        item = {"type": "function_call", "id": f"fc_{index}", "call_id": call_id, "name": name}
        steps.append({"type": "response.output_item.added", "item": {**item, "arguments": ""}})
        for start in range(0, len(arguments), 5):
            steps.append(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "delta": arguments[start : start + 5],
                }
            )
        steps.append(
            {"type": "response.function_call_arguments.done", "item_id": item["id"],
             "arguments": arguments}
        )
        steps.append(
            {"type": "response.output_item.done",
             "item": {**item, "arguments": arguments, "status": "completed"}}
        )
    done = {**base, "status": "completed", "usage": responses_usage()}
    steps.append({"type": "response.completed", "response": done})
    return steps


def responses_error(code: str, message: str = "error") -> dict[str, Any]:
    return {"type": "error", "error": {"type": "invalid_request_error", "code": code,
                                       "message": message}}


def default_responses_reply(msg: dict[str, Any]) -> Steps:
    if msg.get("generate") is False:
        rid = _next_response_id()
        base = {"id": rid, "object": "response", "model": msg.get("model")}
        return [
            {"type": "response.created", "response": {**base, "status": "in_progress"}},
            {"type": "response.completed", "response": {**base, "status": "completed"}},
        ]
    return responses_reply("Hello", " there")


# ---- Realtime API events ----------------------------------------------------------------


def b64_pcm(samples: int, value: int = 1000) -> str:
    return base64.b64encode(value.to_bytes(2, "little", signed=True) * samples).decode()


def realtime_audio_reply(
    response_id: str = "resp_rt1", item_id: str = "item_a1", chunks: int = 3,
    transcript: str = "Hi there", samples: int = 2400,
) -> Steps:
    """A realtime audio response: created, output item, audio deltas, transcript, done."""
    steps: Steps = [
        {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}},
        {"type": "response.output_item.added", "response_id": response_id, "output_index": 0,
         "item": {"id": item_id, "type": "message", "role": "assistant"}},
    ]
    for _ in range(chunks):
        steps.append({"type": "response.output_audio.delta", "response_id": response_id,
                      "item_id": item_id, "output_index": 0, "content_index": 0,
                      "delta": b64_pcm(samples)})
    steps.append({"type": "response.output_audio_transcript.delta", "response_id": response_id,
                  "item_id": item_id, "delta": transcript})
    steps.append(realtime_done(response_id))
    return steps


def realtime_done(response_id: str, status: str = "completed") -> dict[str, Any]:
    return {
        "type": "response.done",
        "response": {
            "id": response_id, "status": status,
            "usage": {"total_tokens": 30, "input_tokens": 20, "output_tokens": 10,
                      "input_token_details": {"text_tokens": 5, "audio_tokens": 15,
                                              "cached_tokens": 0},
                      "output_token_details": {"text_tokens": 2, "audio_tokens": 8}},
        },
    }
