"""English number words: cardinals, ordinals, years, and what is left as digits."""

import pytest

from vocalis.text.numbers import (
    expand_cardinals,
    number_to_words_en,
    ordinal_to_words_en,
    year_to_words_en,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (13, "thirteen"), (21, "twenty-one"), (100, "one hundred"),
     (1234, "one thousand two hundred thirty-four"), (1_000_000, "one million"),
     (2_000_001, "two million one"), (-5, "minus five")],
)
def test_cardinals(n, words):
    assert number_to_words_en(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "first"), (2, "second"), (3, "third"), (12, "twelfth"), (20, "twentieth"),
     (21, "twenty-first"), (101, "one hundred first")],
)
def test_ordinals(n, words):
    assert ordinal_to_words_en(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [(1999, "nineteen ninety-nine"), (2005, "two thousand five"), (2024, "twenty twenty-four"),
     (1900, "nineteen hundred"), (1805, "eighteen oh five")],
)
def test_years(n, words):
    assert year_to_words_en(n) == words


def test_expand_cardinals_leaves_ids_times_versions_and_codes():
    text = "Order 12345678 at 10:30, v1.2, 4K, B2B."
    assert expand_cardinals(text) == text


def test_expand_cardinals_only_for_supported_languages():
    assert expand_cardinals("Tengo 5 gatos.", "es") == "Tengo 5 gatos."
    assert expand_cardinals("I have 5 cats and 1,000 fish.") == "I have five cats and one thousand fish."
