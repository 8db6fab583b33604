"""The reference's hosted search backend: ``POST {base}/ai/v1/knowledge-bases/{id}/search``.

Request ``{"queryText", "topK"}`` with ``Authorization: <token>``; response ``{"results":
[{"payload": {"text"}, "score"}]}``. As in the reference it never raises: a missing token, an
HTTP error or a timeout is logged and gives no documents. Unlike the reference (its bug 10),
the token can be given in the config; ``VIDEOSDK_AUTH_TOKEN`` is only the fallback.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import aiohttp

from .store import SearchHit

if TYPE_CHECKING:
    from .knowledge_base import KnowledgeBaseConfig

logger = logging.getLogger("vocalis.knowledge_base")

TOKEN_ENV = "VIDEOSDK_AUTH_TOKEN"


class HostedSearch:
    """Searches a knowledge base managed by a hosted service, by its ``config.id``."""

    def __init__(self, config: KnowledgeBaseConfig) -> None:
        self.config = config
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        base = self.config.api_base_url.rstrip("/")
        return f"{base}/ai/v1/knowledge-bases/{self.config.id}/search"

    async def search(self, query: str, top_k: int) -> list[SearchHit]:
        token = self.config.auth_token or os.environ.get(TOKEN_ENV)
        if not token:
            logger.warning("knowledge base %r: no auth token (set %s or auth_token); "
                           "no documents retrieved", self.config.id, TOKEN_ENV)
            return []
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.timeout)
            )
        try:
            async with self._http.post(
                self.url,
                json={"queryText": query, "topK": top_k},
                headers={"Authorization": token, "Content-Type": "application/json"},
            ) as response:
                if response.status != 200:
                    body = (await response.text())[:200]
                    logger.warning("knowledge base %r search failed: HTTP %d %s",
                                   self.config.id, response.status, body)
                    return []
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.warning("knowledge base %r search failed: %s", self.config.id,
                           str(exc) or type(exc).__name__)
            return []
        return _hits(data)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


def _hits(data: Any) -> list[SearchHit]:
    results = data.get("results") if isinstance(data, dict) else None
    hits = []
    for n, result in enumerate(results if isinstance(results, list) else []):
        if not isinstance(result, dict):
            continue
        payload = result.get("payload")
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            continue
        score = result.get("score")
        hits.append(SearchHit(
            chunk_id=n, text=text.strip(), heading="", title="",
            source=str(payload.get("source", "")) if isinstance(payload, dict) else "",
            score=float(score) if isinstance(score, int | float) else 0.0,
        ))
    return hits
