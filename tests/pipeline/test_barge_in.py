"""``BargeIn``: what user speech over the agent does to the current utterance."""

from __future__ import annotations

import asyncio

from vocalis.interruption import OverlappingSpeechEvent
from vocalis.metrics import TurnMetrics
from vocalis.pipeline import InterruptConfig, InterruptionStrategy, SessionLink, UtteranceHandle
from vocalis.pipeline.speaking.utterances import AgentUtterance
from vocalis.pipeline.turns.barge_in import BargeIn
from vocalis.utils import run_virtual
from vocalis.utils.tasks import TaskGroup


class FakeSpeech:
    has_audio = True

    def __init__(self) -> None:
        self.paused = False
        self.interrupted = False

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    async def interrupt(self) -> None:
        self.interrupted = True


class FakeUtterances:
    def __init__(self) -> None:
        self.current: AgentUtterance | None = AgentUtterance(
            UtteranceHandle("utt_1"), TurnMetrics(turn_id=1), speech=FakeSpeech()
        )
        self.stopped: list[AgentUtterance] = []

    async def stop(self, utterance: AgentUtterance) -> None:
        self.stopped.append(utterance)
        utterance.finished = True
        self.current = None


def _barge_in(config: InterruptConfig | None = None):
    config = config or InterruptConfig()
    utterances = FakeUtterances()
    link = SessionLink()
    events: list[str] = []
    link.bus.subscribe("interrupted", lambda p: events.append("interrupted"))
    link.bus.subscribe("false_interruption", lambda p: events.append("false_interruption"))
    link.bus.subscribe("backchannel", lambda p: events.append("backchannel"))
    strategy = InterruptionStrategy(config, has_stt=True, has_vad=True)
    barge_in = BargeIn(utterances, strategy, config=config, tasks=TaskGroup(), link=link)  # type: ignore[arg-type]
    return barge_in, utterances, link, events


def test_half_a_second_of_sound_pauses_and_silence_resumes():
    async def main():
        barge_in, utterances, link, events = _barge_in()
        speech = utterances.current.speech
        barge_in.speech_started()
        await asyncio.sleep(0.6)
        assert speech.paused
        barge_in.speech_ended()
        await asyncio.sleep(2.1)
        return speech, link, events

    speech, link, events = run_virtual(main())
    assert not speech.paused and not speech.interrupted
    assert events == ["false_interruption"] and link.metrics.false_interruptions == 1


def test_real_words_interrupt_and_a_backchannel_does_not():
    async def main():
        barge_in, utterances, link, events = _barge_in()
        barge_in.speech_started()
        assert not await barge_in.words("mm-hmm", 0.9, final=True)
        barge_in.speech_ended()
        barge_in.speech_started()
        assert await barge_in.words("wait stop", 0.9, final=False)
        return utterances, link, events

    utterances, link, events = run_virtual(main())
    assert events == ["backchannel", "interrupted"]
    assert len(utterances.stopped) == 1 and link.metrics.interruptions == 1


def test_the_audio_classifier_holds_the_agent_before_any_word():
    async def main():
        barge_in, utterances, _link, events = _barge_in()
        barge_in.speech_started()
        await asyncio.sleep(0.3)
        await barge_in.audio_verdict(OverlappingSpeechEvent(is_interruption=True, probability=0.995))
        await asyncio.sleep(0.01)
        speech = utterances.current.speech
        assert speech.paused  # held at once, before any word
        assert await barge_in.words("wait", 0.4, final=False)  # the first word confirms it
        return utterances, events

    utterances, events = run_virtual(main())
    assert events == ["interrupted"] and utterances.stopped


def test_a_non_interruptible_utterance_is_only_stopped_by_force():
    async def main():
        barge_in, utterances, _link, events = _barge_in()
        utterances.current.handle = UtteranceHandle("utt_2", interruptible=False)
        barge_in.speech_started()
        assert not await barge_in.words("stop talking now", 1.0, final=True)
        assert not await barge_in.interrupt(force=False)
        assert await barge_in.interrupt(force=True)
        return events

    assert run_virtual(main()) == ["interrupted"]


def test_words_still_being_transcribed_hold_the_resume_until_their_final():
    """An interim with no final yet when the pause runs out: the final, late, still decides."""

    async def main(final_text: str | None):
        barge_in, utterances, _link, events = _barge_in()
        speech = utterances.current.speech
        barge_in.speech_started()
        await asyncio.sleep(0.6)
        assert not await barge_in.words("so", 0.5, final=False)
        assert speech.paused
        barge_in.speech_ended()
        await asyncio.sleep(2.5)
        held_past_the_pause = speech.paused
        if final_text is not None:
            await barge_in.words(final_text, 0.9, final=True)
        await asyncio.sleep(2.0)
        return held_past_the_pause, speech, utterances, events

    held, _speech, utterances, events = run_virtual(main("so please stop talking"))
    assert held and utterances.stopped and events == ["interrupted"]
    held, speech, utterances, events = run_virtual(main(None))
    assert held and not speech.paused and not utterances.stopped
    assert events == ["false_interruption"]


def test_a_newer_interim_after_a_final_holds_the_resume_too():
    """An STT that finalises segments while the caller speaks: after "yeah" was final, "so"
    is still only an interim when the pause runs out; the agent waits for its final."""

    async def main():
        barge_in, utterances, _link, events = _barge_in()
        speech = utterances.current.speech
        barge_in.speech_started()
        await asyncio.sleep(0.6)
        await barge_in.words("yeah", 0.5, final=True)
        await barge_in.words("yeah so", 0.5, final=False)
        barge_in.speech_ended()
        await asyncio.sleep(2.5)
        held_past_the_pause = speech.paused
        await barge_in.words("so please stop talking", 0.9, final=True)
        await asyncio.sleep(2.0)
        return held_past_the_pause, utterances, events

    held, utterances, events = run_virtual(main())
    assert held and utterances.stopped and events[-1] == "interrupted"
    assert "false_interruption" not in events
