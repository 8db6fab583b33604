"""BasicSentenceChunker: where sentences end, in many scripts, and where they do not."""

import pytest

from vocalis.text import BasicSentenceChunker

chunker = BasicSentenceChunker()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello! How are you today? I am fine.", ["Hello!", "How are you today?", "I am fine."]),
        ("Really?! Yes!", ["Really?!", "Yes!"]),
        # abbreviations
        (
            "Dr. Smith met Mr. Jones and Mrs. Lee on Main St. yesterday.",
            ["Dr. Smith met Mr. Jones and Mrs. Lee on Main St. yesterday."],
        ),
        ("Use e.g. salt, i.e. the white one. Then stir.", ["Use e.g. salt, i.e. the white one.", "Then stir."]),
        ("Apple vs. Orange Inc. is a case. Next.", ["Apple vs. Orange Inc. is a case.", "Next."]),
        ("He moved to the U.S. last year. The U.K. too.", ["He moved to the U.S. last year.", "The U.K. too."]),
        ("Item No. 5 is here. Next.", ["Item No. 5 is here.", "Next."]),
        ("I said no. Then I left.", ["I said no.", "Then I left."]),
        ("J. K. Rowling wrote it. I read it.", ["J. K. Rowling wrote it.", "I read it."]),
        # abbreviations that can end a sentence
        ("We met at 7 p.m. tomorrow is fine.", ["We met at 7 p.m. tomorrow is fine."]),
        ("We met at 7 p.m. Then we left.", ["We met at 7 p.m.", "Then we left."]),
        ("Apples, pears, etc. Then more.", ["Apples, pears, etc.", "Then more."]),
        # numbers, prices, times, versions
        ("It costs $3.50 today. Fine.", ["It costs $3.50 today.", "Fine."]),
        ("Pi is 3.14 and 1,000.50 is money.", ["Pi is 3.14 and 1,000.50 is money."]),
        ("The meeting is at 10:30 sharp. Be there.", ["The meeting is at 10:30 sharp.", "Be there."]),
        ("Version v1.2.3 is out. Update now.", ["Version v1.2.3 is out.", "Update now."]),
        ("I have 3. Then you have 4.", ["I have 3.", "Then you have 4."]),
        # URLs and e-mail addresses
        (
            "Visit https://example.com/a.b?x=1 now. Or example.org. Thanks!",
            ["Visit https://example.com/a.b?x=1 now.", "Or example.org.", "Thanks!"],
        ),
        ("Mail john.doe@example.co.uk today. Bye.", ["Mail john.doe@example.co.uk today.", "Bye."]),
        ("Yahoo!Mail is old. Sure.", ["Yahoo!Mail is old.", "Sure."]),
        # ellipses
        ("Well... I think so.", ["Well... I think so."]),
        ("Well… I think so.", ["Well… I think so."]),
        ("I waited for a very long time... Then she came.", ["I waited for a very long time...", "Then she came."]),
        ("It was long... and then it ended.", ["It was long... and then it ended."]),
        # quoted speech
        ('He said "Stop. Now." and left. She agreed.', ['He said "Stop. Now." and left.', "She agreed."]),
        ('She said "Stop." Then she left.', ['She said "Stop."', "Then she left."]),
        ('"Stop!" he yelled. Okay.', ['"Stop!" he yelled.', "Okay."]),
        ("He said “Wait. No.” and sat. Fine.", ["He said “Wait. No.” and sat.", "Fine."]),
        ("(See above.) Then go.", ["(See above.)", "Then go."]),
        ("Is it (really?) true? Yes.", ["Is it (really?) true?", "Yes."]),
        # newlines and lists
        ("First line\nSecond line", ["First line", "Second line"]),
        ("1. First item\n2. Second item", ["1. First item", "2. Second item"]),
        # weak terminators only past min_sentence_len
        ("Yes, sure.", ["Yes, sure."]),
        (
            "This is a long clause with a comma, and it goes on.",
            ["This is a long clause with a comma,", "and it goes on."],
        ),
        ("Range 10–20 is fine.", ["Range 10–20 is fine."]),
    ],
)
def test_latin_boundaries(text, expected):
    assert chunker.tokenize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好。我很好！你呢？", ["你好。", "我很好！", "你呢？"]),
        ("「你好。」他说。", ["「你好。」", "他说。"]),
        ("こんにちは。元気ですか？", ["こんにちは。", "元気ですか？"]),
        ("नमस्ते। आप कैसे हैं? मैं ठीक हूँ॥ धन्यवाद", ["नमस्ते।", "आप कैसे हैं?", "मैं ठीक हूँ॥", "धन्यवाद"]),
        ("নমস্কার। ভালো আছি।", ["নমস্কার।", "ভালো আছি।"]),
        ("مرحبا؟ كيف حالك۔ بخير", ["مرحبا؟", "كيف حالك۔", "بخير"]),
        ("Τι κάνεις; Καλά είμαι.", ["Τι κάνεις;", "Καλά είμαι."]),
        ("Բարեւ։ Ինչպես ես։", ["Բարեւ։", "Ինչպես ես։"]),
        ("ሰላም። እንዴት ነህ፧ ደህና", ["ሰላም።", "እንዴት ነህ፧", "ደህና"]),
        ("မင်္ဂလာပါ။ နေကောင်းလား။", ["မင်္ဂလာပါ။", "နေကောင်းလား။"]),
        ("សួស្តី។ សុខសប្បាយទេ៕", ["សួស្តី។", "សុខសប្បាយទេ៕"]),
    ],
)
def test_other_scripts(text, expected):
    assert chunker.tokenize(text) == expected


def test_semicolon_is_weak_outside_greek():
    assert chunker.tokenize("Short; ok.") == ["Short; ok."]
    assert chunker.tokenize("Τι; Καλά.", language="el") == ["Τι;", "Καλά."]
    assert chunker.tokenize("What; fine.", language="el") == ["What;", "fine."]


def test_language_specific_abbreviations():
    assert chunker.tokenize("Hola Sr. García. Adiós.", language="es") == ["Hola Sr. García.", "Adiós."]
    assert chunker.tokenize("Das ist z.B. gut. Ja.", language="de-DE") == ["Das ist z.B. gut.", "Ja."]


def test_custom_abbreviations_override_language_set():
    custom = BasicSentenceChunker(abbreviations=frozenset({"approx"}))
    assert custom.tokenize("Dr. Who. Approx. ten.") == ["Dr.", "Who.", "Approx. ten."]


def test_min_sentence_len_controls_weak_cuts_and_is_clamped():
    eager = BasicSentenceChunker(min_sentence_len=0)
    assert eager.min_sentence_len == 1
    assert eager.tokenize("Yes, sure: fine.") == ["Yes,", "sure:", "fine."]


def test_tokenize_raw_keeps_remainder_and_whitespace():
    raw = chunker.tokenize_raw("Hello! How are")
    assert raw == ["Hello!", " How are"]
    assert chunker.tokenize_raw("Hello.") == ["Hello."]  # no lookahead yet: remainder


def test_ends_sentence_rejects_abbreviations():
    assert chunker.ends_sentence("It is done.")
    assert chunker.ends_sentence('He said "yes."')
    assert not chunker.ends_sentence("I will ask Dr.")
    assert not chunker.ends_sentence("It is done")


def test_tokenize_drops_empty_segments():
    assert chunker.tokenize("") == []
    assert chunker.tokenize("  \n\n  ") == []
    assert chunker.tokenize("A.\n\n\nB.") == ["A.", "B."]
