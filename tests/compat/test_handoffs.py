"""Handoffs written for the reference: the tool's ``add_handoff(reason=...)`` is the one the
new agent reads, and the old agent's ``on_exit`` is not run by the handoff (the reference runs
``on_exit`` only when the session ends, on the agent of the moment)."""

from tests.compat.agents.handoff_agent import BillingAgent, IntakeAgent
from videosdk.agents import AgentHandoff, AgentSession, Pipeline

from vocalis.testing import FakeLLM, FakeResponse, FakeToolCall, FakeTTS, run_virtual


def _handoff():
    async def scenario():
        llm = FakeLLM([
            FakeResponse(tool_calls=[FakeToolCall("transfer_to_billing", {"reason": "a disputed charge"})]),
            FakeResponse("Let me look at that charge."),
        ])
        intake = IntakeAgent()
        session = AgentSession(agent=intake, pipeline=Pipeline(llm=llm, tts=FakeTTS()))
        await session.start()
        result = await session.run(user_input="I was charged twice")
        exited_at_handoff = intake.exited
        await session.close()
        return session, intake, result, exited_at_handoff

    return run_virtual(scenario())


def test_the_new_agent_reads_the_reason_the_tool_recorded():
    session, _, result, _ = _handoff()
    billing = session.agent
    assert isinstance(billing, BillingAgent)
    handoffs = [i for i in billing.chat_context.items if isinstance(i, AgentHandoff)]
    assert [(h.from_agent, h.to_agent, h.reason) for h in handoffs] == [
        ("intake", "billing", "a disputed charge")
    ]
    greeting = "I'm the billing specialist, I see you're here about a disputed charge."
    assert greeting in [m.text_content for m in billing.chat_context.messages()]
    assert [e.type for e in result.events].count("agent_handoff") == 1


def test_the_old_agent_does_not_exit_at_the_handoff():
    _, _, result, exited_at_handoff = _handoff()
    assert exited_at_handoff is False
    texts = [m.text_content for m in result.messages]
    assert "Thanks for calling support!" not in texts
    outputs = [e.item for e in result.events if e.type == "function_call_output"]
    assert outputs[0].output == "Transferred to BillingAgent"
