import asyncio

import pytest
from tests.scenarios.agents import Greeter

from vocalis import Agent, AgentSession, Pipeline, UtteranceHandle
from vocalis.testing import FakeLLM, FakeResponse, FakeTTS, ScriptedCall, UserScript, run_virtual


def test_llm_stream_hook_rewrites_what_is_spoken_and_recorded_and_tts_hook_only_what_is_spoken():
    user = UserScript().says("What is my card number", at=1.0)
    llm = FakeLLM([FakeResponse("Your card is 4111 1111 1111 1111. Anything else?")])
    tts = FakeTTS()
    call = ScriptedCall(Greeter(greeting=None), user, llm=llm, tts=tts)

    @call.pipeline.on("llm")
    async def redact(sentences):
        async for sentence in sentences:
            yield sentence.replace("4111 1111 1111 1111", "ending in 1111")

    @call.pipeline.on("tts")
    async def pronounce(text: str) -> str:
        return text.replace("Anything else?", "Anything else at all?")

    seen = []
    observed = []
    call.pipeline.on("user_turn_start", lambda transcript: seen.append(transcript))
    call.pipeline.on("llm", lambda data: observed.append(data["text"]))
    record = run_virtual(call.run(until=8.0))
    assert record.assistant_texts() == ["Your card is ending in 1111. Anything else?"]
    assert tts.texts == ["Your card is ending in 1111.", "Anything else at all?"]
    assert seen == ["What is my card number"]
    assert observed == ["Your card is ending in 1111. Anything else?"]


def test_stt_hook_rewrites_the_user_turn_and_a_failing_hook_is_skipped():
    user = UserScript().says("book a table for to people", at=1.0)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(default="Done."))
    call.pipeline.on("stt", lambda text: text.replace("for to", "for two"))
    call.pipeline.on("stt", lambda text: 1 / 0)
    record = run_virtual(call.run(until=6.0))
    assert record.user_texts() == ["book a table for two people"]


def test_unknown_hook_names_are_plain_events_and_async_events_are_rejected():
    pipeline = Pipeline(llm=FakeLLM())
    pipeline.on("something_else", lambda payload: None)
    with pytest.raises(ValueError):

        async def handler(payload):
            pass

        pipeline.on("metrics", handler)


def test_change_component_swaps_tts_and_llm_mid_call():
    async def scenario():
        user = UserScript().says("hello there", at=1.0).says("hello again", at=5.0)
        first_tts, second_tts = FakeTTS(), FakeTTS()
        call = ScriptedCall(
            Greeter(greeting=None), user, llm=FakeLLM(default="From the first."), tts=first_tts
        )
        run = asyncio.ensure_future(call.run(until=9.0))
        await asyncio.sleep(4.0)
        await call.pipeline.change_component(tts=second_tts, llm=FakeLLM(default="From the second."))
        record = await run
        return record, first_tts, second_tts

    record, first_tts, second_tts = run_virtual(scenario())
    assert record.assistant_texts() == ["From the first.", "From the second."]
    assert first_tts.texts == ["From the first."]
    assert second_tts.texts == ["From the second."]


def test_change_component_cannot_fill_an_empty_slot():
    async def scenario():
        pipeline = Pipeline(llm=FakeLLM())
        with pytest.raises(ValueError, match="change_pipeline"):
            await pipeline.change_component(tts=FakeTTS())

    run_virtual(scenario())


def test_change_pipeline_switches_mode_from_text_only_to_voice():
    from vocalis.testing import LoopbackOutput

    async def scenario():
        agent = Greeter(greeting=None)
        pipeline = Pipeline(llm=FakeLLM(default="Typed answer."))
        session = AgentSession(agent, pipeline)
        await session.start()
        first = await session.run(user_input="hi")
        tts = FakeTTS()
        await pipeline.change_pipeline(tts=tts)
        listener = asyncio.ensure_future(LoopbackOutput(session.output_track).run(3.0))
        handle = await session.send_text("and now?")
        await handle
        await listener
        await session.close()
        return first, tts, pipeline, listener.result

    first, tts, pipeline, _ = run_virtual(scenario())
    assert first.final_output == "Typed answer."
    assert tts.texts == ["Typed answer."]
    assert pipeline.pipeline_mode.value == "llm_tts_only"


def test_text_mode_run_does_not_synthesize_even_with_a_tts():
    async def scenario():
        tts = FakeTTS()
        session = AgentSession(Greeter(greeting=None), Pipeline(llm=FakeLLM(default="Ok."), tts=tts))
        await session.start()
        result = await session.run(user_input="hello")
        await session.close()
        return result, tts

    result, tts = run_virtual(scenario())
    assert result.final_output == "Ok." and tts.texts == []


def test_utterance_handle_semantics():
    async def scenario():
        handle = UtteranceHandle("utt_1", interruptible=False)
        with pytest.raises(RuntimeError):
            handle.interrupt()
        waiter = asyncio.ensure_future(handle.wait())
        await asyncio.sleep(0)
        handle.interrupt(force=True)
        await waiter
        return handle

    handle = run_virtual(scenario())
    assert handle.done() and handle.interrupted


def test_session_metrics_summary_and_history_export():
    user = UserScript().says("hello there", at=1.0)
    record = run_virtual(
        ScriptedCall(Greeter(), user, llm=FakeLLM([FakeResponse("Hi!", ttft=0.2)])).run(until=5.0)
    )
    summary = record.metrics.summary()
    assert summary["turns"] == 1 and summary["errors"] == 0  # the greeting is not a user turn
    assert summary["llm_ttft_ms"]["p50"] == 200.0
    history = record.session.get_context_history()
    assert [item["role"] for item in history] == ["assistant", "user", "assistant"]


def test_the_test_kit_docstring_example_runs():
    import vocalis.testing as kit

    code = kit.__doc__.split("Example::")[1].split("A realtime speech-to-speech")[0]
    namespace: dict = {}
    exec(compile("\n".join(line[4:] for line in code.splitlines()), "example", "exec"), namespace)
    assert isinstance(namespace["Weather"](), Agent)
