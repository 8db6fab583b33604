"""An interruption detector in the pipeline: its verdicts reach barge-in beside the words."""

from __future__ import annotations

import numpy as np
from tests.scenarios.agents import LONG_ANSWER, Greeter

from vocalis.interruption import InterruptionBackend, InterruptionDetector, Prediction
from vocalis.testing import FakeLLM, ScriptedCall, UserScript, run_virtual


class Always(InterruptionBackend):
    """Scores every window the same."""

    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.windows = 0

    async def predict(self, window: np.ndarray) -> Prediction:
        self.windows += 1
        return Prediction(np.full(8, self.probability, dtype=np.float32))


def _call(user: UserScript, probability: float):
    backend = Always(probability)
    detector = InterruptionDetector(backend, threshold=0.9)
    llm = FakeLLM([LONG_ANSWER, "Sure, what is it?"])
    call = ScriptedCall(Greeter(greeting=None), user, llm=llm, interruption_detector=detector)
    return run_virtual(call.run(until=18.0)), backend


def test_an_interruption_verdict_silences_the_agent_before_half_a_second_of_voice():
    user = UserScript().says("Tell me about the menu", at=1.0).says("Wait stop", at=5.0)
    record, backend = _call(user, 0.99)
    assert backend.windows >= 1
    held = [t for t, speaking in record.output.frames if 5.0 <= t < 6.0 and not speaking]
    assert held and held[0] < 5.0 + 0.45, held[:3]  # the classifier, not the 0.5 s duration
    assert record.metrics.interruptions == 1
    assert record.assistant_texts()[-1] == "Sure, what is it?"


def test_a_low_scored_overlap_vetoes_what_a_weak_stt_heard():
    user = UserScript().says("Tell me about the menu", at=1.0).says("and make sure", at=5.0)
    record, backend = _call(user, 0.01)
    assert backend.windows >= 1
    assert record.metrics.interruptions == 0
    assert record.assistant_texts() == [LONG_ANSWER]
