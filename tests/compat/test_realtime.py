"""A realtime agent written for the reference: voice turns, tools, and text-mode runs."""

from tests.compat.agents.realtime_agent import RealtimeAgent, make_pipeline
from videosdk.agents import AgentSession

from vocalis.testing import (
    FakeRealtimeModel,
    FakeResponse,
    FakeToolCall,
    ScriptedCall,
    UserScript,
    run_virtual,
)


def test_a_voice_turn_calls_the_tool_and_records_both_sides():
    user = UserScript().says("What's my horoscope? I'm a Leo.", at=1.0)
    model = FakeRealtimeModel(user, [
        FakeResponse(tool_calls=[FakeToolCall("get_horoscope", {"sign": "Leo"})]),
        FakeResponse("A good day for voice agents, Leo."),
    ])
    record = run_virtual(ScriptedCall(RealtimeAgent(), user, llm=model).run(until=8.0))
    assert record.user_texts() == ["What's my horoscope? I'm a Leo."]
    assert record.assistant_texts() == ["A good day for voice agents, Leo."]
    kinds = [i.type for i in record.chat_context.items]
    assert "function_call" in kinds and "function_call_output" in kinds


def test_text_mode_run_returns_the_realtime_models_answer():
    async def scenario():
        model = FakeRealtimeModel(UserScript(), ["Hello from the model.", "Second answer."])
        session = AgentSession(agent=RealtimeAgent(), pipeline=make_pipeline(model))
        await session.start()
        first = await session.run(user_input="hi")
        second = await session.run(user_input="and again")
        await session.close()
        return first, second, model

    first, second, model = run_virtual(scenario())
    assert first.final_output == "Hello from the model."
    assert second.final_output == "Second answer."
    assert model.requests == ["hi", "and again"]
