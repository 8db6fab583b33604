"""A local fake of the reference's hosted knowledge-base search API.

``POST /ai/v1/knowledge-bases/{id}/search`` with ``Authorization: <token>`` and the JSON body
``{"queryText": str, "topK": int}`` answers ``{"results": [{"payload": {"text"}, "score"}]}``,
best first (scored by shared words, enough to tell documents apart). It checks the request
the way the service would (401 without the token, 404 for an unknown id, 400 for a bad body),
records every request, and can fail or stall on demand.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_WORD = re.compile(r"\w+")


@dataclass
class FakeHostedKnowledgeBase:
    token: str
    bases: dict[str, list[str]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_status: int | None = None
    stall_seconds: float = 0.0
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> FakeHostedKnowledgeBase:
        app = web.Application()
        app.router.add_post("/ai/v1/knowledge-bases/{kb_id}/search", self._search)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _search(self, request: web.Request) -> web.Response:
        kb_id = request.match_info["kb_id"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append({"kb_id": kb_id, "headers": dict(request.headers), "body": body})
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        if self.fail_status is not None:
            return web.json_response({"error": "unavailable"}, status=self.fail_status)
        if request.headers.get("Authorization") != self.token:
            return web.json_response({"error": "unauthorized"}, status=401)
        if kb_id not in self.bases:
            return web.json_response({"error": "knowledge base not found"}, status=404)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("queryText"), str)
            or not isinstance(body.get("topK"), int)
        ):
            return web.json_response({"error": "queryText and topK are required"}, status=400)
        query = set(_WORD.findall(body["queryText"].lower()))
        scored = []
        for n, text in enumerate(self.bases[kb_id]):
            words = set(_WORD.findall(text.lower()))
            score = len(query & words) / (len(query) or 1)
            scored.append({"id": f"doc-{n}", "score": round(score, 4), "payload": {"text": text}})
        scored.sort(key=lambda r: -r["score"])
        return web.json_response({"results": scored[: body["topK"]]})
