"""How the VideoSDK gateway TTS sends streamed text: verbatim, at word boundaries, with a
flush at sentence ends, at ``FlushMarker``s and at the end of input.

The reference split on whitespace and re-joined with single spaces (corrupting sub-word LLM
tokens) and flushed every two words (ruining prosody); here words go out as they complete (or
after ``BATCH_SECONDS``), and a flush closes each sentence. For Sarvam and Cartesia, text with
fewer than ``MIN_CHARS_FOR_TTS`` content characters is held back instead of being dropped.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

from ..tts.tts import FlushMarker
from ..utils.clock import now

MIN_CHARS_FOR_TTS = 5
GUARDED_PROVIDERS = {"sarvamai", "cartesia"}
"""Providers that fail on text with too little content: short pieces wait for more."""
BATCH_SECONDS = 0.1
_CONTENT = re.compile(r"[a-zA-Z0-9\u0900-\u097F]")
_SENTENCE_END = re.compile(r"[.!?…;:।][\"'”’)\]]*(?=\s|$)")


def has_content(text: str, *, final: bool) -> bool:
    """Whether ``text`` is worth synthesizing: any content at the end of input (``final``),
    else at least ``MIN_CHARS_FOR_TTS`` content characters."""
    count = len(_CONTENT.findall(text))
    return count > 0 if final else count >= MIN_CHARS_FOR_TTS


async def send_text_stream(
    stream: AsyncIterator[str | FlushMarker],
    *,
    send: Callable[[str], Awaitable[None]],
    flush: Callable[[], Awaitable[None]],
    superseded: Callable[[], bool],
    worth_flushing: Callable[..., bool] = has_content,
) -> None:
    """Relay ``stream`` as ``send(text)`` and ``flush()`` calls until it ends or is superseded.

    ``worth_flushing(text, final=...)`` decides whether a flush is worth sending.
    """
    pending = ""  # text not yet sent
    unflushed = ""  # text sent since the last flush
    last_send = now()

    async def send_piece(piece: str) -> None:
        nonlocal unflushed, last_send
        if not piece or superseded():
            return
        await send(piece)
        unflushed += piece
        last_send = now()

    async def flush_sent(*, final: bool) -> None:
        nonlocal unflushed
        if superseded() or not worth_flushing(unflushed, final=final):
            return
        await flush()
        unflushed = ""

    async for item in stream:
        if superseded():
            return
        if isinstance(item, FlushMarker):
            await send_piece(pending)
            pending = ""
            await flush_sent(final=True)
            continue
        pending += item
        ends = [m.end() for m in _SENTENCE_END.finditer(pending)]
        if ends and worth_flushing(unflushed + pending[: ends[-1]], final=False):
            await send_piece(pending[: ends[-1]])
            pending = pending[ends[-1] :]
            await flush_sent(final=False)
            continue
        cut = max(pending.rfind(" "), pending.rfind("\n"))
        words = len(pending[:cut].split()) if cut > 0 else 0
        if cut > 0 and (words >= 2 or now() - last_send > BATCH_SECONDS):
            await send_piece(pending[: cut + 1])
            pending = pending[cut + 1 :]
    await send_piece(pending)
    await flush_sent(final=True)
