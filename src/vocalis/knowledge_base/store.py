"""The persisted vector store: one SQLite file holding documents, chunks and their vectors.

Vectors live in a ``sqlite-vec`` ``vec0`` table (exact cosine k-nearest-neighbour search in
C, a few milliseconds for tens of thousands of chunks); texts and sources in ordinary tables
of the same file, so a document is replaced in one transaction. Why this store: it is
embedded (no server), a single file to copy or ship, small (no Arrow stack), and exact.
SQLite comes from ``apsw``, which bundles a SQLite that can load extensions (many Python
builds, pyenv's and macOS's among them, cannot).

Search is hybrid: the nearest vectors and the best full-text matches (SQLite FTS5, BM25) are
merged by reciprocal rank fusion. Words catch what a small encoder blurs (an error code, a
product name), and it costs about a millisecond (see ``benchmarks/knowledge.py``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

STORE_FILE = "knowledge.sqlite"
SCHEMA_VERSION = "1"

#: Candidates taken from each of the two searches before fusion, and the fusion constant.
CANDIDATES = 20
RRF_K = 60

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_WORDS = frozenset(_WORD.findall(
    "a an and are as at be by can could did do does for from had has have how i if in is it "
    "its me my of on or our should so that the their there this to was we what when where "
    "which who why will with would you your"
))


class StoreError(RuntimeError):
    """The store is missing, damaged, or was built with another encoder."""


@dataclass
class StoredDocument:
    id: int
    source: str
    title: str
    sha256: str


@dataclass
class SearchHit:
    """A chunk found for a query; ``score`` is the cosine similarity (1 = same meaning)."""

    chunk_id: int
    text: str
    heading: str
    title: str
    source: str
    score: float

    @property
    def label(self) -> str:
        return " > ".join(p for p in (self.title, self.heading) if p)


def store_file(path: str | Path) -> Path:
    """``path`` itself if it names a file, else ``path/knowledge.sqlite``."""
    path = Path(path)
    return path if path.suffix in (".sqlite", ".db") else path / STORE_FILE


def _connect(file: Path) -> Any:
    try:
        import apsw
        import sqlite_vec
    except ImportError as exc:
        raise StoreError(
            f"the knowledge base store needs apsw and sqlite-vec ({exc}): "
            "pip install 'vocalis[knowledge]'"
        ) from None
    connection = apsw.Connection(str(file))
    connection.enable_load_extension(True)
    connection.load_extension(sqlite_vec.loadable_path())
    connection.enable_load_extension(False)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    # Every search reads all vectors: keep them in memory (10k chunks are about 15 MB).
    connection.execute("PRAGMA cache_size = -65536")
    connection.execute("PRAGMA mmap_size = 268435456")
    return connection


class VectorStore:
    """Documents, chunks and vectors in ``<folder>/knowledge.sqlite``.

    ``create=True`` makes the folder and file if needed; ``encoder`` and ``dimension`` are
    recorded at creation and checked on every later open.
    """

    def __init__(
        self, path: str | Path, *, encoder: str, dimension: int, create: bool = False
    ) -> None:
        self.file = store_file(path)
        if not self.file.is_file():
            if not create:
                raise StoreError(
                    f"no knowledge base at {self.file}: build one with "
                    f"`vocalis kb ingest DOCS_DIR --into {Path(path)}`"
                )
            self.file.parent.mkdir(parents=True, exist_ok=True)
        self._db = _connect(self.file)
        self._lock = threading.Lock()
        self.encoder = encoder
        self.dimension = dimension
        self._prepare(create)

    def _prepare(self, create: bool) -> None:
        db = self._db
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)")
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if not meta:
                if not create:
                    raise StoreError(f"{self.file} is not a knowledge base (no metadata)")
                db.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [("schema", SCHEMA_VERSION), ("encoder", self.encoder),
                     ("dimension", str(self.dimension))],
                )
                meta = {"schema": SCHEMA_VERSION, "encoder": self.encoder,
                        "dimension": str(self.dimension)}
            if meta.get("schema") != SCHEMA_VERSION:
                raise StoreError(f"{self.file}: unknown store version {meta.get('schema')!r}")
            if meta.get("encoder") != self.encoder or meta.get("dimension") != str(self.dimension):
                raise StoreError(
                    f"{self.file} was built with {meta.get('encoder')} "
                    f"({meta.get('dimension')} dimensions), not {self.encoder}: ingest again "
                    "into a new folder"
                )
            db.execute(
                "CREATE TABLE IF NOT EXISTS documents(id INTEGER PRIMARY KEY, "
                "source TEXT UNIQUE NOT NULL, title TEXT NOT NULL, sha256 TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, "
                "document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE, "
                "position INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL)"
            )
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vectors USING "
                f"vec0(embedding float[{self.dimension}] distance_metric=cosine)"
            )
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS chunk_words USING fts5(text, content='', "
                "contentless_delete=1, tokenize='porter unicode61')"
            )
            if (db.execute("SELECT count(*) FROM chunk_words").fetchall()[0][0] == 0):
                db.execute(
                    "INSERT INTO chunk_words(rowid, text) SELECT c.id, d.title || ' ' || "
                    "c.heading || ' ' || c.text FROM chunks c JOIN documents d ON d.id = "
                    "c.document_id"
                )

    # ---- writing -------------------------------------------------------------------------

    def documents(self) -> dict[str, StoredDocument]:
        with self._lock:
            rows = self._db.execute("SELECT id, source, title, sha256 FROM documents").fetchall()
        return {row[1]: StoredDocument(*row) for row in rows}

    def replace_document(
        self,
        source: str,
        title: str,
        sha256: str,
        chunks: list[tuple[str, str]],
        vectors: np.ndarray,
    ) -> None:
        """Store ``source`` with its ``(heading, text)`` chunks and their vectors, replacing
        any earlier version, in one transaction."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is needed")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock, self._db:
            self._delete(source)
            self._db.execute(
                "INSERT INTO documents(source, title, sha256) VALUES (?, ?, ?)",
                (source, title, sha256),
            )
            document_id = self._db.last_insert_rowid()
            for position, ((heading, text), vector) in enumerate(zip(chunks, vectors, strict=True)):
                self._db.execute(
                    "INSERT INTO chunks(document_id, position, heading, text) VALUES (?, ?, ?, ?)",
                    (document_id, position, heading, text),
                )
                chunk_id = self._db.last_insert_rowid()
                self._db.execute(
                    "INSERT INTO chunk_vectors(rowid, embedding) VALUES (?, ?)",
                    (chunk_id, vector.tobytes()),
                )
                self._db.execute(
                    "INSERT INTO chunk_words(rowid, text) VALUES (?, ?)",
                    (chunk_id, f"{title} {heading} {text}"),
                )

    def delete_document(self, source: str) -> None:
        with self._lock, self._db:
            self._delete(source)

    def _delete(self, source: str) -> None:
        for table in ("chunk_vectors", "chunk_words"):
            self._db.execute(
                f"DELETE FROM {table} WHERE rowid IN (SELECT c.id FROM chunks c "
                "JOIN documents d ON d.id = c.document_id WHERE d.source = ?)",
                (source,),
            )
        self._db.execute("DELETE FROM documents WHERE source = ?", (source,))

    # ---- reading -------------------------------------------------------------------------

    def count_chunks(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchall()[0][0])

    def search(self, vector: np.ndarray, k: int, text: str | None = None) -> list[SearchHit]:
        """The ``k`` chunks best matching the query, best first: its ``vector`` (unit length)
        alone, or fused with a full-text search of its ``text``."""
        query = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
        candidates = max(CANDIDATES, 2 * k)
        with self._lock:
            nearest = [row[0] for row in self._db.execute(
                "SELECT rowid FROM chunk_vectors WHERE embedding MATCH ? AND k = ?",
                (query, candidates),
            ).fetchall()]
            words = full_text_query(text) if text else ""
            matching = [row[0] for row in self._db.execute(
                "SELECT rowid FROM chunk_words WHERE chunk_words MATCH ? ORDER BY rank LIMIT ?",
                (words, candidates),
            ).fetchall()] if words else []
            best = fuse([nearest, matching])[:k]
            if not best:
                return []
            marks = ",".join("?" * len(best))
            rows = self._db.execute(
                "SELECT c.id, c.text, c.heading, d.title, d.source, "
                "vec_distance_cosine(v.embedding, ?) FROM chunks c "
                "JOIN documents d ON d.id = c.document_id JOIN chunk_vectors v ON v.rowid = c.id "
                f"WHERE c.id IN ({marks})",
                (query, *best),
            ).fetchall()
        by_id = {row[0]: row for row in rows}
        return [
            SearchHit(cid, text_, heading, title, source, 1.0 - float(distance))
            for cid, text_, heading, title, source, distance in (by_id[i] for i in best)
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def full_text_query(text: str) -> str:
    """An FTS5 query matching any of the text's words (common words dropped), each quoted."""
    words = dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in _STOP_WORDS)
    return " OR ".join(f'"{w}"' for w in words)


def fuse(rankings: list[list[int]]) -> list[int]:
    """Reciprocal rank fusion: ids ordered by the sum of 1 / (RRF_K + rank) over rankings."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores, key=lambda item: -scores[item])
