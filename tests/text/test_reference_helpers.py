"""The reference's text helpers: hyphenation, Indic chunking and transliteration, segment_text,
and the logging and image helpers that sit next to them in its top-level package."""

import io
import logging

import numpy as np
from PIL import Image

from vocalis import (
    EncodeOptions,
    EnglishHyphenator,
    ImageContent,
    IndicScriptTransliterator,
    IndicSentenceChunker,
    ResizeOptions,
    encode,
    hyphenate_english,
    pre_warm_tokenizer,
    segment_text,
    setup_logging,
)
from vocalis.testing import run_virtual


def test_hyphenation_follows_the_tex_patterns():
    assert hyphenate_english("hyphenation") == ["hy", "phen", "ation"]
    assert hyphenate_english("associate") == ["as", "so", "ciate"]
    assert hyphenate_english("the") == ["the"]
    for word in ("extraordinary", "Wonderful", "co-op", "42nd"):
        assert "".join(hyphenate_english(word)) == word
    custom = EnglishHyphenator("1b a1", exceptions="ta-ble")
    assert custom.hyphenate("table") == ["ta", "ble"]


def test_indic_sentences_split_at_dandas_and_scripts_transliterate():
    chunker = IndicSentenceChunker()
    assert chunker.tokenize("नमस्ते। आप कैसे हैं? ठीक हूँ।") == ["नमस्ते।", "आप कैसे हैं?", "ठीक हूँ।"]
    assert IndicScriptTransliterator(source="hi", target="te").convert("नमस्ते") == "నమస్తే"
    assert IndicScriptTransliterator(source="hi", target="bn").convert("A नमस्ते") == "A নমস্তে"


def test_segment_text_cuts_at_every_delimiter_and_at_long_runs():
    async def collect(chunks, **kwargs):
        async def source():
            for chunk in chunks:
                yield chunk

        return [s async for s in segment_text(source(), **kwargs)]

    assert run_virtual(collect(["Hello there, how", " are you? Fine"])) == [
        "Hello there,", "how are you?", "Fine"]
    long = " ".join(["word"] * 30)
    pieces = run_virtual(collect([long], min_words=5))
    assert len(pieces) > 1 and " ".join(pieces) == long


def test_pre_warm_tokenizer_and_setup_logging():
    pre_warm_tokenizer()
    logger = setup_logging(logging.DEBUG)
    assert logger.name == "vocalis" and logger.level == logging.DEBUG and not logger.propagate
    setup_logging()
    assert len(logging.getLogger("vocalis").handlers) == 1
    logger.propagate = True  # leave the test logging setup as it was
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)


def test_frames_encode_with_the_reference_options():
    image = Image.fromarray(np.full((480, 640, 3), 200, dtype=np.uint8))
    jpeg = encode(image, EncodeOptions())
    assert Image.open(io.BytesIO(jpeg)).size == (320, 240)
    png = encode(image, EncodeOptions(format="PNG", resize_options=ResizeOptions(64, 48)))
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (64, 48)
    url = ImageContent(image=image, encode_options=EncodeOptions(format="PNG")).to_data_url()
    assert url.startswith("data:image/png;base64,")
