"""A customer support agent for a smart thermostat, on local speech models.

It answers from the product manual (a local knowledge base), looks up orders and opens
tickets through an MCP server (``support_desk/orders_server.py``, started over stdio), and
hands billing questions to a billing specialist agent (agent-to-agent delegation), whose
answer it speaks. Everything runs on this machine except the language model, which is any
OpenAI-compatible server (see ``examples/assistant.py`` for the settings)::

    pip install 'vocalis[local,openai,webrtc,mcp,a2a,knowledge]'
    vocalis serve examples/support_desk.py           # then open http://127.0.0.1:8080/

The manual (``support_desk/manual``) is ingested into ``~/.vocalis/support-desk-kb`` when the
first call starts (``SUPPORT_DESK_KB`` moves it); only changed files are embedded again. The
same store can be built by hand: ``vocalis kb ingest examples/support_desk/manual --into kb/``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import uuid
from pathlib import Path

from assistant import (
    NO_LLM_MESSAGE,
    NO_LLM_NOTICE,
    UnconfiguredLLM,
    build_pipeline,
    choose_llm,
    llm_configured,
)

from vocalis import Agent, AgentCard, AgentSession, KnowledgeBase, MCPServerStdio, function_tool
from vocalis.a2a import A2AError
from vocalis.job import JobContext, WorkerJob
from vocalis.knowledge_base import ingest
from vocalis.llm.tools import ToolError

logger = logging.getLogger("vocalis.examples.support_desk")

HERE = Path(__file__).resolve().parent / "support_desk"
MANUAL = HERE / "manual"
ORDERS_SERVER = HERE / "orders_server.py"
ORDERS = json.loads((HERE / "orders.json").read_text())

INSTRUCTIONS = (
    "You are the phone support agent of Northwind Home for the Aurora T3 smart thermostat. "
    "Answer product questions from the manual passages you are given; if they do not cover "
    "the question, say so rather than guess. Use order_status for orders and open_ticket when "
    "a technician must call back. Billing questions (charges, invoices, refunds, payments) go "
    "to ask_billing_specialist; tell the caller what the specialist said. Keep answers to two "
    "short spoken sentences."
)

SPECIALIST_INSTRUCTIONS = (
    "You are Northwind Home's billing specialist. A colleague on a phone call asks you a "
    "billing question; answer in at most two sentences they can read to the customer. Check "
    "orders with refund_eligibility. Refunds are possible within 30 days of delivery; a "
    "double charge is a card hold that disappears within 3 working days."
)


def knowledge_base_dir() -> Path:
    return Path(os.environ.get("SUPPORT_DESK_KB", "~/.vocalis/support-desk-kb")).expanduser()


_kb_ready: asyncio.Lock | None = None


async def prepare_knowledge_base(folder: Path | None = None) -> KnowledgeBase:
    """Bring the store up to date with the manual (once per process), then open it."""
    global _kb_ready
    folder = folder or knowledge_base_dir()
    if _kb_ready is None:
        _kb_ready = asyncio.Lock()
    async with _kb_ready:
        report = await asyncio.to_thread(ingest, MANUAL, folder)
        logger.info("manual knowledge base %s: %s", folder, report.summary())
    return KnowledgeBase.local(folder, top_k=3)


class BillingSpecialist(Agent):
    """A text-only agent the support desk delegates billing questions to."""

    def __init__(self) -> None:
        super().__init__(instructions=SPECIALIST_INSTRUCTIONS, name="billing_specialist")

    @function_tool
    async def refund_eligibility(self, order_number: str) -> str:
        """Whether an order can still be refunded, and how many times it was charged."""
        order = ORDERS.get(order_number.strip().lstrip("#"))
        if order is None:
            raise ToolError(f"No order {order_number}.")
        days = order["delivered_days_ago"]
        window = "not delivered yet, so it can be cancelled" if days is None else (
            f"delivered {days} days ago, so it "
            + ("can still be refunded" if days <= 30 else "is past the 30-day refund window")
        )
        return f"Order {order_number}: {window}; charged {order['charges']} time(s) for ${order['paid']:.2f}."


def billing_card() -> AgentCard:
    """A card with a fresh id: each call has its own specialist (histories never mix)."""
    return AgentCard(
        id=f"billing-{uuid.uuid4().hex[:8]}", name="Billing specialist", domain="billing",
        capabilities=["charges", "refunds", "invoices"],
        description="Answers billing questions about Northwind Home orders.",
    )


class SupportDesk(Agent):
    """The voice agent: manual (knowledge base), orders (MCP) and billing (delegation)."""

    def __init__(self, knowledge_base: KnowledgeBase | None, specialist_id: str, *,
                 llm_configured: bool = True, tickets_file: Path | None = None) -> None:
        env = {"SUPPORT_DESK_TICKETS": str(tickets_file)} if tickets_file else None
        super().__init__(
            instructions=INSTRUCTIONS,
            use_base_instructions=True,
            knowledge_base=knowledge_base,
            mcp_servers=[MCPServerStdio(sys.executable, [str(ORDERS_SERVER)],
                                        environment_vars=env, name="orders")],
        )
        self.specialist_id = specialist_id
        self.llm_configured = llm_configured

    async def on_enter(self) -> None:
        assert self.session is not None
        if not self.llm_configured:
            self.session.emit("notice", NO_LLM_NOTICE)
            await self.session.say(NO_LLM_MESSAGE, add_to_chat_context=False)
            return
        await self.session.say("Northwind Home support, how can I help with your thermostat?")

    @function_tool
    async def ask_billing_specialist(self, question: str) -> str:
        """Ask the billing specialist about charges, invoices, refunds or payments; include
        the order number if the caller gave one."""
        try:
            return await self.a2a.ask(question, to_agent=self.specialist_id, timeout=20.0)
        except A2AError as exc:
            raise ToolError(f"The billing specialist could not answer: {exc}") from None


def notices() -> list[dict[str, str]]:
    """What the page shows before any call (``vocalis serve`` publishes it at /notices)."""
    return [] if llm_configured() else [NO_LLM_NOTICE]


async def entrypoint(ctx: JobContext) -> None:
    """One call: the support agent, its specialist, and the local voice pipeline."""
    llm = choose_llm()
    knowledge_base = await prepare_knowledge_base()
    specialist = BillingSpecialist()
    card = billing_card()
    await specialist.register_a2a(card, llm=choose_llm() or UnconfiguredLLM())
    agent = SupportDesk(knowledge_base, card.id, llm_configured=llm is not None)
    session = AgentSession(agent=agent, pipeline=build_pipeline(llm or UnconfiguredLLM()))
    try:
        await session.start(wait_for_participant=True, run_until_shutdown=True)
    finally:
        await specialist.unregister_a2a()
        await knowledge_base.aclose()


if __name__ == "__main__":
    WorkerJob(entrypoint=entrypoint).start()
