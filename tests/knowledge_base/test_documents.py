"""Reading Markdown, text, HTML and PDF into titled sections, and chunking them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from tests.knowledge_base.pdf import write_pdf

from vocalis.knowledge_base import DocumentError, chunk_document, read_document
from vocalis.knowledge_base.documents import Document, Section

MARKDOWN = """# Aurora T3 manual

Intro paragraph with a [link](https://example.com) and **bold** text.

## Wi-Fi

### Reset

- Hold the dial for *ten* seconds.
- Wait for the blue ring.

| Colour | Meaning |
|--------|---------|
| Blue   | Pairing |

```
code stays # not a heading
```

## Warranty
Two years.
"""


def test_markdown_sections_follow_the_headings(tmp_path: Path):
    path = tmp_path / "aurora-manual.md"
    path.write_text(MARKDOWN)
    doc = read_document(path, "aurora-manual.md")
    assert doc.title == "Aurora T3 manual"
    assert [s.heading for s in doc.sections] == ["", "Wi-Fi > Reset", "Warranty"]
    assert doc.sections[0].text == "Intro paragraph with a link and bold text."
    reset = doc.sections[1].text
    assert "- Hold the dial for ten seconds.\n- Wait for the blue ring." in reset
    assert "Blue ; Pairing" in reset and "-----" not in reset
    assert "code stays # not a heading" in reset
    assert doc.sections[2].text == "Two years."


def test_text_files_take_a_short_first_line_as_title(tmp_path: Path):
    path = tmp_path / "hours.txt"
    path.write_text("Opening hours\n\nWe open at nine.\nWe close at six.\n\nClosed on Sundays.\n")
    doc = read_document(path)
    assert doc.title == "Opening hours"
    assert doc.sections[0].text == "We open at nine. We close at six.\nClosed on Sundays."


def test_html_keeps_the_text_by_heading_and_skips_scripts_and_navigation(tmp_path: Path):
    path = tmp_path / "returns.html"
    path.write_text(
        "<html><head><title>Returns &amp; refunds</title><style>p{}</style></head><body>"
        "<nav><a href='/'>Home</a></nav><h1>Returns</h1><p>Keep the <b>receipt</b>.</p>"
        "<h2>Refunds</h2><p>Paid within 14 days.</p><script>track()</script>"
        "<h3>Cards</h3><ul><li>Visa</li><li>Amex</li></ul><footer>(c) shop</footer>"
        "</body></html>"
    )
    doc = read_document(path)
    assert doc.title == "Returns & refunds"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Returns", "Keep the receipt."),
        ("Returns > Refunds", "Paid within 14 days."),
        ("Returns > Refunds > Cards", "Visa\nAmex"),
    ]
    assert "track" not in doc.text and "Home" not in doc.text and "(c)" not in doc.text


def test_pdf_pages_become_sections(tmp_path: Path):
    path = tmp_path / "leaflet.pdf"
    write_pdf(path, ["Descale the kettle every month.", "", "Call us on 0800 123."],
              title="Kettle leaflet")
    doc = read_document(path)
    assert doc.title == "Kettle leaflet"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("page 1", "Descale the kettle every month."),
        ("page 3", "Call us on 0800 123."),
    ]


@pytest.mark.parametrize(("name", "content"), [("broken.pdf", b"%PDF-1.4 garbage"),
                                               ("image.png", b"\x89PNG")])
def test_unreadable_files_are_a_document_error(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=name):
        read_document(path)


def test_chunks_stay_in_their_section_fit_the_limit_and_overlap():
    long_text = " ".join(f"Sentence number {n} about the heating schedule." for n in range(60))
    doc = Document("m.md", "Manual", [Section("Schedules", long_text), Section("Other", "Short.")])
    chunks = chunk_document(doc, max_words=50, overlap_words=10)
    schedule = [c for c in chunks if c.heading == "Schedules"]
    assert len(schedule) >= 7
    assert all(len(c.text.split()) <= 50 for c in chunks)
    for previous, current in itertools.pairwise(schedule):
        assert current.text.split()[:10] == previous.text.split()[-10:]
    assert chunks[-1].text == "Short." and chunks[-1].heading == "Other"
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert chunks[-1].embedding_text == "Manual > Other: Short."
    with pytest.raises(ValueError):
        chunk_document(doc, max_words=50, overlap_words=30)
