"""Scenarios: greeting, several turns, tool calls (single, parallel, failing), text mode."""

from __future__ import annotations

from tests.scenarios.agents import Greeter

from vocalis import ChatRole, function_tool
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeToolCall,
    ScriptedCall,
    UserScript,
    run_virtual,
)


def test_greeting_in_on_enter_is_spoken_and_recorded():
    record = run_virtual(ScriptedCall(Greeter(), UserScript()).run(until=4.0))
    assert record.assistant_texts() == ["Hello! How can I help?"]
    speech = record.agent_speech()
    assert speech and speech[0][0] < 0.1
    states = [s for _, s in record.states()]
    assert states[:2] == ["starting", "speaking"]
    assert states[-2:] == ["idle", "closing"]


def test_several_turns_answered_in_order_with_measured_latency():
    user = (
        UserScript()
        .says("Hi there", at=3.0)
        .says("What can you do for me", at=7.0)
        .says("Thanks a lot", at=12.0)
    )
    llm = FakeLLM([
        FakeResponse("Hello to you too.", ttft=0.1),
        FakeResponse("I can tell the weather and book tables.", ttft=0.1),
        FakeResponse("You are welcome.", ttft=0.1),
    ])
    record = run_virtual(ScriptedCall(Greeter(), user, llm=llm).run(until=16.0))
    assert record.user_texts() == ["Hi there", "What can you do for me", "Thanks a lot"]
    assert record.assistant_texts() == [
        "Hello! How can I help?",
        "Hello to you too.",
        "I can tell the weather and book tables.",
        "You are welcome.",
    ]
    turns = [t for t in record.metrics.turns if t.user_text]
    assert len(turns) == 3
    for turn in turns:
        # 0.3 s end-of-utterance wait + 0.1 s LLM: the rest is the framework and fakes.
        assert 400 <= turn.e2e_latency_ms < 600
        assert turn.llm_ttft_ms == 100.0
        assert turn.eou_delay_ms is not None and turn.eou_delay_ms >= 300
    # The agent never talks over the user.
    for start, end in record.agent_speech():
        for u in user.utterances:
            assert not (start < u.end and u.start < end)


def test_tool_call_result_is_recorded_and_spoken():
    agent = Greeter(greeting=None)
    user = UserScript().says("What's the weather in Paris", at=1.0)
    llm = FakeLLM([
        FakeResponse("Let me check.", tool_calls=[FakeToolCall("get_weather", {"city": "Paris"})]),
        FakeResponse("It is sunny and 21 degrees in Paris.", ttft=0.1),
    ])
    record = run_virtual(ScriptedCall(agent, user, llm=llm).run(until=8.0))
    types = [item.type for item in record.chat_context.items]
    assert types == [
        "message", "message", "message", "function_call", "function_call_output", "message",
    ]
    output = record.chat_context.items[4]
    assert output.output == "Sunny and 21 degrees in Paris" and not output.is_error
    assert record.assistant_texts() == ["Let me check.", "It is sunny and 21 degrees in Paris."]
    assert [t.name for t in record.metrics.turns[-1].tools] == ["get_weather"]
    # The second LLM request saw the tool result.
    second = llm.requests[1]
    assert any(i.type == "function_call_output" for i in second.items)


def test_parallel_tool_calls_run_concurrently_and_are_all_recorded():
    agent = Greeter(greeting=None)
    user = UserScript().says("Weather in Paris and Rome please", at=1.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[
            FakeToolCall("get_weather", {"city": "Paris"}, call_id="c1"),
            FakeToolCall("get_weather", {"city": "Rome"}, call_id="c2"),
        ]),
        FakeResponse("Both are sunny.", ttft=0.1),
    ])
    record = run_virtual(ScriptedCall(agent, user, llm=llm).run(until=8.0))
    outputs = {i.call_id: i.output for i in record.chat_context.items if i.type == "function_call_output"}
    assert outputs == {"c1": "Sunny and 21 degrees in Paris", "c2": "Sunny and 21 degrees in Rome"}
    assert record.assistant_texts()[-1] == "Both are sunny."


def test_parallel_tools_overlap_in_time():
    import asyncio

    from vocalis import Agent

    class Slow(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        @function_tool
        async def lookup(self, key: str) -> str:
            """Slow lookup."""
            await asyncio.sleep(1.0)
            return key.upper()

    user = UserScript().says("look up a and b", at=1.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("lookup", {"key": "a"}), FakeToolCall("lookup", {"key": "b"})]),
        FakeResponse("Done."),
    ])
    record = run_virtual(ScriptedCall(Slow(), user, llm=llm).run(until=8.0))
    turn = record.metrics.turns[-1]
    assert [round(t.duration_ms) for t in turn.tools] == [1000, 1000]
    # Two 1 s tools in parallel: the answer starts about 1 s after the turn, not 2 s.
    assert turn.e2e_latency_ms < 1700


def test_failing_tool_and_bad_arguments_become_error_results_and_the_call_goes_on():
    from vocalis import Agent

    class Fragile(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        @function_tool
        async def explode(self) -> str:
            """Always fails."""
            raise RuntimeError("database unavailable")

        @function_tool
        async def add(self, a: int, b: int) -> int:
            """Add."""
            return a + b

    user = UserScript().says("do the risky thing", at=1.0).says("and now add", at=6.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("explode"), FakeToolCall("add", {"a": "x"})]),
        FakeResponse("Sorry, that failed."),
        FakeResponse(tool_calls=[FakeToolCall("add", {"a": 2, "b": 3})]),
        FakeResponse("It is 5."),
    ])
    record = run_virtual(ScriptedCall(Fragile(), user, llm=llm).run(until=11.0))
    outputs = [i for i in record.chat_context.items if i.type == "function_call_output"]
    assert outputs[0].is_error and "database unavailable" in outputs[0].output
    assert outputs[1].is_error and "Invalid arguments for tool 'add'" in outputs[1].output
    assert outputs[2].output == "5" and not outputs[2].is_error
    assert record.assistant_texts() == ["Sorry, that failed.", "It is 5."]


def test_unknown_tool_gets_an_error_result():
    user = UserScript().says("do something odd", at=1.0)
    llm = FakeLLM([FakeResponse(tool_calls=[FakeToolCall("teleport")]), FakeResponse("I can't.")])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=6.0))
    output = next(i for i in record.chat_context.items if i.type == "function_call_output")
    assert output.is_error and "Unknown tool 'teleport'" in output.output


def test_tool_loop_is_bounded():
    user = UserScript().says("loop forever", at=1.0)
    loop_call = FakeResponse(tool_calls=[FakeToolCall("get_weather", {"city": "X"})])
    llm = FakeLLM(respond=lambda ctx: loop_call if llm.tools_seen[-1] else FakeResponse("Giving up."))
    record = run_virtual(
        ScriptedCall(Greeter(greeting=None), user, llm=llm, max_tool_steps=3).run(until=8.0)
    )
    assert len(llm.requests) == 4
    assert llm.tools_seen[-1] == []
    assert record.assistant_texts() == ["Giving up."]


def test_text_mode_run_returns_ordered_events():
    from vocalis import AgentSession, Pipeline

    async def scenario():
        agent = Greeter(greeting=None)
        llm = FakeLLM([
            FakeResponse(tool_calls=[FakeToolCall("book_table", {"name": "Ana", "people": 2})]),
            FakeResponse("Your table for two is booked."),
        ])
        session = AgentSession(agent, Pipeline(llm=llm))
        await session.start()
        result = await session.run(user_input="Book a table for Ana, two people")
        await session.close()
        return agent, result

    agent, result = run_virtual(scenario())
    assert [e.type for e in result.events] == ["function_call", "function_call_output", "message"]
    assert result.events[0].item.name == "book_table"
    assert result.events[1].item.output == "Booked a table for 2 under Ana"
    assert result.final_output == "Your table for two is booked."
    assert agent.bookings == ["Ana:2"]
    assert agent.chat_context.messages()[-1].role is ChatRole.ASSISTANT


def test_say_with_prerendered_audio_skips_the_tts():
    import asyncio

    from vocalis import Agent
    from vocalis.testing import FakeTTS
    from vocalis.tts import TTSAudioCache

    class Prompt(Agent):
        def __init__(self, cache):
            super().__init__(instructions="x")
            self.cache = cache

        async def on_enter(self):
            await asyncio.sleep(0.5)
            audio = await self.cache.fetch("One moment please.")
            await self.session.say("One moment please.", audio_data=audio)

    renderer = FakeTTS(sample_rate=24000)
    cache = TTSAudioCache(renderer)
    live_tts = FakeTTS()
    record = run_virtual(
        ScriptedCall(Prompt(cache), UserScript(), tts=live_tts).run(until=4.0)
    )
    assert live_tts.texts == [] and renderer.texts == ["One moment please."]
    assert record.assistant_texts() == ["One moment please."]
    start, end = record.agent_speech()[0]
    assert 0.4 < start < 0.7 and end - start > 1.0  # 18 chars x 0.06 s of rendered audio
