"""EOU and interruption configs written for the reference; ``interrupt()`` as a plain call."""

import asyncio

from tests.compat.agents.configs_agent import GREETING, VoiceAgent, eou_config, interrupt_config
from videosdk.agents import AgentSession, InterruptConfig, Pipeline

from vocalis.testing import FakeLLM, FakeTTS, ScriptedCall, UserScript, run_virtual


def test_a_non_interruptible_greeting_is_heard_whole_over_the_user():
    user = UserScript().says("hello are you there", at=1.0)
    call = ScriptedCall(VoiceAgent(), user, llm=FakeLLM(default="Yes, I am."),
                        eou_config=eou_config(), interrupt_config=interrupt_config())
    record = run_virtual(call.run(until=14.0))
    assert record.assistant_texts()[0] == GREETING
    assert not record.messages()[1].interrupted
    assert not [e for _, n, e in record.events if n == "interrupted"]


def test_resume_on_false_interrupt_is_on_by_default_and_one_argument_turns_it_off():
    assert InterruptConfig().resume_on_false_interrupt is True
    assert InterruptConfig(resume_on_false_interrupt=False).resume_on_false_interrupt is False


def test_session_and_pipeline_interrupt_are_plain_calls_returning_awaitables():
    async def scenario():
        tts = FakeTTS(speed=1.0)
        session = AgentSession(agent=VoiceAgent(), pipeline=Pipeline(llm=FakeLLM(), tts=tts))
        await session.start()
        handle = await session.say("A long sentence that takes a while to play out entirely.")
        await asyncio.sleep(0.3)
        result = session.interrupt()  # the reference's call: no await
        assert not asyncio.iscoroutine(result)
        stopped = await result
        again = session.pipeline.interrupt()
        assert not asyncio.iscoroutine(again)
        await again
        await session.close()
        return handle, stopped

    handle, stopped = run_virtual(scenario())
    assert stopped is True and handle.interrupted and handle.done()
