"""Reading documents for the knowledge base: Markdown, plain text, HTML and PDF.

Each file becomes a ``Document``: a title and sections (a heading and its text). Headings are
kept because they say what a passage is about; they are prefixed to the passage when it is
embedded. PDF text comes from ``pypdf`` (one section per page); HTML is read with the
standard library's parser, skipping scripts, styles and navigation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text", ".rst"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


class DocumentError(ValueError):
    """A file that cannot be read as a document (unknown type, damaged PDF...)."""


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class Document:
    source: str
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections)


def read_document(path: Path, source: str | None = None) -> Document:
    """Read ``path`` by its suffix; ``source`` names it in the store (default: the path)."""
    suffix = path.suffix.lower()
    source = source or str(path)
    if suffix in PDF_SUFFIXES:
        return read_pdf(path, source)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raw = path.read_text(encoding="latin-1")
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown(raw, source, default_title=_title_from_name(path))
    if suffix in HTML_SUFFIXES:
        return parse_html(raw, source, default_title=_title_from_name(path))
    if suffix in TEXT_SUFFIXES:
        return parse_text(raw, source, default_title=_title_from_name(path))
    raise DocumentError(f"{path}: unsupported file type {suffix or '(none)'}")


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_-]+", " ", path.stem).strip().capitalize()


# ---- Markdown ----------------------------------------------------------------------------------

_ATX_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_TAG = re.compile(r"<[^>]+>")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def _plain_markdown_line(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\2", line)
    line = _TAG.sub("", line)
    if line.lstrip().startswith(">"):
        line = line.lstrip()[1:].lstrip()
    if "|" in line:
        line = " ; ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    return line.rstrip()


def parse_markdown(raw: str, source: str, default_title: str = "") -> Document:
    """Sections at each ATX heading (``#`` to ``######``); the first level-1 heading is the
    title. Links, emphasis and inline HTML are reduced to their text; code blocks are kept."""
    title = ""
    heading_path: list[str] = []
    sections: list[Section] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = _join_paragraphs(lines)
        if text:
            sections.append(Section(" > ".join(heading_path), text))
        lines.clear()

    for line in raw.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _ATX_HEADING.match(line)
        if match is None:
            if in_fence:
                lines.append(line)
            elif not _TABLE_RULE.match(line):
                lines.append(_LIST_MARK.sub("- ", _plain_markdown_line(line)))
            continue
        flush()
        level, text = len(match.group(1)), _plain_markdown_line(match.group(2))
        if level == 1 and not title:
            title = text
            heading_path = []
            continue
        depth = max(level - 2, 0)
        heading_path = [*heading_path[:depth], text]
    flush()
    return Document(source, title or default_title, sections)


def _join_paragraphs(lines: list[str]) -> str:
    """Lines joined into paragraphs (blank lines separate them; list items stay on their own)."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("- "):
            if current:
                paragraphs.append(" ".join(current))
                current = []
            if stripped:
                current.append(stripped)
            continue
        current.append(stripped)
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(p for p in paragraphs if p)


# ---- plain text --------------------------------------------------------------------------------


def parse_text(raw: str, source: str, default_title: str = "") -> Document:
    """One section of paragraphs; a short first line (under 80 characters) is the title."""
    lines = raw.replace("\r\n", "\n").split("\n")
    title = default_title
    first = lines[0].strip() if lines else ""
    if first and len(first) < 80 and (len(lines) < 2 or not lines[1].strip()):
        title, lines = first, lines[1:]
    text = _join_paragraphs(lines)
    return Document(source, title, [Section("", text)] if text else [])


# ---- HTML --------------------------------------------------------------------------------------

_SKIPPED = frozenset({"script", "style", "nav", "header", "footer", "noscript", "template", "svg"})
_BLOCKS = frozenset({
    "p", "div", "section", "article", "li", "tr", "br", "pre", "blockquote", "table", "ul", "ol",
    "dd", "dt", "figcaption", "main", "aside",
})
_HEADINGS = {f"h{i}": i for i in range(1, 7)}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.sections: list[tuple[int, str, list[str]]] = [(0, "", [])]
        self._skip = 0
        self._in_title = False
        self._heading: tuple[int, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HEADINGS and not self._skip:
            self._heading = (_HEADINGS[tag], [])
        elif tag in _BLOCKS:
            self.sections[-1][2].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(self._skip - 1, 0)
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS and self._heading is not None:
            level, parts = self._heading
            self._heading = None
            self.sections.append((level, " ".join("".join(parts).split()), []))
        elif tag in _BLOCKS:
            self.sections[-1][2].append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._skip:
            return
        elif self._heading is not None:
            self._heading[1].append(data)
        else:
            self.sections[-1][2].append(data)


def parse_html(raw: str, source: str, default_title: str = "") -> Document:
    """Text by heading (``h1``..``h6``); scripts, styles, navigation, headers and footers are
    skipped. The ``<title>`` (else the first ``h1``) is the document's title."""
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    title = " ".join(parser.title.split())
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    for level, heading, parts in parser.sections:
        if level:
            if level == 1 and not title:
                title = heading
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, heading)]
        lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
        text = _join_paragraphs(lines)
        if text:
            names = [h for lvl, h in path if not (lvl == 1 and h == title)]
            sections.append(Section(" > ".join(names), text))
    return Document(source, title or default_title, sections)


# ---- PDF ---------------------------------------------------------------------------------------


def read_pdf(path: Path, source: str) -> Document:
    """One section per page with text (``pypdf``); the title from the PDF's metadata."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise DocumentError(f"{path}: reading PDF needs pypdf ({exc})") from None
    try:
        reader = PdfReader(str(path))
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
        sections = []
        for number, page in enumerate(reader.pages, 1):
            lines = (page.extract_text() or "").splitlines()
            text = _join_paragraphs(_unwrap_pdf_lines(lines))
            if text:
                sections.append(Section(f"page {number}", text))
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"{path}: not a readable PDF ({exc})") from None
    return Document(source, str(meta_title).strip() or _title_from_name(path), sections)


def _unwrap_pdf_lines(lines: list[str]) -> list[str]:
    """PDF text comes as visual lines; a line ending a sentence ends a paragraph."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        out.append(stripped)
        if stripped.endswith((".", "!", "?", ":")):
            out.append("")
    return out
