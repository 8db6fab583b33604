"""Handoffs: the reference's sequential handoff (a tool records ``add_handoff(reason=...)`` and
returns the next agent, which reads the reason) and its multi-agent switch, whose agents say
goodbye in ``on_exit``."""

from videosdk.agents import Agent, AgentHandoff, ChatRole, function_tool


class IntakeAgent(Agent):
    def __init__(self) -> None:
        super().__init__(
            instructions="You are the intake agent. Call transfer_to_billing for charges.",
            agent_id="intake",
        )
        self.exited = False

    async def on_enter(self) -> None:
        await self.session.say("Hi, you've reached support. How can I help?")

    async def on_exit(self) -> None:
        self.exited = True
        await self.session.say("Thanks for calling support!")

    @function_tool
    async def transfer_to_billing(self, reason: str) -> Agent:
        """Transfer the caller to the billing specialist.

        Args:
            reason: Short reason for the transfer.
        """
        self.chat_context.add_handoff(from_agent=self.id, to_agent="billing", reason=reason)
        return BillingAgent(inherit_context=True)


class BillingAgent(Agent):
    def __init__(self, inherit_context: bool = False) -> None:
        super().__init__(
            instructions="You are the billing specialist.",
            agent_id="billing",
            inherit_context=inherit_context,
        )

    async def on_enter(self) -> None:
        reason = self._last_handoff_reason()
        if reason:
            await self.session.say(f"I'm the billing specialist, I see you're here about {reason}.")
        else:
            await self.session.say("I'm the billing specialist. What can I help you with?")
        self.chat_context.add_message(
            role=ChatRole.ASSISTANT, content="[billing agent engaged]", agent_id=self.id
        )

    async def on_exit(self) -> None:
        pass

    def _last_handoff_reason(self) -> str | None:
        for item in reversed(self.chat_context.items):
            if isinstance(item, AgentHandoff):
                return item.reason
        return None
