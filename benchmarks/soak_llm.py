"""The soak benchmark's language model: a local OpenAI-compatible server that can fail.

``POST /v1/chat/completions`` streams a short answer as Server-Sent Events, exactly as OpenAI
does, unless the last user message names a fault (the soak's callers ask for one with their
question): "joke" gets HTTP 500, "weather" a server that never answers, "story" a stream cut
after its first words, "music" malformed SSE. Every request is counted by what it got.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from aiohttp import web

ANSWER = "It is a quarter past three in the afternoon."

FAULTS = {"joke": "http_500", "weather": "hang", "story": "cut_stream", "music": "malformed_sse"}
"""Keyword in the caller's question → what the server does."""

HANG_SECONDS = 120.0


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-soak", "object": "chat.completion.chunk", "created": 1700000000,
        "model": "soak-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def last_user_text(messages: list[dict[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    content = users[-1].get("content", "") if users else ""
    return content if isinstance(content, str) else json.dumps(content)


def fault_for(text: str) -> str:
    """What to do for a request whose last user message is ``text``."""
    return next((mode for word, mode in FAULTS.items() if word in text.lower()), "normal")


class FaultyLLMServer:
    """``async with FaultyLLMServer() as llm: llm.base_url``; ``llm.requests`` counts modes,
    ``llm.heard`` the user messages (what the server's STT made of the callers' questions)."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.heard: Counter[str] = Counter()
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> FaultyLLMServer:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        text = last_user_text(body.get("messages", []))
        mode = fault_for(text)
        self.requests[mode] += 1
        self.heard[text.strip().lower()] += 1
        if mode == "http_500":
            error = {"error": {"message": "soak: injected failure", "type": "server_error"}}
            return web.json_response(error, status=500)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if mode == "hang":
            await asyncio.sleep(HANG_SECONDS)
            return response
        await response.write(_chunk({"role": "assistant", "content": ""}))
        words = ANSWER.split(" ")
        if mode == "cut_stream":
            await response.write(_chunk({"content": " ".join(words[:3])}))
            assert request.transport is not None
            request.transport.abort()
            return response
        if mode == "malformed_sse":
            await response.write(b'data: {"choices": [{"delta": {"content": "It is\n\n')
            await response.write(b"data: not json at all\n\n")
            await response.write(b"data: [DONE]\n\n")
            return response
        for i, word in enumerate(words):
            await response.write(_chunk({"content": word if i == 0 else f" {word}"}))
        await response.write(_chunk({}, finish_reason="stop"))
        await response.write(b"data: [DONE]\n\n")
        return response
