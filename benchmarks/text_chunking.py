"""Throughput of the sentence chunker and text filter, and time to the first streamed sentence.

Prints one JSON object. Run: ``.venv/bin/python benchmarks/text_chunking.py``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

from vocalis.text import BasicSentenceChunker, BasicTextFilter

PARAGRAPH = (
    "Dr. Smith said the results were ready at 7 p.m. yesterday. The total came to $3,450.75, "
    "about 12.5% more than last year! Did you check the report at https://example.com/q3? "
    "Well... I think so. He said \"Stop. Now.\" and left, e.g. without his coat. "
    "**Next steps:** review `v1.2.3`, call 555-1234, and book 2-3 rooms for the U.S. team. "
    "你好。我们明天见！ नमस्ते। आप कैसे हैं?\n"
)
REPLY = (
    "Sure! I can help with that. Your order number 4521 shipped on Monday, and it should "
    "arrive within 2-3 business days. Is there anything else I can do for you today?"
)


def llm_tokens(text: str, size: int = 4) -> list[str]:
    """Pieces of about ``size`` characters, like LLM deltas."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def bench_tokenize(text: str, repeats: int = 5) -> float:
    chunker = BasicSentenceChunker()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        chunker.tokenize(text)
        best = min(best, time.perf_counter() - start)
    return len(text) / best


async def bench_stream(text: str) -> float:
    chunker = BasicSentenceChunker()
    tokens = llm_tokens(text)
    stream = chunker.stream()
    start = time.perf_counter()
    for token in tokens:
        await stream.push_text(token)
    await stream.end_input()
    elapsed = time.perf_counter() - start
    _ = [s async for s in stream]
    return len(text) / elapsed


async def time_to_first_sentence_ms() -> float:
    chunker = BasicSentenceChunker()
    stream = chunker.stream()
    first = asyncio.get_running_loop().create_future()

    async def consume() -> None:
        async for _sentence in stream:
            if not first.done():
                first.set_result(time.perf_counter())

    consumer = asyncio.create_task(consume())
    start = time.perf_counter()
    for token in llm_tokens(REPLY):
        await stream.push_text(token)
        await asyncio.sleep(0)  # each delta is a separate event, as from a network stream
    await stream.end_input()
    await consumer
    return (first.result() - start) * 1000


async def bench_filter(text: str) -> float:
    flt = BasicTextFilter()
    tokens = llm_tokens(text)

    async def source():
        for token in tokens:
            yield token

    start = time.perf_counter()
    _ = [piece async for piece in flt.filter(source())]
    return len(text) / (time.perf_counter() - start)


async def main() -> dict[str, float]:
    long_text = PARAGRAPH * 200
    ttfs = [await time_to_first_sentence_ms() for _ in range(20)]
    return {
        "text_chars": len(long_text),
        "tokenize_chars_per_second": round(bench_tokenize(long_text)),
        "stream_chars_per_second": round(await bench_stream(long_text)),
        "time_to_first_sentence_ms": round(statistics.median(ttfs), 3),
        "filter_chars_per_second": round(await bench_filter(long_text)),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
