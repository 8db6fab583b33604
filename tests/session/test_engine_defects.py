"""Defects found by the engine review (issue "One way through the engine"): each test failed
before the redesign."""

from __future__ import annotations

import asyncio

from tests.scenarios.agents import LONG_ANSWER, Greeter

from vocalis import Agent, AgentSession, Pipeline, function_tool
from vocalis.audio import OutputTrack
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeSTT,
    FakeToolCall,
    FakeTTS,
    FakeVAD,
    LoopbackOutput,
    ScriptedCall,
    UserScript,
    run_virtual,
)
from vocalis.text import BasicSentenceChunker
from vocalis.tts import TTSAudioCache


class Billing(Agent):
    def __init__(self):
        super().__init__(instructions="You handle billing.", name="billing")

    async def on_enter(self) -> None:
        await self.session.say("Billing here.")


class FrontDesk(Agent):
    def __init__(self):
        super().__init__(instructions="You route calls.", name="front_desk")

    @function_tool
    async def transfer_to_billing(self) -> Agent:
        """Transfer the caller to billing."""
        return Billing()


def test_a_tool_returning_an_agent_hands_off_after_change_pipeline():
    user = UserScript().says("I have a billing question", at=3.0)
    llm = FakeLLM([FakeResponse(tool_calls=[FakeToolCall("transfer_to_billing")])])

    async def scenario():
        call = ScriptedCall(FrontDesk(), user, llm=FakeLLM([FakeResponse("unused")]))

        async def swap_llm_early():
            await asyncio.sleep(1.0)
            await call.pipeline.change_pipeline(llm=llm)

        swap = asyncio.ensure_future(swap_llm_early())
        record = await call.run(until=8.0)
        await swap
        return record

    record = run_virtual(scenario())
    assert record.session.agent.name == "billing"
    outputs = [i for i in record.session.agent.chat_context.items if i.type == "function_call_output"]
    assert all("Billing(" not in str(getattr(o, "output", "")) for o in outputs)
    assert "Billing here." in record.assistant_texts()


def test_session_metrics_survive_change_pipeline():
    user = UserScript().says("Hello there", at=1.0).says("And again", at=5.0)

    async def scenario():
        call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM([FakeResponse("Hi."), FakeResponse("Yes.")]))

        async def rebuild_between_turns():
            await asyncio.sleep(4.0)
            await call.pipeline.change_pipeline(llm=FakeLLM([FakeResponse("Yes.")]))

        swap = asyncio.ensure_future(rebuild_between_turns())
        record = await call.run(until=9.0)
        await swap
        return record

    record = run_virtual(scenario())
    assert [t.user_text for t in record.metrics.turns] == ["Hello there", "And again"]


class BrokenSTT(FakeSTT):
    """An STT that reports a provider failure the way plugins do: ``emit("error")``."""

    async def process_audio(self, audio_frames: bytes, language=None, **kwargs) -> None:
        if self.position == 0.0:
            self.emit("error", "connection to the STT provider lost")
        await super().process_audio(audio_frames, language, **kwargs)


def test_a_plugin_error_event_reaches_the_session_and_its_metrics():
    user = UserScript().says("Hello", at=1.0)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM([FakeResponse("Hi.")]),
                        stt=BrokenSTT(user))
    record = run_virtual(call.run(until=4.0))
    errors = [p for _, name, p in record.events if name == "error"]
    assert any("STT provider lost" in e["error"] for e in errors)
    assert any("STT provider lost" in e["error"] for e in record.metrics.errors)


def test_the_audio_cache_synthesizes_into_its_own_sink_during_a_reply():
    tts = FakeTTS(ttfb=0.05, speed=1.0)
    user = UserScript().says("Tell me about the menu", at=1.0)

    async def scenario():
        call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM([FakeResponse(LONG_ANSWER)]), tts=tts)
        cache = TTSAudioCache(tts)
        cached: list[bytes] = []

        async def fetch_while_speaking():
            await asyncio.sleep(2.6)
            cached.append(await cache.fetch("One moment."))

        fetch = asyncio.ensure_future(fetch_while_speaking())
        record = await call.run(until=15.0)
        await fetch
        return record, cached[0]

    record, audio = run_virtual(scenario())
    alone = run_virtual(TTSAudioCache(FakeTTS(ttfb=0.05, speed=1.0)).fetch("One moment."))
    assert len(audio) == len(alone)
    spans = record.agent_speech()
    assert len(spans) == 1, f"the reply has a gap: {spans}"


class RecordingChunker(BasicSentenceChunker):
    """Remembers every sentence stream it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.streams: list = []

    def stream(self, *args, **kwargs):
        stream = super().stream(*args, **kwargs)
        self.streams.append(stream)
        return stream


def test_barge_in_closes_the_sentence_stream_it_interrupted():
    user = UserScript().says("Tell me about the menu", at=1.0).says("Stop please I changed my mind", at=4.0)
    chunker = RecordingChunker()
    llm = FakeLLM([FakeResponse(LONG_ANSWER, seconds_per_token=0.3), FakeResponse("Sure.")])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, chunker=chunker).run(until=9.0))
    assert record.metrics.interruptions == 1
    assert chunker.streams and all(stream.closed for stream in chunker.streams)


class FailingEnter(Agent):
    def __init__(self):
        super().__init__(instructions="I fail on entry.", name="failing")

    async def on_enter(self) -> None:
        raise RuntimeError("greeting failed")


class Router(Agent):
    def __init__(self):
        super().__init__(instructions="You route.", name="router")

    @function_tool
    async def transfer(self) -> Agent:
        """Transfer."""
        return FailingEnter()


def test_a_failed_handoff_is_an_error_event_and_the_old_agent_keeps_the_call():
    user = UserScript().says("Transfer me", at=1.0)
    llm = FakeLLM([FakeResponse(tool_calls=[FakeToolCall("transfer")]), FakeResponse("Still here.")])
    record = run_virtual(ScriptedCall(Router(), user, llm=llm).run(until=6.0))
    errors = [p for _, name, p in record.events if name == "error"]
    assert any("greeting failed" in e["error"] for e in errors)
    assert record.session.agent.name == "router"


def test_one_handoff_is_one_run_event():
    async def scenario():
        pipeline = Pipeline(llm=FakeLLM([FakeResponse(tool_calls=[FakeToolCall("transfer_to_billing")])]),
                            tts=FakeTTS())
        session = AgentSession(FrontDesk(), pipeline)
        await session.start()
        result = await session.run(user_input="billing please")
        await session.close()
        return result

    result = run_virtual(scenario())
    assert [e.type for e in result.events].count("agent_handoff") == 1


def test_the_output_track_makes_a_fast_tts_wait():
    async def scenario():
        track = OutputTrack(sample_rate=16000)
        tts = FakeTTS(seconds_per_char=0.2, speed=0.0)
        pipeline = Pipeline(llm=FakeLLM([FakeResponse(LONG_ANSWER)]), tts=tts, stt=FakeSTT(UserScript()), vad=FakeVAD())
        session = AgentSession(Greeter(greeting=None), pipeline, output_track=track)
        await session.start()
        reader = LoopbackOutput(track, record=False)
        pump = asyncio.ensure_future(reader.run(30.0))
        await session.send_text("Tell me about the menu")
        peak = 0.0
        for _ in range(200):
            await asyncio.sleep(0.05)
            peak = max(peak, track.queued_seconds)
        pump.cancel()
        await session.close()
        return peak

    peak = run_virtual(scenario())
    assert peak <= OutputTrack.DEFAULT_MAX_QUEUED_SECONDS + 1.0


def test_a_bug_while_committing_a_turn_is_an_error_event_not_a_silent_loss():
    from vocalis.pipeline import EndOfTurnDelay, EOUConfig

    class Broken(EndOfTurnDelay):
        def delay(self, probability):
            raise ZeroDivisionError("the custom delay divided by zero")

    user = UserScript().says("Hello there", at=1.0)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(["Hi."]),
                        end_of_turn=Broken(EOUConfig()))
    record = run_virtual(call.run(until=4.0))
    errors = [p for _, name, p in record.events if name == "error"]
    assert [e["source"] for e in errors] == ["turn"]
    assert "divided by zero" in errors[0]["error"]
    assert record.metrics.errors and record.metrics.errors[0]["source"] == "turn"


def test_a_voice_that_fails_is_a_tts_error_not_an_llm_error_and_the_next_turn_is_spoken():
    class FailsOnce(FakeTTS):
        async def synthesize(self, text, **kwargs):
            if not getattr(self, "failed", False):
                self.failed = True
                raise RuntimeError("voice crashed")
            await super().synthesize(text, **kwargs)

    def respond(chat):
        last = [m.text_content for m in chat.messages() if m.role.value == "user"][-1]
        return "Yes, I am." if last == "Are you there?" else "Hi."

    user = UserScript().says("Hello", at=1.0).says("Are you there?", at=4.0)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(respond=respond),
                        tts=FailsOnce())
    record = run_virtual(call.run(until=8.0))
    sources = [p["source"] for _, name, p in record.events if name == "error"]
    assert sources and set(sources) == {"tts"}, sources
    assert "Yes, I am." in record.assistant_texts()
