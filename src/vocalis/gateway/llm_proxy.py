"""``POST /v1/chat/completions``: both gateways' LLM protocol, relayed to any
OpenAI-compatible server (``--llm-url``) with its own key, streamed back as it comes."""

from __future__ import annotations

import aiohttp
from aiohttp import web

_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}


def openai_error(message: str, status: int, kind: str = "gateway_error") -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind}}, status=status)


class LLMProxy:
    """Relays chat completions; one HTTP session per gateway process."""

    def __init__(self, upstream: str | None, api_key: str | None) -> None:
        self.upstream = upstream.rstrip("/") if upstream else None
        self.api_key = api_key
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.upstream is None:
            return openai_error("no LLM behind this gateway: start it with --llm-url "
                                "(any OpenAI-compatible server)", 503)
        try:
            body = await request.json()
        except ValueError:
            return openai_error("the body must be JSON", 400, "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return openai_error("the body needs a messages list", 400, "invalid_request_error")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=60))
        try:
            async with self._session.post(f"{self.upstream}/chat/completions", json=body,
                                          headers=headers) as upstream:
                response = web.StreamResponse(status=upstream.status, headers={
                    k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS})
                await response.prepare(request)
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
                return response
        except (aiohttp.ClientError, TimeoutError) as exc:
            return openai_error(f"the upstream LLM failed: {exc!r}", 502)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
