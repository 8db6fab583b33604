"""Tool chaining: the LLM calls one tool, reads its result and calls the next (the reference's
``cascade_tool_chaining`` example), with the per-turn tool cap of its ``ContextWindow``."""

from videosdk.agents import Agent, function_tool

ORDERS = {"A17": {"status": "shipped", "carrier": "UPS", "tracking": "1Z999"}}


class OrderAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You help customers with their orders.")
        self.calls: list[str] = []

    async def on_enter(self) -> None:
        await self.session.say("Order desk, how can I help?")

    async def on_exit(self) -> None:
        pass

    @function_tool
    async def lookup_order(self, order_id: str) -> dict:
        """Find an order by its id."""
        self.calls.append("lookup_order")
        return ORDERS.get(order_id, {"error": "not found"})

    @function_tool
    async def track_package(self, carrier: str, tracking: str) -> dict:
        """Track a package with its carrier."""
        self.calls.append("track_package")
        return {"eta": "tomorrow", "carrier": carrier, "tracking": tracking}
