"""Building a local knowledge base from a folder of documents (``vocalis kb ingest``).

Ingestion is incremental: a file whose content hash is unchanged is skipped, a changed one
is replaced, and (unless ``keep_missing``) documents whose file is gone are removed. A file
that cannot be read is reported and skipped; the rest goes on.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import DEFAULT_MAX_WORDS, DEFAULT_OVERLAP_WORDS, chunk_document
from .documents import SUPPORTED_SUFFIXES, DocumentError, read_document
from .encoder import SentenceEncoder
from .store import VectorStore


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0
    total_chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} "
            f"unchanged, {len(self.removed)} removed, {len(self.failed)} failed; "
            f"{self.chunks_written} chunks embedded, {self.total_chunks} in the store "
            f"({self.seconds:.1f} s)"
        )


def find_documents(folder: Path) -> list[Path]:
    """Supported files under ``folder`` (hidden files and folders skipped), sorted."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def ingest(
    source_dir: str | Path,
    into: str | Path,
    *,
    encoder: SentenceEncoder | None = None,
    max_words: int = DEFAULT_MAX_WORDS,
    overlap_words: int = DEFAULT_OVERLAP_WORDS,
    keep_missing: bool = False,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Bring the store at ``into`` up to date with the documents under ``source_dir``."""
    started = time.perf_counter()
    folder = Path(source_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"not a folder: {folder}")
    encoder = encoder or SentenceEncoder.shared()
    store = VectorStore(into, encoder=encoder.name, dimension=encoder.dimension, create=True)
    report = IngestReport()
    try:
        known = store.documents()
        seen: set[str] = set()
        for path in find_documents(folder):
            source = path.relative_to(folder).as_posix()
            seen.add(source)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            previous = known.get(source)
            if previous is not None and previous.sha256 == digest:
                report.unchanged.append(source)
                continue
            try:
                document = read_document(path, source)
            except DocumentError as exc:
                report.failed.append((source, str(exc)))
                continue
            chunks = chunk_document(document, max_words=max_words, overlap_words=overlap_words)
            vectors = encoder.encode([c.embedding_text for c in chunks])
            store.replace_document(
                source, document.title, digest, [(c.heading, c.text) for c in chunks], vectors
            )
            report.chunks_written += len(chunks)
            (report.updated if previous is not None else report.added).append(source)
            if progress is not None:
                progress(f"{source}: {len(chunks)} chunks")
        if not keep_missing:
            for source in sorted(set(known) - seen):
                store.delete_document(source)
                report.removed.append(source)
        report.total_chunks = store.count_chunks()
    finally:
        store.close()
    report.seconds = time.perf_counter() - started
    return report
