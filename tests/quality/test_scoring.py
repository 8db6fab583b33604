"""The benchmark's scoring on hand-made timelines: what counts as a reply, a cut-off, a false
barge-in and a stop, and which utterance a late turn belongs to."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from benchmarks.quality.record import AgentAudio, CallRecord, LLMTurn, Utterance
from benchmarks.quality.scoring import score_call, turn_figures, wer_figures

if importlib.util.find_spec("jiwer") is None or importlib.util.find_spec(
    "whisper_normalizer"
) is None:
    pytest.skip("jiwer and whisper-normalizer are needed (pip install -e '.[dev]')",
                allow_module_level=True)

RATE = 16000
LOUD = (np.sin(np.arange(320) / 3) * 8000).astype("<i2").tobytes()
QUIET = bytes(640)


def said(kind: str, text: str, start: float, end: float) -> Utterance:
    return Utterance(kind, text, "v", int(start * RATE), int((end - start) * RATE) + RATE // 10,
                     onset=start - 0.05, voiced_start=start, voiced_end=end)


def agent_speaks(*spans: tuple[float, float]) -> AgentAudio:
    audio = AgentAudio()
    t = 0.0
    while t < 30.0:
        loud = any(a <= t < b for a, b in spans)
        audio.add(LOUD if loud else QUIET, RATE, wall=t)
        t = round(t + 0.02, 2)
    return audio


def record(utterances: list[Utterance], agent: AgentAudio, turns: list[LLMTurn],
           interrupts: list[float] | None = None) -> CallRecord:
    return CallRecord("ws", "clean", RATE, np.zeros(30 * RATE, dtype="<i2"), utterances, agent,
                      interrupts=interrupts or [], llm_turns=turns)


def test_a_reply_is_timed_from_the_last_voiced_sample_to_the_first_audible_audio() -> None:
    question = said("turn", "What time is it?", 1.0, 2.0)
    score = score_call(record([question], agent_speaks((2.44, 4.0)),
                              [LLMTurn(2.3, "What time is it?", 2.0)]), {0: "What time is it?"})
    [result] = score.utterances
    assert result.reply_ms == pytest.approx(440, abs=1)
    assert not result.premature
    assert turn_figures(score.utterances)["missed_turns"]["count"] == 0


def test_a_turn_committed_inside_a_pause_sentence_is_a_premature_cut_off() -> None:
    sentence = said("pause", "I'd like a table for four people", 1.0, 4.0)
    turns = [LLMTurn(2.9, "I'd like a table for", 2.0), LLMTurn(4.6, "four people", 4.0)]
    score = score_call(record([sentence], agent_speaks((3.1, 3.5), (4.8, 6.0)), turns), {})
    [result] = score.utterances
    assert result.premature and result.premature_heard
    assert result.heard == "I'd like a table for four people"
    assert turn_figures(score.utterances)["premature_cutoffs"] == {"count": 1, "heard": 1, "of": 1}


def test_a_late_turn_belongs_to_the_utterance_its_speech_ended_in() -> None:
    first = said("turn", "My name is Alice", 1.0, 2.0)
    second = said("turn", "I live in Berlin", 5.0, 6.0)
    late = LLMTurn(5.5, "My name is Alice", speech_end=2.0)  # committed after "second" began
    score = score_call(record([first, second], agent_speaks(), [late]), {})
    assert [r.heard for r in score.utterances] == ["My name is Alice", ""]
    assert turn_figures(score.utterances)["missed_turns"] == {"count": 1, "of": 2}


def test_a_backchannel_that_brings_an_interruption_is_a_false_barge_in() -> None:
    story = said("trigger", "Tell me a story", 0.5, 1.5)
    calm = said("backchannel", "Yeah", 4.0, 4.4)
    costly = said("backchannel", "Mm-hmm", 8.0, 8.5)
    score = score_call(record([story, calm, costly], agent_speaks((2.0, 9.0)),
                              [LLMTurn(1.9, "Tell me a story", 1.5)], interrupts=[9.0]), {})
    figures = turn_figures(score.utterances)["false_barge_ins"]
    assert figures["count"] == 1 and figures["of"] == 2


def test_an_interruption_stops_the_agent_when_its_audio_stops() -> None:
    story = said("trigger", "Tell me a story", 0.5, 1.5)
    stop = said("interruption", "Wait, stop", 5.0, 6.0)
    turns = [LLMTurn(1.9, "Tell me a story", 1.5), LLMTurn(6.8, "Wait, stop", 6.0)]
    score = score_call(record([story, stop], agent_speaks((2.0, 5.6), (7.5, 9.0)), turns,
                              interrupts=[6.5]), {})
    result = score.utterances[1]
    assert result.interrupted
    assert result.stop_ms == pytest.approx(600, abs=25)


def test_words_are_scored_in_sequence_whichever_turn_they_landed_in() -> None:
    first = said("pause", "book a table for four people", 1.0, 4.0)
    second = said("turn", "on Friday", 6.0, 7.0)
    turns = [LLMTurn(2.5, "book a table for", 2.0), LLMTurn(7.5, "four people on Friday", 7.0)]
    score = score_call(record([first, second], agent_speaks(), turns),
                       {0: "book a table for four people", 1: "on Friday"})
    figures = wer_figures(score.utterances)
    assert figures["wer_vs_offline"] == 0.0
    assert figures["wer_gap"] == 0.0


def test_an_old_answer_that_comes_back_after_the_stop_is_reported() -> None:
    story = said("trigger", "Tell me a story", 0.5, 1.5)
    stop = said("interruption", "Wait, stop", 5.0, 6.0)
    turns = [LLMTurn(1.9, "Tell me a story", 1.5), LLMTurn(9.5, "Wait, stop", 6.0)]
    agent = agent_speaks((2.0, 5.6), (7.0, 9.0), (9.8, 11.0))  # paused, then the story again
    score = score_call(record([story, stop], agent, turns, interrupts=[6.9]), {})
    result = score.utterances[1]
    assert result.stop_ms == pytest.approx(600, abs=25)
    assert result.resumed
    assert turn_figures(score.utterances)["barge_in_stop_ms"]["resumed"] == 1


def test_a_gap_before_the_caller_could_be_heard_is_not_a_stop() -> None:
    story = said("trigger", "Tell me a story", 0.5, 1.5)
    stop = said("interruption", "Wait, stop", 5.0, 6.0)
    turns = [LLMTurn(1.9, "Tell me a story", 1.5), LLMTurn(7.0, "Wait, stop", 6.0)]
    agent = agent_speaks((2.0, 5.1), (5.8, 6.6), (7.3, 9.0))  # a pause between sentences first
    score = score_call(record([story, stop], agent, turns, interrupts=[6.5]), {})
    result = score.utterances[1]
    assert result.stop_ms == pytest.approx(1500, abs=25)
    assert not result.resumed


def test_an_interruption_after_the_answer_ended_is_not_a_barge_in() -> None:
    # The trigger was misheard, so the answer was short and over before the caller said "stop":
    # the end of the answer to "Wait, stop" is not the agent stopping for it.
    story = said("trigger", "Tell me a story", 0.5, 1.5)
    stop = said("interruption", "Wait, stop, I have a question", 4.0, 6.0)
    turns = [LLMTurn(1.9, "Tell me a", 1.5), LLMTurn(6.4, "I have a question", 6.0)]
    agent = agent_speaks((2.0, 3.6), (6.5, 8.5))
    score = score_call(record([story, stop], agent, turns), {})
    result = score.utterances[1]
    assert not result.over_agent
    assert turn_figures(score.utterances)["barge_in_stop_ms"]["of"] == 0


def test_an_answer_stopped_in_a_pause_between_its_phrases_is_a_barge_in() -> None:
    story = said("trigger", "Tell me a story", 0.5, 1.5)
    stop = said("interruption", "Wait, stop", 4.0, 5.0)
    turns = [LLMTurn(1.9, "Tell me a story", 1.5), LLMTurn(5.4, "Wait, stop", 5.0)]
    agent = agent_speaks((2.0, 3.8), (6.0, 7.0))  # the caller starts in a pause; it never resumes
    score = score_call(record([story, stop], agent, turns, interrupts=[4.4]), {})
    result = score.utterances[1]
    assert result.over_agent and result.interrupted
    assert result.stop_ms == pytest.approx(400, abs=25)
