"""A scriptable fake of OpenAI's HTTP API on 127.0.0.1: chat completions (SSE), audio/speech
(streamed PCM) and audio/transcriptions (multipart), recording every request it receives.

A reply is a list of steps: a ``dict`` is one SSE ``data:`` line (chat) or a JSON body,
``bytes`` a raw body chunk, ``Sleep`` a pause, ``Raw`` text written as is (malformed data),
``Drop`` an abrupt disconnect, ``Status`` an HTTP error reply, ``DONE`` the ``data: [DONE]``
line. Queue replies with ``fake.chat_replies.append([...])``; without one, a default reply.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict


@dataclass
class Sleep:
    seconds: float


@dataclass
class Raw:
    text: str


@dataclass
class Drop:
    """Close the TCP connection without finishing the response."""


@dataclass
class Status:
    code: int
    body: dict[str, Any] = field(
        default_factory=lambda: {"error": {"message": "boom", "type": "server_error"}}
    )


DONE = Raw("data: [DONE]\n\n")


@dataclass
class RecordedRequest:
    path: str
    headers: CIMultiDict[str]
    query: dict[str, str]
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None


def chat_chunk(
    delta: dict[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = None,
    no_choices: bool = False,
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` object."""
    chunk: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": []
        if no_choices
        else [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason}],
    }
    if usage is not None:
        chunk["usage"] = usage
    return chunk


USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 5,
    "total_tokens": 17,
    "prompt_tokens_details": {"cached_tokens": 4},
    "completion_tokens_details": {"reasoning_tokens": 0},
}


def chat_text_reply(*pieces: str) -> list[Any]:
    """Steps streaming ``pieces`` as content deltas, then usage and ``[DONE]``."""
    steps: list[Any] = [chat_chunk({"role": "assistant", "content": ""})]
    steps += [chat_chunk({"content": p}) for p in pieces]
    steps += [chat_chunk({}, finish_reason="stop"), chat_chunk(no_choices=True, usage=USAGE), DONE]
    return steps


def tool_call_fragments(index: int, call_id: str, name: str, arguments: str, parts: int = 4):
    """Tool-call deltas: id and name first, then the arguments split over ``parts`` chunks."""
    size = max(1, -(-len(arguments) // parts))
    steps = [
        chat_chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ]
            }
        )
    ]
    for start in range(0, len(arguments), size):
        piece = arguments[start : start + size]
        steps.append(
            chat_chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        )
    return steps


class FakeOpenAIHTTP:
    """The fake server; use as ``async with FakeOpenAIHTTP() as fake: fake.base_url``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.chat_replies: list[list[Any]] = []
        self.chat_responder: Callable[[dict[str, Any]], list[Any]] | None = None
        """When set, picks each chat reply from the request's JSON (instead of the queue)."""
        self.speech_replies: list[list[Any]] = []
        self.transcription_replies: list[list[Any]] = []
        self.speech_cancelled = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def of(self, path_suffix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    async def __aenter__(self) -> FakeOpenAIHTTP:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_post("/v1/audio/transcriptions", self._transcriptions)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, request: web.Request, *, multipart: bool = False) -> None:
        record = RecordedRequest(request.path, CIMultiDict(request.headers), dict(request.query))
        if multipart:
            form: dict[str, Any] = {}
            async for part in await request.multipart():
                data = await part.read()  # type: ignore[union-attr]
                form[part.name or ""] = data if part.filename else data.decode()
            record.form = form
        else:
            record.json = await request.json()
        self.requests.append(record)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        if self.chat_responder is not None:
            steps = self.chat_responder(self.requests[-1].json or {})
        else:
            steps = self.chat_replies.pop(0) if self.chat_replies else chat_text_reply("Hello", "!")
        return await self._play(request, steps, content_type="text/event-stream", sse=True)

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        steps = self.speech_replies.pop(0) if self.speech_replies else [b"\x01\x00" * 2400]
        try:
            return await self._play(request, steps, content_type="application/octet-stream")
        except ConnectionResetError:
            self.speech_cancelled.set()
            raise

    async def _transcriptions(self, request: web.Request) -> web.StreamResponse:
        await self._record(request, multipart=True)
        steps = self.transcription_replies.pop(0) if self.transcription_replies else []
        for step in steps:
            if isinstance(step, Sleep):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, Status):
                return web.json_response(step.body, status=step.code)
            elif isinstance(step, dict):
                return web.json_response(step)
        return web.json_response({"text": "hello world"})

    async def _play(
        self, request: web.Request, steps: list[Any], *, content_type: str, sse: bool = False
    ) -> web.StreamResponse:
        if steps and isinstance(steps[0], Status):
            return web.json_response(steps[0].body, status=steps[0].code)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        for step in steps:
            if isinstance(step, Sleep):
                if not await _sleep_unless_disconnected(request, step.seconds):
                    raise ConnectionResetError("client went away")
            elif isinstance(step, Drop):
                assert request.transport is not None
                request.transport.abort()
                return response
            elif isinstance(step, Raw):
                await response.write(step.text.encode())
            elif isinstance(step, bytes):
                await response.write(step)
            elif isinstance(step, dict):
                line = json.dumps(step)
                await response.write(f"data: {line}\n\n".encode() if sse else line.encode())
        await response.write_eof()
        return response


async def _sleep_unless_disconnected(request: web.Request, seconds: float) -> bool:
    """Sleep; False as soon as the client closes the connection."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        if request.transport is None or request.transport.is_closing():
            return False
        await asyncio.sleep(min(0.01, end - loop.time()))
    return True
