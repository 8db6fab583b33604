"""MCP tools inside a scripted voice call (virtual clock): called like any tool, in parallel,
timed in the turn metrics; a slow tool lets the agent speak, then times out into an error.

The server is the SDK's ``MCPServer`` connected in process, so the call stays deterministic.
"""

from __future__ import annotations

from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer

from vocalis import Agent
from vocalis.mcp import MCPServiceProvider
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeToolCall,
    ScriptedCall,
    UserScript,
    run_virtual,
)


class InProcessServer(MCPServiceProvider):
    """An ``MCPServer`` object connected in this process (no subprocess, no sockets)."""

    def __init__(self, server: MCPServer, **options: Any) -> None:
        super().__init__(name=server.name, **options)
        self.server = server

    def client_target(self) -> Any:
        return self.server


def orders_server() -> MCPServer:
    server = MCPServer("orders")

    @server.tool()
    async def order_status(order_id: str) -> str:
        """Where an order is."""
        await anyio.sleep(0.3)
        return f"Order {order_id} shipped yesterday."

    @server.tool()
    async def refund_policy() -> str:
        """The refund policy."""
        await anyio.sleep(0.2)
        return "Refunds within 30 days."

    @server.tool()
    async def order_history(order_id: str) -> str:
        """Everything that happened to an order (slow: 3 s)."""
        await anyio.sleep(3)
        return f"Order {order_id}: paid, packed, shipped."

    @server.tool()
    async def warehouse_lookup(sku: str) -> str:
        """Slow stock lookup."""
        await anyio.sleep(60)
        return "in stock"

    return server


class Support(Agent):
    def __init__(self, **options: Any) -> None:
        super().__init__(
            instructions="You help with orders.",
            mcp_servers=[InProcessServer(orders_server(), health_check_interval=0, **options)],
        )


def test_mcp_tools_are_called_in_parallel_and_timed_in_the_turn_metrics():
    user = UserScript().says("Where is order 7 and can I return it?", at=1.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[
            FakeToolCall("order_status", {"order_id": "7"}),
            FakeToolCall("refund_policy"),
        ]),
        FakeResponse("It shipped yesterday, and you have 30 days to return it."),
    ])
    agent = Support()
    record = run_virtual(ScriptedCall(agent, user, llm=llm).run(until=8.0))
    assert record.assistant_texts()[-1].startswith("It shipped yesterday")
    outputs = {i.name: i.output for i in record.chat_context.items if i.type == "function_call_output"}
    assert outputs == {
        "order_status": "Order 7 shipped yesterday.",
        "refund_policy": "Refunds within 30 days.",
    }
    turn = record.metrics.turns[-1]
    timings = {t.name: t.duration_ms for t in turn.tools}
    assert set(timings) == {"order_status", "refund_policy"}
    assert 290 <= timings["order_status"] <= 400  # both ran at once: 0.3 s, not 0.5 s
    started, finished = record.times("function_tools_executed")
    assert finished - started < 0.2
    assert agent.mcp_manager.connections == []  # closed with the session


def test_a_slow_tool_lets_the_agent_speak_then_times_out_into_an_error_result():
    user = UserScript().says("Is the blue kettle in stock?", at=1.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("warehouse_lookup", {"sku": "kettle-blue"})]),
        FakeResponse("Sorry, the stock system is not answering right now."),
    ])
    agent = Support(tool_timeout=5.0)
    record = run_virtual(ScriptedCall(agent, user, llm=llm).run(until=12.0))
    output = next(i for i in record.chat_context.items if i.type == "function_call_output")
    assert output.is_error and "did not answer within 5 s" in output.output
    spoken = [p["text"] for _, name, p in record.events if name == "agent_text"]
    assert spoken[0] == Agent.tool_hold_message
    assert spoken[-1] == "Sorry, the stock system is not answering right now."
    hold_at = next(t for t, name, _ in record.events if name == "agent_text")
    (failed_at,) = record.times("function_tools_executed")
    # Said about 2 s into the call, 3 s before its 5 s timeout ran out.
    assert 2.7 < failed_at - hold_at < 3.2
    assert len(record.agent_speech()) >= 2  # the hold message and the answer were heard
    assert "did not answer" in llm.requests[-1].items[-1].output


def test_in_text_mode_the_hold_message_is_reported_and_the_reply_goes_on():
    from vocalis import AgentSession, Pipeline

    async def scenario():
        agent = Support(tool_timeout=30.0)
        llm = FakeLLM([
            FakeResponse(tool_calls=[FakeToolCall("order_history", {"order_id": "7"})]),
            "It is in stock.",
        ])
        session = AgentSession(agent, Pipeline(llm=llm))
        texts = []
        session.on("agent_text", lambda payload: texts.append(payload["text"]))
        await session.start()
        result = await session.run(user_input="Is the kettle in stock?")
        await session.close()
        return result, texts

    result, texts = run_virtual(scenario())
    assert [e.type for e in result.events] == ["function_call", "function_call_output", "message"]
    assert result.final_output == "It is in stock."
    assert texts == [Agent.tool_hold_message, "It is in stock."]


def test_an_mcp_result_survives_barge_in():
    user = (
        UserScript()
        .says("What happened to order 7?", at=1.0)
        .says("Sorry, go on", at=4.0)
    )
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("order_history", {"order_id": "7"})]),
        FakeResponse("Order 7 was paid, packed and shipped."),
    ])
    record = run_virtual(ScriptedCall(Support(tool_timeout=10.0), user, llm=llm).run(until=12.0))
    outputs = [i for i in record.chat_context.items if i.type == "function_call_output"]
    assert [o.output for o in outputs] == ["Order 7: paid, packed, shipped."]  # recorded once
    # The user spoke while the tool ran; the answer to the new turn saw the tool's result.
    (started,) = [t for t, name, p in record.events
                  if name == "user_state_changed" and p["state"] == "speaking"][1:2]
    (finished,) = record.times("function_tools_executed")
    assert started < finished
    assert len(llm.requests) == 2
    assert any(getattr(i, "output", None) == outputs[0].output for i in llm.requests[-1].items)
    assert record.assistant_texts()[-1] == "Order 7 was paid, packed and shipped."
    # The user was talking when the call became slow: no "one moment" over them.
    assert Agent.tool_hold_message not in [p["text"] for _, n, p in record.events
                                           if n == "agent_text"]
