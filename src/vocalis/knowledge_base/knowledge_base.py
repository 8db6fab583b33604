"""``KnowledgeBase`` and ``KnowledgeBaseConfig``: retrieval-augmented answers with the
reference's hooks.

Before the LLM answers a user turn (cascaded and hybrid modes), the pipeline calls
``process_query(transcript)``: ``allow_retrieval`` → ``pre_process_query`` →
``retrieve_documents`` → ``format_context``; the context it returns is shown to the LLM for
that reply. Override any hook in a subclass. The backend searches either a local store
(``KnowledgeBase.local("kb/")``, built with ``vocalis kb ingest``) or, as in the reference,
a hosted knowledge base by id (``KnowledgeBase(KnowledgeBaseConfig(id=...))``).
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .store import SearchHit

logger = logging.getLogger("vocalis.knowledge_base")


@dataclass
class KnowledgeBaseConfig:
    """``id`` names the knowledge base (the hosted one's id, or the local store's folder);
    ``top_k`` documents are retrieved per query.

    Vocalis additions: ``min_score`` drops documents less similar than it (cosine, local
    store); ``api_base_url``, ``auth_token`` and ``timeout`` configure the hosted search.
    """

    id: str
    top_k: int = 3
    min_score: float = 0.0
    api_base_url: str = "https://api.videosdk.live"
    auth_token: str | None = None
    timeout: float = 3.0

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("KnowledgeBaseConfig.id is required")
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")


class SearchBackend(Protocol):
    """Where documents come from."""

    async def search(self, query: str, top_k: int) -> list[SearchHit]: ...

    async def aclose(self) -> None: ...


class KnowledgeBase:
    """Retrieves documents for a user turn and formats them as context for the LLM.

    ``last_hits`` keeps the documents of the last retrieval with their scores (for metrics
    and debugging).
    """

    def __init__(self, config: KnowledgeBaseConfig, *, backend: SearchBackend | None = None):
        self.config = config
        if backend is None:
            from .hosted import HostedSearch

            backend = HostedSearch(config)
        self.backend = backend
        self.last_hits: list[SearchHit] = []

    @classmethod
    def local(
        cls, path: str | Path, *, top_k: int = 3, min_score: float = 0.0, **options: Any
    ) -> KnowledgeBase:
        """The knowledge base stored at ``path`` by ``vocalis kb ingest DIR --into path``."""
        from .local import LocalSearch

        config = KnowledgeBaseConfig(id=str(path), top_k=top_k, min_score=min_score)
        return cls(config, backend=LocalSearch(path, **options))

    # ---- hooks (override in a subclass) --------------------------------------------------

    def allow_retrieval(self, transcript: str) -> bool:
        """Whether to search at all for this turn (default: yes)."""
        return True

    def pre_process_query(self, transcript: str) -> str:
        """Rewrite the transcript into a search query (default: unchanged)."""
        return transcript

    async def retrieve_documents(self, query: str) -> list[str]:
        """The texts of the ``top_k`` documents best matching ``query``; never raises."""
        try:
            hits = await self.backend.search(query, self.config.top_k)
        except Exception:
            logger.exception("knowledge base %r: search failed", self.config.id)
            hits = []
        self.last_hits = [h for h in hits if h.score >= self.config.min_score]
        return [_document_text(h) for h in self.last_hits]

    def format_context(self, documents: list[str]) -> str:
        """The text shown to the LLM; empty when there are no documents."""
        if not documents:
            return ""
        lines = "\n".join(f"- {doc}" for doc in documents)
        return f"Use the following context to answer the user:\n{lines}\n"

    async def process_query(self, transcript: str) -> str | None:
        """The whole step: None when retrieval is skipped or finds nothing."""
        if not transcript.strip() or not await _maybe_await(self.allow_retrieval(transcript)):
            return None
        query = await _maybe_await(self.pre_process_query(transcript))
        if not query:
            return None
        documents = await self.retrieve_documents(query)
        return self.format_context(documents) or None

    async def aclose(self) -> None:
        await self.backend.aclose()


def _document_text(hit: SearchHit) -> str:
    return f"{hit.label}: {hit.text}" if hit.label else hit.text


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
