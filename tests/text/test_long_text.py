"""Bounded segments: text without sentence ends is cut at clauses, then words, never mid-word."""

import asyncio

import pytest

from vocalis.text import BasicSentenceChunker, split_long_text
from vocalis.text.long_text import CLAUSE_MARKS

SENTENCE = "please tell me about the weather tomorrow and then book a table for two people"
WORDS = SENTENCE.split(" ")


def run_on(chars: int) -> str:
    """Words without any punctuation, about ``chars`` long."""
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < chars:
        out.append(WORDS[len(out) % len(WORDS)])
    return " ".join(out)


def test_pieces_rebuild_the_text_and_respect_the_limit():
    text = run_on(4000)
    pieces = split_long_text(text, 200)
    assert "".join(pieces) == text
    assert all(len(p) <= 200 for p in pieces)
    assert len(pieces) >= 20


def test_cuts_fall_between_words():
    text = run_on(1000)
    words = set(text.split())
    for piece in split_long_text(text, 120):
        assert set(piece.split()) <= words


def test_a_clause_mark_is_preferred_to_a_word_break():
    text = "first part of the sentence, " + run_on(300)
    head = split_long_text(text, 60)[0]
    assert head == "first part of the sentence,"


def test_an_early_clause_mark_does_not_leave_a_tiny_piece():
    text = "so, " + run_on(300)
    head = split_long_text(text, 90)[0]
    assert len(head) > 60 and not head.endswith(",")


def test_numbers_with_commas_are_not_cut():
    text = "the total is 1,000,000 " * 30
    for piece in split_long_text(text, 50):
        assert not piece.rstrip().endswith(",")


def test_only_an_absurdly_long_token_is_cut_inside():
    token = "x" * 450
    pieces = split_long_text(f"see {token} now", 200)
    assert "".join(pieces) == f"see {token} now"
    assert all(len(p) <= 200 for p in pieces)
    assert pieces[0] == "see"


def test_cjk_without_spaces_is_cut_at_a_clause_mark():
    text = "今天天气很好，" * 60
    pieces = split_long_text(text, 50)
    assert all(len(p) <= 50 for p in pieces)
    assert all(p.endswith("，") for p in pieces[:-1])


def test_short_text_is_one_piece():
    assert split_long_text("hello there", 200) == ["hello there"]
    with pytest.raises(ValueError):
        split_long_text("x", 0)


def test_chunker_bounds_every_segment():
    chunker = BasicSentenceChunker()
    text = run_on(4000) + ". And a short one."
    segments = chunker.tokenize(text)
    assert max(len(s) for s in segments) <= chunker.max_sentence_len == 200
    assert " ".join(segments) == text
    assert segments[-1] == "And a short one."


def test_chunker_without_a_limit_keeps_long_sentences():
    text = run_on(1000) + "."
    assert BasicSentenceChunker(max_sentence_len=None).tokenize(text) == [text]
    with pytest.raises(ValueError):
        BasicSentenceChunker(min_sentence_len=50, max_sentence_len=10)


async def test_a_stream_releases_bounded_pieces_while_the_text_runs_on():
    stream = BasicSentenceChunker().stream()
    text = run_on(2000)
    for i in range(0, len(text), 7):
        await stream.push_text(text[i : i + 7])
    before_end = [await asyncio.wait_for(anext(stream), 1.0) for _ in range(8)]
    await stream.end_input()
    rest = [s async for s in stream]
    assert all(len(s) <= 200 for s in before_end + rest)


async def test_streaming_cuts_long_text_where_one_shot_does():
    chunker = BasicSentenceChunker()
    text = run_on(1500) + ", then more words here. Done now."
    stream = chunker.stream()
    for ch in text:
        await stream.push_text(ch)
    await stream.end_input()
    assert [s async for s in stream] == chunker.tokenize(text)


def test_clause_marks_include_the_weak_terminators():
    assert {",", ";", ":", "—", "，"} <= CLAUSE_MARKS
