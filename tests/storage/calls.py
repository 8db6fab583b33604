"""Scripted calls recorded into rows: a greeting, a booking with a tool call (carrying personal
data to redact), an answer the user cuts off, and an LLM that fails."""

from __future__ import annotations

import asyncio
from typing import Any

from vocalis import Agent, function_tool
from vocalis.session.call_info import CallInfo
from vocalis.storage import CallRecorder, Redactor, Write
from vocalis.testing import FakeLLM, FakeResponse, FakeToolCall, ScriptedCall, UserScript
from vocalis.utils import run_virtual

LONG = ("Our restaurant opens at noon every day. We serve lunch until three. Dinner starts at "
        "six and the kitchen closes at ten.")


class Booking(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You book tables.")

    async def on_enter(self) -> None:
        await self.session.say("Hello, Luigi's.")

    @function_tool
    async def book_table(self, name: str, people: int, email: str) -> str:
        """Book a table.

        Args:
            name: who the booking is for
            people: how many people
            email: where to send the confirmation
        """
        await asyncio.sleep(0.2)
        return f"Booked for {people} under {name}; confirmation sent to {email}."


def record_call(*, redact: Redactor | None = None, agent: str = "Booking",
                transport: str = "websocket") -> tuple[CallInfo, list[Write], Any]:
    """Run the scripted call on a virtual clock; returns its info, its rows and the record."""
    user = (UserScript()
            .says("A table for two, name Ana, mail ana@example.com", at=2.0)
            .says("When are you open", at=7.0)
            .says("Actually never mind", at=10.0)
            .says("Are you still there", at=13.0))
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall(
            "book_table", {"name": "Ana", "people": 2, "email": "ana@example.com"})], ttft=0.2),
        FakeResponse("Booked for two, Ana.", ttft=0.3),
        FakeResponse(LONG, ttft=0.3),
        FakeResponse("Alright.", ttft=0.1),
        FakeResponse(error=RuntimeError("upstream LLM is down")),
    ])
    writes: list[Write] = []

    async def main() -> tuple[CallInfo, Any]:
        call = ScriptedCall(Booking(), user, llm=llm)
        call.session.agent.name = agent
        info = CallInfo.for_session(call.session, transport=transport, room_id="room-7",
                                    participant="user_1", info={"metadata": {"remote": "::1"}})
        CallRecorder(info, writes.append, redact=redact,
                     end_reason=lambda: "participant_left").attach(call.session.bus)
        record = await call.run(until=16.0)
        return info, record

    info, record = run_virtual(main())
    return info, writes, record
