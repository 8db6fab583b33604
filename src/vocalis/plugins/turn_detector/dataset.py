"""Read the labelled turns the detector is trained and evaluated on (tests/data/turn_detection).

Two formats: JSON lines ``{"text", "context", "label", "source"}`` written by the data script,
and hand-labelled text files where "> text" sets the assistant message for the lines after it
(until a blank line), "1 text" is a finished user turn and "0 text" an unfinished one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict


class LabelledTurn(TypedDict):
    text: str
    context: str | None
    label: int
    source: str


def read_labelled(path: str | Path, source: str | None = None) -> list[LabelledTurn]:
    """The turns of a ``.jsonl`` file or of a hand-labelled ``.txt`` file (``source``: its tag,
    default the file's name)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in lines if line.strip()]
    tag = source or path.stem
    rows: list[LabelledTurn] = []
    context: str | None = None
    for line in lines:
        if line.startswith("#"):
            continue
        if not line.strip():
            context = None
        elif line.startswith("> "):
            context = line[2:].strip()
        else:
            label, text = line.split(" ", 1)
            rows.append({"text": text, "context": context, "label": int(label), "source": tag})
    return rows
