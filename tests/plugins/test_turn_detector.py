"""TurnDetector: the packaged model, named examples, held-out accuracy, robustness, EOU use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocalis.eou import EOU
from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.plugins.turn_detector import TurnDetector, TurnModel
from vocalis.plugins.turn_detector.detector import last_exchange

EVAL = Path(__file__).resolve().parents[1] / "data" / "turn_detection" / "eval.jsonl"


def chat(*turns: tuple[str, str]) -> ChatContext:
    ctx = ChatContext()
    for role, text in turns:
        ctx.add_message(ChatRole(role), text)
    return ctx


@pytest.fixture(scope="module")
def detector() -> TurnDetector:
    return TurnDetector()


def test_model_loads_from_the_package():
    model = TurnModel.load()
    assert len(model.weights) > 1000
    assert TurnDetector().model is TurnDetector().model  # loaded once per process


def test_is_an_eou_with_the_default_threshold(detector):
    assert isinstance(detector, EOU)
    assert detector.threshold == 0.7


@pytest.mark.parametrize(
    ("text", "context", "finished"),
    [
        ("I want to book a table for", None, False),
        ("for two, at seven.", "For how many people, and what time?", True),
        ("I'd like to", None, False),
        ("my number is", "What's your phone number?", False),
        ("um", None, False),
        ("John", "What's your name?", True),
        ("yes", "Is that correct?", True),
        ("my account number is 4 5 6", "Please say your account number.", True),
        ("no that's all, thanks", "Anything else?", True),
        ("i need to change my", None, False),
    ],
)
def test_named_examples(detector, text, context, finished):
    assert (detector.probability(text, context) >= 0.5) is finished


def test_accuracy_on_held_out_set(detector):
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    correct = sum(
        (detector.probability(r["text"], r["context"]) >= detector.threshold) == bool(r["label"])
        for r in rows
    )
    assert len(rows) >= 300
    assert correct / len(rows) >= 0.9


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
    assert detector.probability(text) < 0.5


def test_reads_last_user_turn_and_assistant_question():
    ctx = chat(
        ("system", "You are helpful."),
        ("user", "hi"),
        ("assistant", "What's your name?"),
        ("user", "it's John"),
        ("user", "Smith"),
    )
    assert last_exchange(ctx) == ("it's John Smith", "What's your name?")


def test_context_changes_the_answer(detector):
    without = detector.probability("Maria")
    with_question = detector.get_eou_probability(
        chat(("assistant", "Can I have your name please?"), ("user", "Maria"))
    )
    assert with_question >= 0.7
    assert with_question >= without - 0.05


def test_detect_end_of_utterance_uses_threshold(detector):
    done = chat(("assistant", "How many people?"), ("user", "four"))
    open_ = chat(("assistant", "How can I help?"), ("user", "I'd like to book a table for"))
    assert detector.detect_end_of_utterance(done) is True
    assert detector.detect_end_of_utterance(open_) is False
    p = detector.get_eou_probability(done)
    assert detector.detect_end_of_utterance(done, threshold=min(p + 0.01, 1.0)) is (p >= 1.0)


async def test_prewarm_runs(detector):
    await detector.prewarm()
    await detector.prewarm()


def test_custom_model_path(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"version": 1, "bias": 3.0, "weights": {"lw=for": -10.0}}))
    det = TurnDetector(threshold=0.5, model_path=path)
    assert det.probability("hello there") > 0.9
    assert det.probability("a table for") < 0.1
