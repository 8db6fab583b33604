"""The local backend end to end: MiniLM on ONNX Runtime, ingestion into sqlite-vec, search,
``KnowledgeBase.local`` and the ``vocalis kb`` commands."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from tests.knowledge_base.pdf import write_pdf

from vocalis.cli import main
from vocalis.knowledge_base import KnowledgeBase, StoreError, VectorStore, ingest


def test_the_encoder_matches_the_published_all_minilm_l6_v2_similarities(encoder):
    # The sentence-transformers quick start prints this matrix for all-MiniLM-L6-v2 (float32);
    # the int8 weights stay within 0.005 of it.
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    np.testing.assert_allclose(
        [similarity[0, 1], similarity[0, 2], similarity[1, 2]], [0.6660, 0.1046, 0.1411],
        atol=5e-3,
    )
    # Padding does not change a sentence's vector.
    alone = encoder.encode(["He drove to the stadium."])[0]
    np.testing.assert_allclose(alone, vectors[2], atol=1e-5)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "kettle.md").write_text(
        "# Kettle manual\n\n## Descaling\nFill the kettle with equal parts vinegar and water, "
        "boil it, and leave it for an hour.\n\n## Warranty\nThe kettle is guaranteed for two "
        "years from the date of purchase.\n"
    )
    (folder / "hours.txt").write_text(
        "Opening hours\n\nThe shop opens at nine and closes at six, Monday to Saturday.\n"
    )
    (folder / "returns.html").write_text(
        "<title>Returns</title><h2>Refunds</h2><p>Refunds are paid within 14 days.</p>"
    )
    write_pdf(folder / "delivery.pdf", ["Parcels are delivered by courier within three days."])
    (folder / ".hidden.md").write_text("# secret\nnot ingested")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nothing")
    return folder


def test_ingest_search_and_update(docs: Path, tmp_path: Path, encoder):
    kb_dir = tmp_path / "kb"
    report = ingest(docs, kb_dir, encoder=encoder)
    assert sorted(report.added) == ["delivery.pdf", "hours.txt", "kettle.md", "returns.html"]
    assert report.failed[0][0] == "broken.pdf" and "not a readable PDF" in report.failed[0][1]
    assert report.total_chunks == 5
    backend = KnowledgeBase.local(kb_dir, encoder=encoder).backend
    for question, source in [
        ("How long is the guarantee?", "kettle.md"),
        ("When do you close on Saturday?", "hours.txt"),
        ("How quickly will I get my money back?", "returns.html"),
        ("How long does shipping take?", "delivery.pdf"),
        ("How do I remove limescale?", "kettle.md"),
    ]:
        best = backend.search_sync(question, 1)[0]
        assert best.source == source, question
    # Incremental: unchanged files are skipped, changed ones replaced, deleted ones removed.
    (docs / "hours.txt").write_text("Opening hours\n\nWe now close at eight.\n")
    (docs / "returns.html").unlink()
    again = ingest(docs, kb_dir, encoder=encoder)
    assert again.updated == ["hours.txt"] and again.removed == ["returns.html"]
    assert sorted(again.unchanged) == ["delivery.pdf", "kettle.md"]
    assert again.chunks_written == 1 and again.total_chunks == 4
    hit = backend.search_sync("closing time", 1)[0]
    assert hit.text == "We now close at eight." and 0 < hit.score <= 1


async def test_knowledge_base_local_formats_the_documents_for_the_llm(docs, tmp_path, encoder):
    ingest(docs, tmp_path / "kb", encoder=encoder)
    kb = KnowledgeBase.local(tmp_path / "kb", top_k=2, encoder=encoder)
    context = await kb.process_query("How do I descale it?")
    assert context.startswith("Use the following context to answer the user:\n- Kettle manual > ")
    assert "vinegar" in context.splitlines()[1]
    assert len(kb.last_hits) == 2 and kb.last_hits[0].score >= kb.last_hits[1].score
    strict = KnowledgeBase.local(tmp_path / "kb", min_score=0.99, encoder=encoder)
    assert await strict.process_query("How do I descale it?") is None
    await kb.aclose()


def test_a_missing_or_foreign_store_is_a_clear_error(tmp_path: Path):
    with pytest.raises(StoreError, match="vocalis kb ingest DOCS_DIR --into"):
        KnowledgeBase.local(tmp_path / "nowhere", preload=False)
    VectorStore(tmp_path / "kb", encoder="other-model", dimension=768, create=True).close()
    with pytest.raises(StoreError, match="built with other-model"):
        KnowledgeBase.local(tmp_path / "kb", preload=False)


def test_the_kb_commands(docs: Path, tmp_path: Path, encoder):
    out = io.StringIO()
    assert main(["kb", "ingest", str(docs), "--into", str(tmp_path / "kb")], out=out) == 0
    text = out.getvalue()
    assert "kettle.md: 2 chunks" in text and "skipped broken.pdf" in text
    assert "4 added, 0 updated, 0 unchanged, 0 removed, 1 failed" in text
    out = io.StringIO()
    assert main(["kb", "search", str(tmp_path / "kb"), "refund", "--top-k", "1"], out=out) == 0
    assert "returns.html - Returns > Refunds" in out.getvalue()
    assert main(["kb", "ingest", str(tmp_path / "missing"), "--into", "x"], out=out) == 2


def test_full_text_queries_are_safe_and_fusion_favours_agreement():
    from vocalis.knowledge_base.store import full_text_query, fuse

    # FTS5 syntax in a question is only words; common words are dropped.
    assert full_text_query('What does "E1" mean? AND OR NEAR(x) *') == '"e1" OR "mean" OR "near" OR "x"'
    assert full_text_query("the and of") == ""
    assert fuse([[1, 2, 3], [3, 4]])[:2] == [3, 1]


def test_words_find_what_the_encoder_blurs_and_removed_files_leave_no_trace(tmp_path, encoder):
    docs = tmp_path / "docs"
    docs.mkdir()
    codes = {"E1": "no power on the R wire", "E2": "the backup battery is low",
             "E3": "heating did not start", "E4": "the sensor is broken"}
    (docs / "errors.md").write_text("# Errors\n" + "".join(
        f"## Error {code}\nThe thermostat shows this when {text}.\n" for code, text in codes.items()
    ))
    (docs / "other.md").write_text("# Other\n## Refunds\nRefunds take ten days.\n")
    ingest(docs, tmp_path / "kb", encoder=encoder)
    backend = KnowledgeBase.local(tmp_path / "kb", encoder=encoder).backend
    for code in codes:
        assert backend.search_sync(f"What does {code} mean?", 1)[0].heading == f"Error {code}"
    (docs / "other.md").unlink()
    ingest(docs, tmp_path / "kb", encoder=encoder)
    assert all(h.source == "errors.md" for h in backend.search_sync("refunds ten days", 5))
