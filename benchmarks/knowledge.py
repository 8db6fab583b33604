"""Retrieval quality and speed of the local knowledge base (MiniLM on ONNX Runtime + sqlite-vec).

Quality: 123 labelled questions about the Aurora T3 manual (``examples/support_desk/manual``,
written for Vocalis and placed in the public domain; questions in
``benchmarks/data/knowledge_questions.json``, each labelled with the section that answers
it). A question counts as found at k when one of the first k passages comes from its section.

Speed at scale: the manual plus distractor passages from Python's own documentation shipped
with the interpreter and installed packages (the ``pydoc`` help topics and module, class and
function docstrings), up to ``--chunks`` passages (10,000 by default). Query latency is the
whole retrieval a turn waits for: embedding the question, the k-nearest-neighbour search and
reading the passages (``p50_encode_ms`` is the embedding's share). The 10k store is cached (``--cache``) because embedding it takes minutes.

Prints one JSON line per figure. Run: ``.venv/bin/python benchmarks/knowledge.py``.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from vocalis.knowledge_base import Document, Section, VectorStore, chunk_document, ingest
from vocalis.knowledge_base.encoder import SentenceEncoder
from vocalis.knowledge_base.local import LocalSearch

ROOT = Path(__file__).resolve().parents[1]
MANUAL = ROOT / "examples" / "support_desk" / "manual"
QUESTIONS = Path(__file__).with_name("data") / "knowledge_questions.json"
TARGET_MS = 30.0


def emit(figure: str, **values: object) -> None:
    print(json.dumps({"benchmark": "knowledge", "figure": figure, **values}), flush=True)


def load_questions() -> list[dict[str, str]]:
    return json.loads(QUESTIONS.read_text())["questions"]


def evaluate(search: LocalSearch, questions: list[dict[str, str]], repeat: int = 1) -> dict:
    """recall@1/@3, mean reciprocal rank (first 10) and latency percentiles."""
    ranks: list[int | None] = []
    latencies: list[float] = []
    encoding: list[float] = []
    for _ in range(repeat):
        ranks.clear()
        for item in questions:
            started = time.perf_counter()
            vector = search.encoder.encode([item["question"]])[0]
            encoded = time.perf_counter()
            hits = search.store.search(vector, 10, item["question"])
            latencies.append((time.perf_counter() - started) * 1000.0)
            encoding.append((encoded - started) * 1000.0)
            rank = next((n for n, h in enumerate(hits, 1)
                         if h.source == item["source"] and h.heading == item["heading"]), None)
            ranks.append(rank)
    found = lambda k: sum(1 for r in ranks if r is not None and r <= k) / len(ranks)  # noqa: E731
    latencies.sort()
    return {
        "recall_at_1": round(found(1), 3),
        "recall_at_3": round(found(3), 3),
        "mrr_at_10": round(sum(1 / r for r in ranks if r) / len(ranks), 3),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "p50_encode_ms": round(statistics.median(encoding), 2),
        "misses_at_3": [q["question"] for q, r in zip(questions, ranks, strict=True)
                        if r is None or r > 3],
    }


def python_documentation() -> Iterator[Document]:
    """Help topics, then docstrings of the standard library and installed packages."""
    from pydoc_data.topics import topics

    for name, text in sorted(topics.items()):
        sections = [Section(name, p) for p in text.split("\n\n") if len(p.split()) >= 8]
        yield Document(f"pydoc:{name}", f"Python help: {name}", sections)
    folders = [Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])]
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            if any(part in ("test", "tests", "vocalis") for part in path.parts):
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
                continue
            sections = []
            for node in ast.walk(tree):
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                              | ast.AsyncFunctionDef):
                    doc = ast.get_docstring(node)
                    if doc and len(doc.split()) >= 12:
                        sections.append(Section(getattr(node, "name", path.stem), doc))
            if sections:
                yield Document(str(path.relative_to(folder)), path.stem, sections)


def build_large_store(folder: Path, total_chunks: int, encoder: SentenceEncoder) -> dict:
    """The manual plus documentation passages up to ``total_chunks``; returns build figures."""
    started = time.perf_counter()
    report = ingest(MANUAL, folder, encoder=encoder)
    store = VectorStore(folder, encoder=encoder.name, dimension=encoder.dimension)
    budget = total_chunks - report.total_chunks
    documents = []
    for document in python_documentation():
        chunks = chunk_document(document)
        if not chunks:
            continue
        chunks = chunks[:budget]
        documents.append((document, chunks))
        budget -= len(chunks)
        if budget <= 0:
            break
    texts = [c.embedding_text for _, chunks in documents for c in chunks]
    embed_started = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=64)
    embed_seconds = time.perf_counter() - embed_started
    offset = 0
    for document, chunks in documents:
        digest = hashlib.sha256(document.text.encode()).hexdigest()
        store.replace_document(document.source, document.title, digest,
                               [(c.heading, c.text) for c in chunks],
                               vectors[offset:offset + len(chunks)])
        offset += len(chunks)
    count = store.count_chunks()
    store.close()
    return {"chunks": count, "embedded": len(texts), "embed_seconds": round(embed_seconds, 1),
            "chunks_per_second": round(len(texts) / embed_seconds, 1),
            "build_seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(),
                                                        "vocalis-knowledge-bench"))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    encoder_started = time.perf_counter()
    encoder = SentenceEncoder.shared()
    emit("encoder_load_seconds", value=round(time.perf_counter() - encoder_started, 2),
         encoder=encoder.name, runtime="onnxruntime", load_1min=load)
    questions = load_questions()

    with tempfile.TemporaryDirectory() as small:
        ingest(MANUAL, small, encoder=encoder)
        search = LocalSearch(small, encoder=encoder)
        result = evaluate(search, questions)
        emit("retrieval_quality", store="manual", chunks=search.count_chunks(),
             questions=len(questions), **result)

    large = Path(args.cache) / f"chunks-{args.chunks}"
    marker = large / "built.json"
    if args.rebuild or not marker.is_file():
        if large.exists():
            for file in large.iterdir():
                file.unlink()
        build = build_large_store(large, args.chunks, SentenceEncoder(threads=0))
        marker.write_text(json.dumps(build))
        emit("ingest", **build, load_1min=load)
    search = LocalSearch(large, encoder=encoder)
    search.search_sync("warm up", 3)
    result = evaluate(search, questions, repeat=args.repeat)
    emit("retrieval_at_scale", store="manual + Python documentation",
         chunks=search.count_chunks(), questions=len(questions), target_ms=TARGET_MS,
         meets_target=result["p95_ms"] < TARGET_MS, load_1min=load, python=sys.version.split()[0],
         **result)


if __name__ == "__main__":
    main()
