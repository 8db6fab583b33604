"""The local search backend: the sentence encoder plus the vector store, off the event loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from .encoder import SentenceEncoder
from .store import SearchHit, VectorStore


class LocalSearch:
    """Searches a store built by ``vocalis kb ingest`` (see ``KnowledgeBase.local``).

    The encoder (about a second to build) is prepared in a background thread as soon as the
    backend is created, so the first user turn does not wait for it; the store is opened at
    once, so a wrong path fails at construction with the command that builds it.
    """

    def __init__(
        self, path: str | Path, *, encoder: SentenceEncoder | None = None, preload: bool = True
    ) -> None:
        self.path = Path(path)
        self._encoder = encoder
        self._encoder_ready = threading.Event()
        self._encoder_error: BaseException | None = None
        if encoder is not None:
            self._encoder_ready.set()
        elif preload:
            threading.Thread(target=self._build_encoder, name="vocalis-kb-encoder",
                             daemon=True).start()
        self._store = VectorStore(path, encoder=SentenceEncoder.name,
                                  dimension=SentenceEncoder.dimension)

    def _build_encoder(self) -> None:
        try:
            self._encoder = SentenceEncoder.shared()
        except BaseException as exc:
            self._encoder_error = exc
        finally:
            self._encoder_ready.set()

    @property
    def encoder(self) -> SentenceEncoder:
        if not self._encoder_ready.is_set() and self._encoder is None:
            self._build_encoder()
        self._encoder_ready.wait()
        if self._encoder is None:
            raise self._encoder_error or RuntimeError("the sentence encoder did not load")
        return self._encoder

    @property
    def store(self) -> VectorStore:
        return self._store

    def search_sync(self, query: str, top_k: int) -> list[SearchHit]:
        """Blocking search (benchmarks, CLI)."""
        vector = self.encoder.encode([query])[0]
        return self._store.search(vector, top_k, query)

    async def search(self, query: str, top_k: int) -> list[SearchHit]:
        return await asyncio.to_thread(self.search_sync, query, top_k)

    def count_chunks(self) -> int:
        return self._store.count_chunks()

    async def aclose(self) -> None:
        self._store.close()
