"""BasicTextFilter: streaming clean-up of LLM text before TTS."""

import pytest

from vocalis.text import BasicTextFilter


async def run(flt, chunks):
    async def source():
        for chunk in chunks:
            yield chunk

    return "".join([piece async for piece in flt.filter(source())])


def words(text):
    return " ".join(text.split())


async def both_ways(text, flt=None):
    """Filter ``text`` whole and character by character; both must say the same words."""
    flt = flt or BasicTextFilter()
    whole = await run(flt, [text])
    streamed = await run(flt, list(text))
    assert words(streamed) == words(whole)
    return whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is **bold** and __strong__.", "This is bold and strong."),
        ("This is *italic* and _so is this_.", "This is italic and so is this."),
        ("Use the `print` function.", "Use the print function."),
        ("# Title\nBody text.", "Title\nBody text."),
        ("### Steps\n- first\n- second\n* third\n1. fourth", "Steps\nfirst\nsecond\nthird\nfourth"),
        ("> A quote\n> continues", "A quote\ncontinues"),
        ("Read [the docs](https://example.com/docs) now.", "Read the docs now."),
        ("Look ![a cat](cat.png) here.", "Look here."),
        ("Above\n\n---\n\nBelow", "Above\n\nBelow"),
        ("~~old~~ new", "old new"),
        ("***very*** important", "very important"),
        ("snake_case_name stays", "snake_case_name stays"),
    ],
)
async def test_markdown(text, expected):
    assert await both_ways(text) == expected


async def test_table_reads_as_cells():
    out = await both_ways("| Name | Age |\n|------|-----|\n| Bob | 30 |\n")
    assert words(out) == "Name Age Bob 30"


async def test_fenced_code_is_dropped_even_across_chunks():
    flt = BasicTextFilter()
    chunks = ["Here is the code:\n`", "``py", "thon\nprint('hi')\nx = 1\n`", "``\nThat's ", "all."]
    out = await run(flt, chunks)
    assert "print" not in out and "x = 1" not in out and "`" not in out
    assert words(out) == "Here is the code: That's all."


async def test_unterminated_fence_is_discarded_at_end():
    out = await run(BasicTextFilter(), ["Try this:\n```\nrm -rf /tmp/x\n"])
    assert words(out) == "Try this:"


async def test_markers_split_mid_token_are_still_removed():
    chunks = ["This is *", "*very", " bold*", "* and [a li", "nk](http", "s://x.com) ok."]
    assert await run(BasicTextFilter(), chunks) == "This is very bold and a link ok."


async def test_spaces_between_chunks_are_kept():
    chunks = ["Hello", " there", ",", " how", " are", " you", "?", " Fine", "."]
    assert await run(BasicTextFilter(), chunks) == "Hello there, how are you? Fine."


async def test_emoji_are_dropped():
    assert await both_ways("Great job 🎉🎉 see you 👋🏽 soon! 🇫🇷") == "Great job see you soon!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It costs $5.", "It costs 5 dollars."),
        ("It costs $3.50 today.", "It costs 3 dollars and 50 cents today."),
        ("Just $1 or $0.99.", "Just 1 dollar or 99 cents."),
        ("A $1,200.05 bill.", "A 1,200 dollars and 5 cents bill."),
        ("About $5 million.", "About 5 million dollars."),
        ("Pay €20 or 15 €.", "Pay 20 euros or 15 euros."),
        ("That is £3.20.", "That is 3 pounds and 20 pence."),
        ("Only ₹500 or Rs. 200.", "Only 500 rupees or 200 rupees."),
        ("It is ¥1000.", "It is 1000 yen."),
    ],
)
async def test_currency(text, expected):
    assert await both_ways(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Take 2-3 pills.", "Take 2 to 3 pills."),
        ("Pages 10–20.", "Pages 10 to 20."),
        ("Call 555-1234 now.", "Call 555-1234 now."),
        ("It was 2024-05-01.", "It was 2024-05-01."),
        ("Get 50% off.", "Get 50 percent off."),
        ("Salt & pepper.", "Salt and pepper."),
        ("We are #1.", "We are number 1."),
        ("It is 25°C.", "It is 25 degrees Celsius."),
        ("So 2 + 2 = 4.", "So 2 plus 2 equals 4."),
        ("Meet @ noon.", "Meet at noon."),
    ],
)
async def test_ranges_percentages_and_symbols(text, expected):
    assert await both_ways(text) == expected


async def test_urls_and_emails_are_protected_from_symbol_expansion():
    text = "Mail a+b@example.com or see https://x.com/?q=1&r=2#top today."
    assert await both_ways(text) == text


async def test_verbalize_numbers_in_english():
    flt = BasicTextFilter.for_language("en-US")
    out = await both_ways("I have 1234 apples, 3.5 kg, since 1999, the 21st.", flt)
    assert out == (
        "I have one thousand two hundred thirty-four apples, three point five kg, "
        "since nineteen ninety-nine, the twenty-first."
    )
    assert await both_ways("Costs $3.50.", flt) == "Costs three dollars and fifty cents."
    assert await both_ways("Call 555-123-4567 at 10:30.", flt) == "Call 555-123-4567 at 10:30."


async def test_numbers_stay_digits_by_default():
    assert await both_ways("I have 1234 apples.") == "I have 1234 apples."


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("es", "Son 3,50 € y 2-3 días, 50% & más.", "Son 3 euros con 50 céntimos y 2 a 3 días, 50 por ciento y más."),
        ("fr", "Prix 10 € pour 2-3 jours & 5%.", "Prix 10 euros pour 2 à 3 jours et 5 pour cent."),
        ("de", "Kostet 4,20 € für 2-3 Tage & 5%.", "Kostet 4 Euro und 20 Cent für 2 bis 3 Tage und 5 Prozent."),
        ("hi", "कीमत ₹500 है, 2-3 दिन & 10%", "कीमत 500 रुपये है, 2 से 3 दिन और 10 प्रतिशत"),
    ],
)
async def test_for_language_uses_the_languages_words(language, text, expected):
    assert await both_ways(text, BasicTextFilter.for_language(language)) == expected


def test_for_language_wiring():
    hindi = BasicTextFilter.for_language("hi-IN")
    assert hindi.options.language == "hi" and hindi.options.currency_hint == "inr"
    assert not hindi.options.verbalize_numbers
    assert BasicTextFilter.for_language("en").options.verbalize_numbers
    assert BasicTextFilter.for_language(None).options.language is None


async def test_llm_metadata_is_removed():
    text = "Sure (SESSION STATE: lang=en, turn=3) thing.\nSTATE: language=en mood=ok\nDone."
    assert words(await both_ways(text)) == "Sure thing. Done."


async def test_ordinary_parentheses_and_caps_are_kept():
    text = "NOTE: this (and that) stays."
    assert await both_ways(text) == text


async def test_script_gloss_replaces_the_english_words():
    assert await both_ways("Tally (टैली) karo.") == "टैली karo."
    assert await both_ways("Extra manpower (मैनपावर) chahiye.") == "Extra मैनपावर chahiye."


async def test_punctuation_normalised():
    assert await both_ways("Well... ok - sure.") == "Well… ok — sure."


async def test_ssml_flavors_spell_phone_numbers():
    digits = BasicTextFilter(ssml_flavor="DIGITS")
    assert await run(digits, ["Call +91 98765 43210 now."]) == "Call 9 1 9 8 7 6 5 4 3 2 1 0 now."
    cartesia = BasicTextFilter(ssml_flavor="cartesia")
    assert await run(cartesia, ["Order 12345678 ok."]) == "Order <spell>12345678</spell> ok."


async def test_flags_turn_steps_off():
    raw = BasicTextFilter(
        strip_markdown=False, expand_symbols=False, verbalize_currency=False, expand_ranges=False
    )
    text = "**$5** & 2-3"
    assert await run(raw, [text]) == text


async def test_filter_resets_between_turns():
    flt = BasicTextFilter()
    await run(flt, ["Start ```\ncode never closed"])
    assert await run(flt, ["Next turn **ok**."]) == "Next turn ok."


async def test_fails_open_with_raw_text(monkeypatch):
    import vocalis.text.text_filter as module

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "clean_for_speech", broken)
    assert await run(BasicTextFilter(), ["Hello **world**"]) == "Hello **world**"


async def test_empty_chunks_and_whitespace():
    assert await run(BasicTextFilter(), ["", "Hi", "", " there"]) == "Hi there"
