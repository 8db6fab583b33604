"""Delegation between agents in one process: a voice agent asks a text-only specialist and
speaks its answer; the reference's messaging API; failures."""

from __future__ import annotations

import pytest

from vocalis import Agent, function_tool
from vocalis.a2a import A2AError, A2AMessage, AgentCard, AgentRegistry
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeToolCall,
    ScriptedCall,
    UserScript,
    run_virtual,
)

BILLING = AgentCard(id="billing-1", name="Billing specialist", domain="billing",
                    capabilities=["invoices", "refunds"], description="Answers billing questions.")


class Billing(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You answer billing questions in one sentence.")


class FrontDesk(Agent):
    def __init__(self, registry: AgentRegistry) -> None:
        super().__init__(instructions="You answer calls; billing questions go to billing.")
        self.a2a.registry = registry

    @function_tool
    async def ask_billing(self, question: str) -> str:
        """Ask the billing specialist."""
        return await self.a2a.ask(question, domain="billing", timeout=5.0)


def specialist_llm() -> FakeLLM:
    def respond(ctx) -> str:
        question = ctx.messages()[-1].text_content
        return f"About '{question}': the second charge is a hold and drops off in 3 days."
    return FakeLLM(respond=respond)


def test_a_voice_agent_delegates_and_speaks_the_specialists_answer():
    registry = AgentRegistry()
    specialist = Billing()
    specialist.a2a.registry = registry
    user = UserScript().says("Why was I charged twice?", at=1.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("ask_billing", {"question": "charged twice"})]),
        FakeResponse("Billing says the second charge is only a hold; it drops off in 3 days."),
    ])

    async def scenario():
        await specialist.register_a2a(BILLING, llm=specialist_llm())
        assert registry.find_agents_by_domain("billing") == ["billing-1"]
        record = await ScriptedCall(FrontDesk(registry), user, llm=llm).run(until=8.0)
        await specialist.unregister_a2a()
        return record

    record = run_virtual(scenario())
    output = next(i for i in record.chat_context.items if i.type == "function_call_output")
    assert output.output == (
        "About 'charged twice': the second charge is a hold and drops off in 3 days."
    )
    assert record.assistant_texts()[-1].startswith("Billing says the second charge")
    assert record.agent_speech()  # the answer was spoken
    # The specialist kept its own history of the delegated question.
    assert [m.text_content for m in specialist.chat_context.messages()][-2:] == [
        "charged twice", output.output,
    ]
    assert registry.get_all_agents() == {}


def test_the_reference_messaging_api():
    registry = AgentRegistry()
    customer, specialist = Agent(instructions="c"), Agent(instructions="s")
    customer.a2a.registry = specialist.a2a.registry = registry
    received: list[A2AMessage] = []

    async def scenario():
        import asyncio

        await customer.register_a2a(AgentCard("", "Customer", "customer_service", [], "front"))
        await specialist.register_a2a(AgentCard("loan-1", "Loans", "loan", ["loans"], "loans"))
        assert customer.a2a.card.id  # an id was generated

        async def on_query(message: A2AMessage) -> None:
            await specialist.a2a.send_message(
                message.from_agent, "model_response",
                {"response": f"Rates for {message.content['query']} start at 4%."},
            )

        done = asyncio.Event()

        async def on_response(message: A2AMessage) -> None:
            received.append(message)
            done.set()

        specialist.a2a.on_message("specialist_query", on_query)
        customer.a2a.on_message("model_response", on_response)
        (target,) = registry.find_agents_by_capability("loans")
        sent = await customer.a2a.send_message(target, "specialist_query", {"query": "a car loan"})
        await asyncio.wait_for(done.wait(), 1.0)
        await customer.unregister_a2a()
        await specialist.unregister_a2a()
        return sent

    sent = run_virtual(scenario())
    assert (sent.from_agent, sent.to_agent, sent.type) == (
        received[0].to_agent, "loan-1", "specialist_query"
    )
    assert received[0].content == {"response": "Rates for a car loan start at 4%."}


def test_delegation_failures_are_clear_errors():
    registry = AgentRegistry()
    caller, mute, slow = Agent(instructions="c"), Agent(instructions="m"), Agent(instructions="s")
    for agent in (caller, mute, slow):
        agent.a2a.registry = registry

    async def scenario():
        await mute.register_a2a(AgentCard("mute", "Mute", "mute", [], "no llm"))
        await slow.register_a2a(AgentCard("slow", "Slow", "slow", [], "slow"),
                                llm=FakeLLM(default=FakeResponse("late", ttft=60.0)))
        errors = []
        for kwargs in ({"domain": "weather"}, {"to_agent": "nobody"}, {"domain": "mute"},
                       {"domain": "slow", "timeout": 2.0}):
            with pytest.raises(A2AError) as info:
                await caller.a2a.ask("hello?", **kwargs)
            errors.append(str(info.value))
        await mute.unregister_a2a()
        await slow.unregister_a2a()
        return errors

    assert run_virtual(scenario()) == [
        "no agent for the domain 'weather' is registered",
        "no agent with id 'nobody' is registered",
        "mute could not answer: mute does not answer queries (register it with llm=...)",
        "slow did not answer within 2 s",
    ]
