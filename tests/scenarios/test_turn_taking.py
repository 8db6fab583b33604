"""Scenarios: end-of-utterance delays (DEFAULT vs ADAPTIVE), preemptive generation, wake-up."""

from __future__ import annotations

import pytest
from tests.scenarios.agents import Greeter

from vocalis import EOU, ChatRole, EOUConfig
from vocalis.pipeline.turns.end_of_turn import EndOfTurnDelay
from vocalis.pipeline.turns.orchestrator import FINAL_TRANSCRIPT_MAX_WAIT
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeSTT,
    FakeTTS,
    ScriptedCall,
    UserScript,
    run_virtual,
)


class ScriptedEOU(EOU):
    """Says the user is done with the given probability."""

    def __init__(self, probability: float):
        super().__init__(threshold=0.7)
        self.probability = probability
        self.seen: list[str] = []

    def get_eou_probability(self, chat_context) -> float:
        self.seen.append(chat_context.messages()[-1].text_content)
        return self.probability


def _committed_after_speech_end(probability: float, mode: str) -> float:
    user = UserScript().says("I want to book a table", at=1.0)
    eou = ScriptedEOU(probability)
    call = ScriptedCall(
        Greeter(greeting=None),
        user,
        llm=FakeLLM(default="Sure."),
        turn_detector=eou,
        eou_config=EOUConfig(mode=mode, min_max_speech_wait_timeout=[0.5, 1.5]),
    )
    record = run_virtual(call.run(until=6.0))
    assert eou.seen[-1:] == ["I want to book a table"]  # after the prewarm "hello"
    turn = record.metrics.turns[-1]
    return round(turn.eou_delay_ms / 1000, 2)


@pytest.mark.parametrize(
    ("mode", "probability", "expected"),
    [
        ("DEFAULT", 0.9, 0.5),
        ("DEFAULT", 0.2, 1.5),
        ("ADAPTIVE", 1.0, 0.5),
        ("ADAPTIVE", 0.5, 1.0),
        ("ADAPTIVE", 0.0, 1.5),
    ],
)
def test_end_of_utterance_delay_follows_mode_and_probability(mode, probability, expected):
    delay = _committed_after_speech_end(probability, mode)
    # The delay counts from the last voiced audio; 20 ms frames and the 50 ms STT final add
    # at most one frame.
    assert expected <= delay <= expected + 0.03


@pytest.mark.parametrize(
    ("mode", "probability", "ending_confidence", "expected"),
    [
        ("DEFAULT", 0.9, 0.3, 1.5),
        ("DEFAULT", 0.9, 0.5, 0.5),
        ("DEFAULT", None, 0.3, 1.5),
        ("DEFAULT", None, None, 0.5),
        ("ADAPTIVE", 1.0, 0.25, 1.0),
        ("ADAPTIVE", 1.0, None, 0.5),
    ],
)
def test_a_doubtful_last_word_is_not_trusted_to_end_the_turn(
    mode, probability, ending_confidence, expected
):
    """The user sounds done in every case; only the STT's doubt about the last word differs."""
    def delay(floor: float) -> float:
        config = EOUConfig(mode=mode, min_max_speech_wait_timeout=[0.5, 1.5],
                           min_ending_confidence=floor)
        end_of_turn = EndOfTurnDelay(config)
        return end_of_turn.delay(end_of_turn.trusted(probability, ending_confidence))

    assert delay(0.5) == pytest.approx(expected)
    assert delay(0.0) == pytest.approx(0.5)  # off by default: the turn detector decides
    off = EndOfTurnDelay(EOUConfig(mode=mode))
    assert off.trusted(probability, -0.2) == probability  # a custom STT's odd score: ignored
    with pytest.raises(ValueError):
        EOUConfig(min_ending_confidence=1.5)


@pytest.mark.parametrize(("floor", "turns"), [(0.0, 2), (0.5, 1)])
def test_a_half_sentence_the_stt_is_unsure_of_waits_for_the_rest(floor, turns):
    """Whisper hears "We need a taxi for", cut by a 0.8 s pause, as "We need a taxi call.", and
    the turn detector calls that finished; its doubt about "call" keeps the turn open."""
    user = UserScript().says("We need a taxi call.", at=1.0, duration=1.2,
                             ending_confidence=0.2).says("for three people", at=3.0)
    llm = FakeLLM(default="Done.")
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=llm, turn_detector=ScriptedEOU(0.95),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 1.3], min_ending_confidence=floor),
    )
    record = run_virtual(call.run(until=8.0))
    assert len(record.user_texts()) == turns
    assert record.user_texts()[0].startswith("We need a taxi call.")


def test_user_continuing_within_the_wait_makes_one_turn():
    user = UserScript().says("I want to book a table for", at=1.0).says("two people at seven", at=3.4)
    eou = ScriptedEOU(0.1)
    llm = FakeLLM(default="Done.")
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=llm, turn_detector=eou,
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.5, 1.5]),
    )
    record = run_virtual(call.run(until=8.0))
    assert record.user_texts() == ["I want to book a table for two people at seven"]
    assert len(llm.requests) == 1


def test_preemptive_generation_starts_the_llm_on_the_preflight_transcript():
    user = UserScript().says("What time do you open", at=1.0, preflight=True)
    llm = FakeLLM([FakeResponse("We open at noon.", ttft=0.4)])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=6.0))
    turn = record.metrics.turns[-1]
    assert turn.preemptive
    assert len(llm.requests) == 1
    # The LLM started before the turn was committed, so its 0.4 s overlaps the wait.
    assert turn.llm_started_at < turn.committed_at
    without = run_virtual(
        ScriptedCall(
            Greeter(greeting=None),
            UserScript().says("What time do you open", at=1.0),
            llm=FakeLLM([FakeResponse("We open at noon.", ttft=0.4)]),
        ).run(until=6.0)
    ).metrics.turns[-1]
    assert turn.e2e_latency_ms < without.e2e_latency_ms - 250
    assert record.assistant_texts() == ["We open at noon."]


def test_preemptive_generation_is_discarded_when_the_final_text_differs():
    user = UserScript().says("What time do you open", at=1.0, preflight=True).says(
        "on sunday", at=2.6
    )
    seen: list[str] = []

    def respond(ctx):
        seen.append(ctx.messages()[-1].text_content)
        return FakeResponse("Answer.", ttft=0.3)

    record = run_virtual(
        ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(respond=respond)).run(until=7.0)
    )
    assert seen[-1] == "What time do you open on sunday"
    assert not record.metrics.turns[-1].preemptive
    assert record.user_texts() == ["What time do you open on sunday"]


def test_wake_up_timer_fires_after_silence_and_not_while_talking():
    agent = Greeter(greeting="Hi!")
    user = UserScript().says("Hello", at=2.0)
    call = ScriptedCall(agent, user, llm=FakeLLM(default="Hello again."), wake_up=4)
    fired: list[float] = []

    async def nudge():
        from vocalis.utils import now

        fired.append(now())
        await call.session.say("Are you still there?")

    call.session.on_wake_up = nudge
    record = run_virtual(call.run(until=14.0))
    assert len(fired) >= 1
    # The reply to "Hello" ended around 3.6 s; four quiet seconds later the timer fired.
    assert 7.0 < fired[0] < 8.5
    assert "Are you still there?" in record.assistant_texts()
    assert record.messages(ChatRole.USER)[0].text_content == "Hello"


def test_no_preemptive_generation_while_the_turn_detector_expects_more():
    user = UserScript().says("I want to book a table for", at=1.0, preflight=True)
    eou = ScriptedEOU(0.1)
    llm = FakeLLM(default="Sure.")
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=llm, turn_detector=eou,
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 0.8]),
    )
    record = run_virtual(call.run(until=6.0))
    turn = record.metrics.turns[-1]
    assert not turn.preemptive
    assert len(llm.requests) == 1
    assert turn.llm_started_at >= turn.committed_at


def test_preemptive_speech_has_the_first_sentence_ready_at_the_commit():
    """With a TTS that may synthesize two things at once, the preemptive answer's first
    sentence is synthesized before the turn is committed: its TTS time leaves the latency."""

    def call(concurrent: bool):
        user = UserScript().says("What time do you open", at=1.0, preflight=True)
        tts = FakeTTS(ttfb=0.3, concurrent=concurrent)
        llm = FakeLLM([FakeResponse("We open at noon. See you then.")])
        record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, tts=tts).run(until=8.0))
        return record, tts

    record, tts = call(concurrent=True)
    baseline, _ = call(concurrent=False)
    turn = record.metrics.turns[-1]
    assert turn.preemptive
    assert turn.e2e_latency_ms < baseline.metrics.turns[-1].e2e_latency_ms - 250
    assert tts.texts == ["We open at noon.", "See you then."]  # each sentence synthesized once
    assert record.assistant_texts() == ["We open at noon. See you then."]


def test_preemptive_speech_is_thrown_away_when_the_user_goes_on():
    user = UserScript().says("What time do you open", at=1.0, preflight=True).says(
        "on sunday", at=2.6
    )
    tts = FakeTTS(concurrent=True)
    llm = FakeLLM(respond=lambda ctx: FakeResponse(f"About {ctx.messages()[-1].text_content}."))
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, tts=tts).run(until=8.0))
    assert record.assistant_texts() == ["About What time do you open on sunday."]
    assert not record.metrics.turns[-1].preemptive


SENTENCE = "My name is Alice and I live in Berlin"


def _late_final_call(final_delay: float):
    """A local STT under load: its flush returns with the final ``final_delay`` s late."""
    user = UserScript().says(SENTENCE, at=1.0, duration=2.5)
    stt = FakeSTT(user, final_delay=final_delay, final_in_flush=True)
    llm = FakeLLM(default="Nice to meet you.")
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, stt=stt)
                         .run(until=16.0))
    return record, llm


def test_a_late_final_is_waited_for_instead_of_answering_half_the_sentence():
    """The interim ("My name is Alice and I") must not be committed while the STT is still
    decoding, with the late final then answered as a second turn."""
    record, llm = _late_final_call(final_delay=3.0)
    assert record.user_texts() == [SENTENCE]
    assert len(llm.requests) == 1


def test_the_wait_for_a_final_is_bounded():
    """A decode that never ends: the interim stands in once the longest wait is over."""
    record, _ = _late_final_call(final_delay=30.0)
    texts = record.user_texts()
    assert texts and SENTENCE.startswith(texts[0])
    turn = record.metrics.turns[0]
    waited = turn.committed_at - turn.user_speech_end
    assert FINAL_TRANSCRIPT_MAX_WAIT - 0.1 <= waited <= FINAL_TRANSCRIPT_MAX_WAIT + 1.0
