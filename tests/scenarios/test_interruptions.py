"""Scenarios: barge-in, false interruptions, backchannels, non-interruptible speech, forced
interruption, tools that survive a barge-in, and recording only what the user heard."""

from __future__ import annotations

import asyncio

from tests.scenarios.agents import Greeter

from vocalis import Agent, ChatRole, InterruptConfig, function_tool
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeSTT,
    FakeToolCall,
    ScriptedCall,
    UserScript,
    run_virtual,
)

LONG = (
    "Our restaurant opens at noon every day. We serve lunch until three. "
    "Dinner starts at six and the kitchen closes at ten. "
    "On weekends we also have a brunch menu with live music."
)


def _spoken_between(record, start: float, end: float) -> bool:
    return any(s < end and start < e for s, e in record.agent_speech())


def test_barge_in_stops_the_agent_and_records_only_what_was_heard():
    user = UserScript().says("When are you open", at=1.0).says("Actually book me a table now", at=4.0)
    llm = FakeLLM([FakeResponse(LONG), FakeResponse("Sure, for how many people?")])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=10.0))
    first = record.agent_speech()[0]
    # The agent stops within the interruption window + fade after the user starts at 4.0 s.
    assert 4.0 < first[1] < 4.0 + 0.5 + 0.45
    interrupted = [m for m in record.messages(ChatRole.ASSISTANT) if m.interrupted]
    assert len(interrupted) == 1
    heard = interrupted[0].text_content
    assert heard and LONG.startswith(heard) and len(heard) < len(LONG) / 2
    assert record.metrics.interruptions == 1
    assert record.assistant_texts()[-1] == "Sure, for how many people?"
    assert record.user_texts() == ["When are you open", "Actually book me a table now"]


def test_cough_pauses_then_resumes_without_losing_the_reply():
    user = UserScript().says("When are you open", at=1.0).coughs(at=3.5, duration=0.7)
    llm = FakeLLM([FakeResponse(LONG)])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=16.0))
    assert record.metrics.false_interruptions == 1
    assert record.metrics.interruptions == 0
    assert record.assistant_texts() == [LONG]
    assert not record.messages(ChatRole.ASSISTANT)[0].interrupted
    # Silent while paused, speaking again afterwards.
    assert not record.output.speaking_at(4.3)
    assert _spoken_between(record, 4.5, 12.0)
    assert record.user_texts() == ["When are you open"]


def test_after_a_cough_a_local_decoder_heard_nothing_in_the_agent_goes_on_at_once():
    """A local decoder pushes its final before its flush returns: once it has settled with no
    words, none are coming, so the held agent resumes then. A cloud stream's final may still be
    on its way, so there the agent keeps the false-interruption pause (2 s)."""
    resumed = {}
    for final_in_flush in (True, False):
        user = UserScript().says("When are you open", at=1.0).coughs(at=3.5, duration=0.7)
        stt = FakeSTT(user, final_in_flush=final_in_flush)
        llm = FakeLLM([FakeResponse(LONG)])
        record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, stt=stt)
                             .run(until=16.0))
        assert record.metrics.false_interruptions == 1
        assert record.assistant_texts() == [LONG]
        assert not record.output.speaking_at(4.1)
        resumed[final_in_flush] = record.agent_speech()[1][0]
    assert 4.2 < resumed[True] < 4.8  # the cough ended at 4.2
    assert resumed[False] > 6.0


def test_cough_with_resume_disabled_is_a_real_interruption():
    user = UserScript().says("When are you open", at=1.0).coughs(at=3.5, duration=0.7)
    llm = FakeLLM([FakeResponse(LONG)])
    config = InterruptConfig(resume_on_false_interrupt=False)
    call = ScriptedCall(Greeter(greeting=None), user, llm=llm, interrupt_config=config)
    record = run_virtual(call.run(until=10.0))
    assert record.metrics.interruptions == 1
    assert record.messages(ChatRole.ASSISTANT)[0].interrupted


def test_backchannel_does_not_interrupt_or_start_a_turn():
    user = UserScript().says("When are you open", at=1.0).says("mm-hmm", at=3.5, duration=0.8)
    llm = FakeLLM([FakeResponse(LONG)])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=16.0))
    assert record.metrics.backchannels == 1
    assert record.metrics.interruptions == 0
    assert record.user_texts() == ["When are you open"]
    assert record.assistant_texts() == [LONG]
    assert len(llm.requests) == 1


def test_short_noise_below_the_interruption_threshold_changes_nothing():
    user = UserScript().says("When are you open", at=1.0).coughs(at=3.5, duration=0.2)
    llm = FakeLLM([FakeResponse(LONG)])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=14.0))
    assert record.metrics.interruptions == 0
    assert record.metrics.false_interruptions == 0
    assert record.assistant_texts() == [LONG]


def test_non_interruptible_say_plays_to_the_end():
    class Announcer(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        async def on_enter(self):
            await self.session.say(LONG, interruptible=False)

    user = UserScript().says("Hello hello can you hear me", at=2.0)
    llm = FakeLLM(default="Yes I can.")
    record = run_virtual(ScriptedCall(Announcer(), user, llm=llm).run(until=14.0))
    assert record.metrics.interruptions == 0
    first = record.agent_speech()[0]
    assert first[1] - first[0] > 6.0
    assert record.assistant_texts()[0] == LONG
    assert not record.messages(ChatRole.ASSISTANT)[0].interrupted
    # The user's speech over a non-interruptible utterance is not turned into a turn.
    assert record.user_texts() == []


def test_interrupt_force_stops_non_interruptible_speech():
    class Announcer(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        async def on_enter(self):
            await self.session.say(LONG, interruptible=False)

    async def scenario():
        call = ScriptedCall(Announcer(), UserScript())
        run = asyncio.ensure_future(call.run(until=6.0))
        await asyncio.sleep(1.0)
        await call.session.interrupt()
        refused = call.pipeline.current_utterance is not None
        await call.session.interrupt(force=True)
        stopped = call.pipeline.current_utterance is None
        return refused, stopped, await run

    refused, stopped, record = run_virtual(scenario())
    assert refused and stopped
    assert record.agent_speech()[0][1] < 1.6
    message = record.messages(ChatRole.ASSISTANT)[0]
    assert message.interrupted and len(message.text_content) < len(LONG)


def test_tool_result_survives_barge_in_and_is_not_run_twice():
    calls: list[str] = []

    class Booker(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        @function_tool
        async def book_table(self, name: str) -> str:
            """Book."""
            calls.append(name)
            await asyncio.sleep(2.0)
            return f"Booked for {name}"

    user = UserScript().says("Book a table for Ana", at=1.0).says("Also what time is it", at=3.5)
    llm = FakeLLM([
        FakeResponse("One moment.", tool_calls=[FakeToolCall("book_table", {"name": "Ana"}, call_id="b1")]),
        FakeResponse("Your table is booked, and it is noon."),
    ])
    record = run_virtual(ScriptedCall(Booker(), user, llm=llm).run(until=12.0))
    assert calls == ["Ana"]
    outputs = [i for i in record.chat_context.items if i.type == "function_call_output"]
    assert [(o.call_id, o.output) for o in outputs] == [("b1", "Booked for Ana")]
    calls_recorded = [i for i in record.chat_context.items if i.type == "function_call"]
    assert len(calls_recorded) == 1
    # The next reply waited for the tool and saw its result.
    second = llm.requests[1]
    assert any(i.type == "function_call_output" for i in second.items)
    assert record.assistant_texts()[-1] == "Your table is booked, and it is noon."


def test_say_inside_a_tool_speaks_without_cutting_the_reply():
    class Holder(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        @function_tool
        async def slow_lookup(self) -> str:
            """Slow."""
            handle = await self.session.say("Please hold on while I check.")
            await handle
            await asyncio.sleep(0.5)
            return "found it"

    user = UserScript().says("Check my order", at=1.0)
    llm = FakeLLM([FakeResponse(tool_calls=[FakeToolCall("slow_lookup")]), FakeResponse("I found your order.")])
    record = run_virtual(ScriptedCall(Holder(), user, llm=llm).run(until=10.0))
    assert record.assistant_texts() == ["Please hold on while I check.", "I found your order."]
    assert record.metrics.interruptions == 0
    output = next(i for i in record.chat_context.items if i.type == "function_call_output")
    assert output.output == "found it"


def test_a_tool_awaiting_its_say_is_released_when_the_reply_is_interrupted():
    from vocalis.testing import FakeTTS

    finished: list[str] = []

    class Holder(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        @function_tool
        async def lookup(self) -> str:
            """Slow lookup that announces itself."""
            handle = await self.session.say("Please hold on.")
            await handle
            finished.append("interrupted" if handle.interrupted else "spoken")
            return "found"

    # The TTS synthesizes in real time, so "Please hold on." is still queued behind the long
    # first sentence when the user barges in.
    user = UserScript().says("Look it up", at=1.0).says("Never mind, thanks", at=4.0)
    llm = FakeLLM([
        FakeResponse(LONG, tool_calls=[FakeToolCall("lookup", call_id="l1")]),
        FakeResponse("Okay."),
    ])
    call = ScriptedCall(Holder(), user, llm=llm, tts=FakeTTS(speed=1.0))
    record = run_virtual(call.run(until=12.0))
    assert finished == ["interrupted"]
    outputs = [i for i in record.chat_context.items if i.type == "function_call_output"]
    assert [(o.call_id, o.output) for o in outputs] == [("l1", "found")]
    assert record.assistant_texts()[-1] == "Okay."


def test_a_backchannel_the_final_decode_drops_does_not_become_a_turn():
    """Whisper's quick interim spells a hum out ("uh huh") and its final decode hears nothing:
    the interim over the agent must not be promoted to a user turn once the wait for the final
    is over."""
    user = UserScript().says("When are you open", at=1.0).says(
        "uh huh", at=3.5, duration=0.8, final_text="")
    stt = FakeSTT(user)
    llm = FakeLLM([FakeResponse(LONG)])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, stt=stt)
                         .run(until=20.0))
    assert record.metrics.interruptions == 0
    assert record.user_texts() == ["When are you open"]
    assert record.assistant_texts() == [LONG]
    assert len(llm.requests) == 1


def test_an_agent_held_by_a_backchannel_the_final_drops_resumes_at_once():
    """The overlap lasted long enough to hold the agent; its only words were the interim "uh
    huh" and a local decoder's final heard nothing. Once its flush has returned, nothing more
    is coming: the agent goes on at once instead of after the false-interruption pause (2 s,
    plus as long again waiting for a final)."""
    user = UserScript().says("When are you open", at=1.0).says(
        "uh huh", at=3.5, duration=0.8, final_text="")
    stt = FakeSTT(user, interim_interval=0.3, final_in_flush=True)
    llm = FakeLLM([FakeResponse(LONG)])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, stt=stt)
                         .run(until=20.0))
    assert not record.output.speaking_at(4.2)  # held while the caller hums
    assert _spoken_between(record, 4.3, 5.0)  # and going on within a moment of its end
    assert record.metrics.interruptions == 0
    assert record.user_texts() == ["When are you open"]
    assert record.assistant_texts() == [LONG]


def test_a_cloud_final_that_turns_a_hum_into_words_still_stops_the_agent():
    """A cloud stream's final comes after its flush returns and may hold more than the interim
    did ("uh huh" → "uh huh wait stop"): the held agent waits for it and then stops."""
    user = UserScript().says("When are you open", at=1.0).says(
        "uh huh", at=3.5, duration=0.8, final_text="uh huh wait stop")
    stt = FakeSTT(user, interim_interval=0.3, final_delay=0.3)
    llm = FakeLLM([FakeResponse(LONG), FakeResponse("Sure, what is it?")])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm, stt=stt)
                         .run(until=12.0))
    assert record.metrics.interruptions == 1
    assert record.metrics.false_interruptions == 0
    assert not _spoken_between(record, 4.2, 4.8)  # held until the final, never resumed


def test_words_over_the_agent_count_once_their_overlap_stops_it():
    """The only interim came before the overlap was long enough to interrupt, and the final
    decode heard nothing: once the overlap's duration stops the agent, those words are the
    user's turn, not lost."""
    user = UserScript().says("When are you open", at=1.0).says(
        "book a table", at=4.0, duration=0.8, final_text="")
    stt = FakeSTT(user, interim_interval=0.4)
    llm = FakeLLM([FakeResponse(LONG), FakeResponse("For how many?")])
    config = InterruptConfig(resume_on_false_interrupt=False)
    call = ScriptedCall(Greeter(greeting=None), user, llm=llm, stt=stt, interrupt_config=config)
    record = run_virtual(call.run(until=12.0))
    assert record.metrics.interruptions == 1
    texts = record.user_texts()
    assert len(texts) == 2 and "book a table".startswith(texts[1]), texts
