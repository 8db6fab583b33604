"""Function tools and tool chaining written for the reference: schemas, calls, say() inside a
tool, chained calls, and the tool-call cap of ``ContextWindow(max_tool_calls_per_turn=...)``."""

from tests.compat.agents.chaining_agent import OrderAgent
from tests.compat.agents.tools_agent import AssistantAgent
from videosdk.agents import AgentSession, ContextWindow, Pipeline, build_openai_schema

from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeToolCall,
    FakeTTS,
    ScriptedCall,
    UserScript,
    run_virtual,
)


def test_tools_are_discovered_with_their_schemas():
    agent = AssistantAgent()
    assert sorted(agent.tools.names) == ["add_numbers", "get_time", "get_weather"]
    schema = build_openai_schema(agent.tools.get("get_weather"))
    assert schema["type"] == "function" and schema["name"] == "get_weather"
    assert set(schema["parameters"]["properties"]) == {"latitude", "longitude"}


def test_a_tool_that_says_one_moment_does_not_cut_the_reply_in_text_mode():
    async def scenario():
        llm = FakeLLM([
            FakeResponse(tool_calls=[FakeToolCall("get_weather", {"latitude": "48.8", "longitude": "2.3"})]),
            FakeResponse("It is 21 degrees."),
        ])
        session = AgentSession(agent=AssistantAgent(), pipeline=Pipeline(llm=llm, tts=FakeTTS()))
        await session.start()
        result = await session.run(user_input="What's the weather in Paris?")
        await session.close()
        return result

    result = run_virtual(scenario())
    assert [e.type for e in result.events] == [
        "message", "function_call", "function_call_output", "message",
    ]
    assert result.messages[0].text_content == "Let me check the weather for you."
    assert result.final_output == "It is 21 degrees."


def test_a_tool_that_says_one_moment_is_spoken_inside_the_reply_in_a_call():
    user = UserScript().says("What's the weather in Paris?", at=3.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("get_weather", {"latitude": "1", "longitude": "2"})]),
        FakeResponse("It is 21 degrees."),
    ])
    tts = FakeTTS()
    record = run_virtual(ScriptedCall(AssistantAgent(), user, llm=llm, tts=tts).run(until=12.0))
    assert "Let me check the weather for you." in tts.texts
    assert record.assistant_texts()[-1] == "It is 21 degrees."
    assert tts.texts.index("Let me check the weather for you.") < tts.texts.index("It is 21 degrees.")


def test_tools_chain_and_the_context_window_caps_calls_per_turn():
    def chain(limit):
        async def scenario():
            llm = FakeLLM([
                FakeResponse(tool_calls=[FakeToolCall("lookup_order", {"order_id": "A17"})]),
                FakeResponse(tool_calls=[FakeToolCall(
                    "track_package", {"carrier": "UPS", "tracking": "1Z999"})]),
                FakeResponse("Your order arrives tomorrow."),
            ])
            agent = OrderAgent()
            pipeline = Pipeline(llm=llm, context_window=ContextWindow(max_tool_calls_per_turn=limit))
            session = AgentSession(agent=agent, pipeline=pipeline)
            await session.start()
            result = await session.run(user_input="Where is order A17?")
            await session.close()
            return agent, result

        return run_virtual(scenario())

    agent, result = chain(10)
    assert agent.calls == ["lookup_order", "track_package"]
    assert result.final_output == "Your order arrives tomorrow."
    capped, _ = chain(1)
    assert capped.calls == ["lookup_order"]
