"""BufferedSentenceChunkStream: early emission, streaming = one-shot, idle flush, lifecycle."""

import asyncio

import pytest

from vocalis.text import BasicSentenceChunker, BufferedSentenceChunkStream
from vocalis.utils import run_virtual

chunker = BasicSentenceChunker()

STREAMING_CASES = [
    "Hello! How are you today? I am fine.",
    "Dr. Smith met Mr. Jones at 7 p.m. tomorrow. Then Mrs. Lee came.",
    "We met at 7 p.m. Then we left, etc. Then more.",
    "It costs $3.50 today. Pi is 3.14 and 1,000.50 is money. Version v1.2.3 is out.",
    "Visit https://example.com/a.b?x=1 now. Mail john.doe@example.com please.",
    "Well... I think so. I waited for a very long time... Then she came.",
    'He said "Stop. Now." and left. She said "Go." Then she left.',
    "This is a long clause with a comma, and it keeps going; and going: until the end.",
    "1. First item\n2. Second item\n\n3. Third",
    "你好。我很好！你呢？",
    "नमस्ते। आप कैसे हैं? मैं ठीक हूँ।",
    "مرحبا؟ كيف حالك۔ بخير",
    "Τι κάνεις; Καλά είμαι.",
]


async def stream_pieces(pieces, stream=None):
    stream = stream or chunker.stream()
    for piece in pieces:
        await stream.push_text(piece)
    await stream.end_input()
    return [s async for s in stream]


def llm_tokens(text):
    """Split like an LLM: words with their leading space."""
    tokens, current = [], ""
    for ch in text:
        if ch == " " and current:
            tokens.append(current)
            current = ""
        current += ch
    return [*tokens, current]


@pytest.mark.parametrize("text", STREAMING_CASES)
async def test_char_by_char_stream_matches_one_shot(text):
    assert await stream_pieces(list(text)) == chunker.tokenize(text)


@pytest.mark.parametrize("text", STREAMING_CASES)
async def test_token_stream_matches_one_shot(text):
    assert await stream_pieces(llm_tokens(text)) == chunker.tokenize(text)


async def test_first_sentence_is_emitted_before_the_rest_arrives():
    stream = chunker.stream()
    for ch in "Hello! ":
        await stream.push_text(ch)
    # the space after "!" confirms the sentence: nothing else is needed
    assert stream._queue.qsize() == 1
    for piece in ["How", " are", " you?"]:
        await stream.push_text(piece)
    await stream.end_input()
    assert [s async for s in stream] == ["Hello!", "How are you?"]


async def test_period_waits_for_next_word_then_emits():
    stream = chunker.stream()
    await stream.push_text("Sure. ")
    assert stream._queue.qsize() == 0  # "Sure. i..." could still be an abbreviation-like case
    await stream.push_text("Let")
    assert stream._queue.qsize() == 1
    await stream.aclose()


async def test_abbreviation_is_not_emitted_early():
    stream = chunker.stream()
    for piece in ["Ask", " Dr", ".", " Smith", " today", "."]:
        await stream.push_text(piece)
    assert stream._queue.qsize() == 0
    await stream.end_input()
    assert [s async for s in stream] == ["Ask Dr. Smith today."]


def test_idle_flush_releases_a_finished_sentence_on_virtual_time():
    async def main():
        stream = chunker.stream()
        await stream.push_text("Let me check that.")
        await asyncio.sleep(0.1)
        before = stream._queue.qsize()
        await asyncio.sleep(0.1)
        after = stream._queue.qsize()
        await stream.push_text(" Found it.")
        await stream.end_input()
        return before, after, [s async for s in stream]

    before, after, sentences = run_virtual(main())
    assert (before, after) == (0, 1)
    assert sentences == ["Let me check that.", "Found it."]


def test_idle_flush_does_not_release_an_abbreviation():
    async def main():
        stream = chunker.stream()
        await stream.push_text("I will ask Dr.")
        await asyncio.sleep(1.0)
        waiting = stream._queue.qsize()
        await stream.push_text(" Smith.")
        await stream.end_input()
        return waiting, [s async for s in stream]

    waiting, sentences = run_virtual(main())
    assert waiting == 0
    assert sentences == ["I will ask Dr. Smith."]


def test_idle_flush_cuts_long_unterminated_text_at_a_word():
    async def main():
        stream = chunker.stream()
        await stream.push_text("This reply has no terminator and the model paused mid")
        await asyncio.sleep(0.5)
        early = stream._queue.qsize()
        await stream.push_text("way through it")
        await stream.end_input()
        return early, [s async for s in stream]

    early, sentences = run_virtual(main())
    assert early == 1
    assert sentences == [
        "This reply has no terminator and the model paused",
        "midway through it",
    ]


def test_idle_flush_keeps_short_fragments():
    async def main():
        stream = chunker.stream()
        await stream.push_text("Okay so")
        await asyncio.sleep(1.0)
        return stream._queue.qsize()

    assert run_virtual(main()) == 0


def test_idle_timer_restarts_on_each_push():
    async def main():
        stream = chunker.stream()
        await stream.push_text("Done.")
        for _ in range(5):
            await asyncio.sleep(0.1)
            await stream.push_text(" ")
        held = stream._queue.qsize()
        await asyncio.sleep(0.2)
        return held, stream._queue.qsize()

    assert run_virtual(main()) == (0, 1)


async def test_end_input_drains_closes_and_cancels_watchdog():
    stream = chunker.stream()
    await stream.push_text("Unfinished thought")
    task = stream._idle_task
    await stream.end_input()
    assert stream.closed
    assert task is not None and task.done()
    assert [s async for s in stream] == ["Unfinished thought"]
    await stream.push_text("ignored")  # single use: pushes after the end are dropped
    assert [s async for s in stream] == []


async def test_flush_emits_the_buffer_now():
    stream = chunker.stream()
    await stream.push_text("Partial sentence")
    await stream.flush()
    assert await stream.__anext__() == "Partial sentence"
    await stream.aclose()


async def test_tokenizer_failure_emits_buffer_as_is():
    def broken(_text):
        raise RuntimeError("boom")

    stream = BufferedSentenceChunkStream(tokenize_fn=broken, strong_terminators=".!?")
    await stream.push_text("Some text")
    await stream.end_input()
    assert [s async for s in stream] == ["Some text"]


def test_without_sentence_end_fn_any_strong_terminator_counts_on_idle():
    async def main():
        stream = BufferedSentenceChunkStream(
            tokenize_fn=chunker.tokenize_raw, strong_terminators=".!?"
        )
        await stream.push_text("Ask Dr.")
        await asyncio.sleep(0.2)
        await stream.aclose()
        return [s async for s in stream]

    assert run_virtual(main()) == ["Ask Dr."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "You said: what is the weather like in Paris today?",
            ["You said:", "what is the weather like in Paris today?"],
        ),
        (
            "Of course, I can do that, and more, as well. Then we go.",
            ["Of course,", "I can do that, and more,", "as well.", "Then we go."],
        ),
        ("Sure, that works. Anything else?", ["Sure, that works.", "Anything else?"]),
    ],
)
async def test_first_segment_may_be_a_short_opening_clause(text, expected):
    quick = BasicSentenceChunker(first_min_sentence_len=8)
    assert await stream_pieces(llm_tokens(text), quick.stream()) == expected
    # only the stream's first segment is cut early; one-shot and the default keep the rules
    assert quick.tokenize(text) == chunker.tokenize(text)
    assert await stream_pieces(llm_tokens(text)) == chunker.tokenize(text)


async def test_short_opening_clause_is_emitted_as_soon_as_it_is_confirmed():
    stream = BasicSentenceChunker(first_min_sentence_len=8).stream()
    for piece in ["You", " said:", " what"]:
        await stream.push_text(piece)
    assert stream._queue.qsize() == 1
    await stream.aclose()
