"""``segment_text``: the reference's older, simpler segmenter of streamed LLM text for TTS.

It cuts at every delimiter (commas included) and, without one, once the buffer holds
``max_buffer`` characters or ``2 * min_words`` words, at the last space before the target
length. ``FlushMarker``s and empty chunks are skipped. The chunkers in ``vocalis.text`` are
what the pipeline uses; this is for code that calls it directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any


async def segment_text(
    chunks: AsyncIterator[Any],
    delimiters: str = ".?!,;:\n",
    keep_delimiter: bool = True,
    min_chars: int = 50,
    min_words: int = 12,
    max_buffer: int = 600,
) -> AsyncIterator[str]:
    """Yield speakable segments of the text in ``chunks`` (see the module docstring)."""
    buffer = ""
    async for chunk in chunks:
        if not isinstance(chunk, str) or not chunk:
            continue
        buffer += chunk
        while True:
            cut = min((i for i in (buffer.find(d) for d in delimiters) if i != -1), default=-1)
            if cut != -1:
                segment = buffer[: cut + 1] if keep_delimiter else buffer[:cut]
                buffer = buffer[cut + 1 :].lstrip()
                if segment.strip():
                    yield segment
                continue
            if len(buffer) >= max_buffer or len(buffer.split()) >= 2 * min_words:
                target = max(min_chars, min(len(buffer), max_buffer))
                space = buffer.rfind(" ", 0, target)
                split = space if space != -1 else target
                head, buffer = buffer[:split].rstrip(), buffer[split:].lstrip()
                if head:
                    yield head
                continue
            break
    if buffer.strip():
        yield buffer
