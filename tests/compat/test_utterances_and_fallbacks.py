"""Utterance handles and provider fallback written for the reference."""

from tests.compat.agents.fallback_agent import SupportAgent, fallback_components
from tests.compat.agents.utterance_agent import VoiceAgent

from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeSTT,
    FakeToolCall,
    FakeTTS,
    ScriptedCall,
    UserScript,
    run_virtual,
)


def test_a_tool_sees_its_replys_handle_and_stops_when_the_user_interrupts():
    user = (UserScript().says("start the long task please", at=3.0)
            .says("stop that right now please", at=7.5))
    llm = FakeLLM([
        FakeResponse("Starting it now, this will take a little while.",
                     tool_calls=[FakeToolCall("long_running_task")]),
        FakeResponse("Okay, stopped."),
    ])
    agent = VoiceAgent()
    record = run_virtual(ScriptedCall(agent, user, llm=llm, tts=FakeTTS(speed=1.0)).run(until=16.0))
    handle = agent.seen_handle
    assert handle is not None and handle.interrupted  # the reply the tool ran in was cut off
    assert len(agent.progress) < 10
    outputs = [i.output for i in record.chat_context.items if i.type == "function_call_output"]
    assert outputs == ["The task was cancelled because you interrupted me."]


def test_session_current_utterance_is_the_latest_replys_handle():
    user = UserScript().says("hello there", at=3.0)
    call = ScriptedCall(VoiceAgent(), user, llm=FakeLLM(default="Hi!"))
    greeting_handle = []
    call.session.on("agent_state_changed", lambda p: greeting_handle.append(
        call.session.current_utterance) if p["state"] == "speaking" else None)
    record = run_virtual(call.run(until=8.0))
    first, second = greeting_handle[0], greeting_handle[-1]
    assert first is not second and second.done()
    assert record.session.current_utterance is second


def test_fallback_providers_take_over_when_the_first_fails():
    user = UserScript().says("is anyone there", at=1.0)
    stt, llm, tts = fallback_components(
        [FakeSTT(user, fail_after=0.0), FakeSTT(user)],
        [FakeLLM([FakeResponse(error="503 from provider")]), FakeLLM(default="Yes, I'm here.")],
        [FakeTTS(fail=True), FakeTTS()],
    )
    record = run_virtual(ScriptedCall(SupportAgent(), user, stt=stt, llm=llm, tts=tts).run(until=8.0))
    assert record.user_texts() == ["is anyone there"]
    assert record.assistant_texts() == ["Yes, I'm here."]
    assert tts.providers[1].texts == ["Yes, I'm here."]
