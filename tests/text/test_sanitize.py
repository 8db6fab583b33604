"""sanitize_text: lone surrogates and control characters never get past an edge."""

import json

import pytest

from vocalis.text import sanitize_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("hi \ud800 there", "hi \ufffd there"),
        ("\udfff", "\ufffd"),
        ("pair \ud83d\ude00 joined", "pair \U0001f600 joined"),
        ("nul\x00 bell\x07 esc\x1b del\x7f", "nul bell esc del"),
        ("tab\tnew\nline\r\n", "tab\tnew\nline\r\n"),
        ("héllo wörld 你好 🙂", "héllo wörld 你好 🙂"),
        ("", ""),
    ],
)
def test_sanitize_text(raw, clean):
    assert sanitize_text(raw) == clean
    sanitize_text(raw).encode("utf-8")  # never raises


def test_clean_text_is_returned_unchanged():
    text = "Nothing to fix here."
    assert sanitize_text(text) is text


def test_text_decoded_from_json_escapes_is_made_encodable():
    decoded = json.loads('"hi \\ud800 there"')
    with pytest.raises(UnicodeEncodeError):
        decoded.encode("utf-8")
    assert sanitize_text(decoded).encode("utf-8") == "hi \ufffd there".encode()
