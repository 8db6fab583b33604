"""``Utterances`` and ``Speech``: one utterance at a time, only what was heard is recorded."""

from __future__ import annotations

import asyncio

from tests.scenarios.agents import LONG_ANSWER, Greeter

from vocalis.audio import OutputTrack
from vocalis.llm.items import ChatRole
from vocalis.pipeline import ReplyOptions, SessionLink, UtteranceHandle
from vocalis.pipeline.components import Components
from vocalis.pipeline.events import AgentText
from vocalis.pipeline.hooks import PipelineHooks
from vocalis.pipeline.options import DEFAULT_LLM_ERROR_MESSAGE
from vocalis.pipeline.speaking.utterances import Utterances
from vocalis.testing import FakeLLM, FakeResponse, FakeTTS, LoopbackOutput
from vocalis.text import BasicSentenceChunker
from vocalis.utils import run_virtual
from vocalis.utils.tasks import TaskGroup


class Observer:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def utterance_started(self, u) -> None:
        self.seen.append("started")

    def utterance_thinking(self, u) -> None:
        self.seen.append("thinking")

    def utterance_speaking(self, u) -> None:
        self.seen.append("speaking")

    def utterance_finished(self, u) -> None:
        self.seen.append("finished")


def _utterances(llm: FakeLLM, *, tts: FakeTTS | None = None, chunker=None, **options):
    link = SessionLink(agent=Greeter(greeting=None))
    track = OutputTrack()
    observer = Observer()
    utterances = Utterances(
        Components(llm=llm, tts=tts or FakeTTS(), chunker=chunker or BasicSentenceChunker()),
        hooks=PipelineHooks(), link=link, tasks=TaskGroup(), observer=observer,
        options=ReplyOptions(**options),
    )
    utterances.set_track(track)
    return utterances, link, track, observer


def test_a_reply_thinks_speaks_finishes_and_is_recorded():
    async def main():
        utterances, link, track, observer = _utterances(FakeLLM(["Hello there. How can I help?"]))
        reader = asyncio.ensure_future(LoopbackOutput(track, record=False).run(10.0))
        handle = UtteranceHandle("utt_1")
        await utterances.start_reply(handle)
        await handle
        reader.cancel()
        return link, observer, handle

    link, observer, handle = run_virtual(main())
    assert observer.seen == ["started", "thinking", "speaking", "finished"]
    assert link.agent.chat_context.messages()[-1].text_content == "Hello there. How can I help?"
    assert not handle.interrupted and link.metrics.turns[-1].first_audio_out_at is not None


def test_a_stopped_reply_records_only_what_was_heard():
    async def main():
        utterances, link, track, _observer = _utterances(FakeLLM([LONG_ANSWER]))
        reader = asyncio.ensure_future(LoopbackOutput(track, record=False).run(20.0))
        handle = UtteranceHandle("utt_1")
        utterance = await utterances.start_reply(handle)
        await asyncio.sleep(2.0)
        await utterances.stop(utterance)
        reader.cancel()
        return link, handle

    link, handle = run_virtual(main())
    message = link.agent.chat_context.messages()[-1]
    assert handle.interrupted and message.interrupted
    assert message.role is ChatRole.ASSISTANT
    assert 0 < len(message.text_content) < len(LONG_ANSWER) and LONG_ANSWER.startswith(message.text_content)


def test_a_new_utterance_stops_the_previous_one():
    async def main():
        utterances, link, track, _observer = _utterances(FakeLLM([LONG_ANSWER]))
        reader = asyncio.ensure_future(LoopbackOutput(track, record=False).run(20.0))
        first = UtteranceHandle("utt_1")
        await utterances.start_reply(first)
        await asyncio.sleep(1.0)
        second = UtteranceHandle("utt_2")
        await utterances.start_say(second, "Sorry, one moment.")
        await second
        reader.cancel()
        return first, second, link

    first, second, link = run_virtual(main())
    assert first.interrupted and not second.interrupted
    assert link.agent.chat_context.messages()[-1].text_content == "Sorry, one moment."


def test_an_llm_that_hangs_gets_a_spoken_apology_within_the_timeout():
    async def main():
        llm = FakeLLM([FakeResponse("too late", ttft=60.0)])
        utterances, link, track, _observer = _utterances(llm, first_token_timeout=3.0)
        output = LoopbackOutput(track)
        reader = asyncio.ensure_future(output.run(15.0))
        errors: list[dict] = []
        link.bus.subscribe("error", errors.append)
        handle = UtteranceHandle("utt_1")
        await utterances.start_reply(handle)
        await handle
        reader.cancel()
        return link, output.record, errors

    link, record, errors = run_virtual(main())
    assert errors and errors[0]["source"] == "llm" and "3 s" in errors[0]["error"]
    spans = record.speech_spans()
    assert spans and 3.0 <= spans[0][0] < 3.5
    assert link.agent.chat_context.messages()[-1].text_content == DEFAULT_LLM_ERROR_MESSAGE


def test_an_opening_clause_is_synthesized_alone_and_reported_with_its_sentence():
    reply = "Of course, I can book a table for four. Anything else?"

    async def main():
        tts = FakeTTS()
        chunker = BasicSentenceChunker(first_min_sentence_len=8)
        utterances, link, track, _observer = _utterances(FakeLLM([reply]), tts=tts, chunker=chunker)
        texts: list[str] = []
        link.bus.subscribe(AgentText, lambda event: texts.append(event.text))
        reader = asyncio.ensure_future(LoopbackOutput(track, record=False).run(20.0))
        handle = UtteranceHandle("utt_1")
        await utterances.start_reply(handle)
        await handle
        reader.cancel()
        return tts.texts, texts, link

    synthesized, reported, link = run_virtual(main())
    assert synthesized == ["Of course,", "I can book a table for four.", "Anything else?"]
    assert reported == ["Of course, I can book a table for four.", "Anything else?"]
    assert link.agent.chat_context.messages()[-1].text_content == reply
