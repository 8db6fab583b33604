"""Script detection and language-code normalisation."""

import pytest

from vocalis.text import detect_script, normalize_lang_code


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("Hello there", "en"),
        ("", "en"),
        ("नमस्ते दुनिया", "hi"),
        ("你好世界", "zh"),
        ("こんにちは世界", "ja"),  # kana wins over Han
        ("안녕하세요 世界", "ko"),
        ("مرحبا بالعالم", "ar"),
        ("Γειά σου κόσμε", "el"),
        ("Привет мир", "ru"),
        ("สวัสดีครับ", "th"),
        ("Բարեւ աշխարհ", "hy"),
        ("ሰላም ዓለም", "am"),
        ("Hello नमस्ते दुनिया", "hi"),
    ],
)
def test_detect_script(sample, expected):
    assert detect_script(sample) == expected


def test_detect_script_default_for_latin_text():
    assert detect_script("Bonjour", default="fr") == "fr"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en-US", "en"), ("pt_BR", "pt"), (" EN ", "en"), ("hi", "hi"), ("", None), (None, None),
     ("auto", None), ("AUTO", None)],
)
def test_normalize_lang_code(code, expected):
    assert normalize_lang_code(code) == expected
