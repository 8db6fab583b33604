"""``vocalis kb``: build a local knowledge base from documents, and search it from the terminal."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO


def add_kb_parser(sub: Any) -> None:
    kb = sub.add_parser(
        "kb", help="local knowledge bases: ingest documents, search them",
        description="Build a knowledge base for Agent(knowledge_base=KnowledgeBase.local(DIR)).",
    )
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    ingest = commands.add_parser(
        "ingest", help="add or update the Markdown, text, HTML and PDF files under DOCS",
        description="Chunk and embed the documents under DOCS into the store at --into "
                    "(incremental: unchanged files are skipped, deleted files removed).",
    )
    ingest.add_argument("docs", metavar="DOCS", help="folder of documents")
    ingest.add_argument("--into", required=True, metavar="KB_DIR",
                        help="folder of the knowledge base (created if missing)")
    ingest.add_argument("--max-words", type=int, default=None,
                        help="words per chunk at most (default 160)")
    ingest.add_argument("--keep-missing", action="store_true",
                        help="keep documents whose file is gone")
    search = commands.add_parser("search", help="show the passages a question retrieves")
    search.add_argument("kb_dir", metavar="KB_DIR")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--top-k", type=int, default=3)


def run_kb(args: argparse.Namespace, out: TextIO) -> int:
    from ..knowledge_base.encoder import EncoderUnavailableError
    from ..knowledge_base.store import StoreError

    try:
        if args.kb_command == "ingest":
            return _ingest(args, out)
        return _search(args, out)
    except (EncoderUnavailableError, StoreError, FileNotFoundError, ValueError) as exc:
        sys.stderr.write(f"vocalis: error: {exc}\n")
        return 2


def _ingest(args: argparse.Namespace, out: TextIO) -> int:
    from ..knowledge_base.chunking import DEFAULT_MAX_WORDS
    from ..knowledge_base.encoder import SentenceEncoder
    from ..knowledge_base.ingest import ingest

    report = ingest(
        args.docs, args.into, encoder=SentenceEncoder(threads=0),
        max_words=args.max_words or DEFAULT_MAX_WORDS,
        keep_missing=args.keep_missing, progress=lambda line: out.write(f"  {line}\n"),
    )
    for source, reason in report.failed:
        out.write(f"  skipped {source}: {reason}\n")
    out.write(f"{args.into}: {report.summary()}\n")
    return 1 if report.failed and not (report.added or report.updated or report.unchanged) else 0


def _search(args: argparse.Namespace, out: TextIO) -> int:
    from ..knowledge_base.local import LocalSearch

    backend = LocalSearch(args.kb_dir, preload=False)
    backend.encoder  # noqa: B018 - load it before timing the search
    started = time.perf_counter()
    hits = backend.search_sync(args.query, args.top_k)
    elapsed = (time.perf_counter() - started) * 1000
    for n, hit in enumerate(hits, 1):
        out.write(f"{n}. [{hit.score:.3f}] {hit.source} - {hit.label}\n   {hit.text[:300]}\n")
    out.write(f"({len(hits)} of {backend.count_chunks()} chunks, {elapsed:.0f} ms)\n")
    return 0
