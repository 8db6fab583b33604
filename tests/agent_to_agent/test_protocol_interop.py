"""Interoperability with the A2A protocol as ``a2a-sdk`` implements it, on both sides, in one
process and across processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.agent_to_agent.sdk_agent import plain_sdk_server, vocalis_server

from vocalis import Agent
from vocalis.a2a import A2AError, AgentRegistry

pytestmark = pytest.mark.slow

SCRIPT = str(Path(__file__).with_name("sdk_agent.py"))


async def sdk_client_ask(url: str, text: str, context_id: str | None = None) -> str:
    """Ask with the official client only: card from the well-known path, then SendMessage."""
    from a2a.client import ClientConfig, create_client
    from a2a.helpers.proto_helpers import get_stream_response_text, new_text_message
    from a2a.types.a2a_pb2 import Role, SendMessageRequest

    client = await create_client(url, client_config=ClientConfig(streaming=False))
    try:
        message = new_text_message(text, context_id=context_id, role=Role.ROLE_USER)
        return "".join([get_stream_response_text(r) async for r in
                        client.send_message(SendMessageRequest(message=message))])
    finally:
        await client.close()


async def test_a_vocalis_agent_is_called_by_an_a2a_sdk_client():
    server = vocalis_server()
    await server.start()
    try:
        async with httpx.AsyncClient() as http:
            card = (await http.get(f"{server.url}/.well-known/agent-card.json")).json()
        assert card["name"] == "Warranty desk"
        assert card["supportedInterfaces"][0]["url"] == f"{server.url}/"
        assert card["skills"][0]["tags"] == ["warranty"]
        first = await sdk_client_ask(server.url, "Is my toaster covered?", context_id="c1")
        second = await sdk_client_ask(server.url, "And the kettle?", context_id="c1")
        other = await sdk_client_ask(server.url, "Hello", context_id="c2")
        assert first == "Warranty answer 1 to: Is my toaster covered?"
        assert second == "Warranty answer 2 to: And the kettle?"  # same conversation
        assert other == "Warranty answer 1 to: Hello"  # another conversation, its own history
    finally:
        await server.aclose()


async def test_a_vocalis_agent_calls_an_a2a_sdk_server():
    server, task, url = await plain_sdk_server()
    registry = AgentRegistry()
    agent = Agent(instructions="front desk")
    agent.a2a.registry = registry
    try:
        card = await registry.add_remote(url)
        assert (card.name, card.domain, card.capabilities) == ("Shipping", "shipping",
                                                               ["track parcels"])
        answer = await agent.a2a.ask("where is parcel 42", domain="shipping")
        assert answer == "SHIPPING SAYS: WHERE IS PARCEL 42"
        # The reference's messaging works with remote agents too: the answer comes back.
        got = asyncio.get_running_loop().create_future()
        agent.a2a.on_message("model_response", lambda m: got.set_result(m))
        await agent.a2a.send_message(url, "specialist_query", {"query": "parcel 7"})
        reply = await asyncio.wait_for(got, 10)
        assert reply.content == {"response": "SHIPPING SAYS: PARCEL 7"}
    finally:
        await registry.aclose()
        server.should_exit = True
        await task


async def test_across_processes_both_ways():
    process = subprocess.Popen([sys.executable, SCRIPT, "vocalis"], stdout=subprocess.PIPE,
                               text=True)
    try:
        url = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 30)
        url = url.strip()
        assert url.startswith("http://127.0.0.1:")
        # The official client in this process calls the Vocalis agent in the other one...
        assert await sdk_client_ask(url, "Is it covered?") == "Warranty answer 1 to: Is it covered?"
        # ...and a Vocalis agent here delegates to it by domain.
        registry = AgentRegistry()
        agent = Agent(instructions="front desk")
        agent.a2a.registry = registry
        await registry.add_remote(url)
        answer = await agent.a2a.ask("My blender broke", domain="warranty")
        assert answer == "Warranty answer 1 to: My blender broke"
        await registry.aclose()
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_an_unreachable_agent_is_a_clear_error():
    registry = AgentRegistry()
    with pytest.raises(A2AError, match=r"no A2A agent at http://127\.0\.0\.1:9/"):
        await registry.add_remote("http://127.0.0.1:9/", timeout=5)
