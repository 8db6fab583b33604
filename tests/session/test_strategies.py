"""Turn-taking strategies are injected: a user's own class replaces the default."""

from __future__ import annotations

from tests.scenarios.agents import LONG_ANSWER, Greeter

from vocalis import InterruptConfig
from vocalis.pipeline import EndOfTurnDelay, EOUConfig, InterruptDecision, InterruptionStrategy
from vocalis.testing import FakeLLM, ScriptedCall, UserScript, run_virtual


class NeverInterrupt(InterruptionStrategy):
    """A lecture that no one may cut short."""

    def decide(self, overlap):
        return InterruptDecision.NONE


def test_an_injected_interruption_strategy_decides():
    user = UserScript().says("Tell me about the menu", at=1.0).says("Wait stop I changed my mind", at=4.0)
    strategy = NeverInterrupt(InterruptConfig(), has_stt=True, has_vad=True)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM([LONG_ANSWER, "Sure."]),
                        interruption=strategy)
    record = run_virtual(call.run(until=16.0))
    assert record.metrics.interruptions == 0
    assert record.assistant_texts()[0] == LONG_ANSWER


def test_an_injected_end_of_turn_delay_decides():
    class Patient(EndOfTurnDelay):
        def delay(self, probability):
            return 2.0

    user = UserScript().says("Hello there", at=1.0)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(["Hi."]),
                        end_of_turn=Patient(EOUConfig()))
    record = run_virtual(call.run(until=6.0))
    turn = record.metrics.turns[0]
    assert abs(turn.committed_at - turn.user_speech_end - 2.0) < 0.03
