"""Agents on the A2A protocol for the tests, run in their own process or imported.

``python sdk_agent.py vocalis`` serves a Vocalis specialist (``A2AServer``, a scripted LLM);
``python sdk_agent.py plain`` serves an agent written only with ``a2a-sdk``. Either prints
its URL on the first line, then serves until killed.
"""

from __future__ import annotations

import asyncio
import sys

from vocalis import Agent
from vocalis.a2a import AgentCard
from vocalis.testing import FakeLLM
from vocalis.transports.a2a import A2AServer

CARD = AgentCard(id="warranty", name="Warranty desk", domain="warranty",
                 capabilities=["warranty claims"], description="Answers warranty questions.")


def warranty_llm() -> FakeLLM:
    """Answers with the question it got and how many user turns it has seen."""

    def respond(ctx) -> str:
        users = [m.text_content for m in ctx.messages() if m.role.value == "user"]
        return f"Warranty answer {len(users)} to: {users[-1]}"

    return FakeLLM(respond=respond)


def vocalis_server(port: int = 0) -> A2AServer:
    return A2AServer(lambda: Agent(instructions="You handle warranty claims."), warranty_llm(),
                     CARD, port=port)


async def plain_sdk_server() -> tuple[object, asyncio.Task, str]:
    """An A2A agent built with a2a-sdk alone (no Vocalis): it answers in upper case."""
    import socket

    import uvicorn
    from a2a.helpers.proto_helpers import new_text_message
    from a2a.server.agent_execution import AgentExecutor
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.types.a2a_pb2 import AgentCapabilities, AgentInterface, AgentSkill
    from a2a.types.a2a_pb2 import AgentCard as ProtocolCard
    from starlette.applications import Starlette

    class Shouter(AgentExecutor):
        async def execute(self, context, event_queue):
            text = context.get_user_input()
            await event_queue.enqueue_event(
                new_text_message(f"SHIPPING SAYS: {text.upper()}", context_id=context.context_id)
            )

        async def cancel(self, context, event_queue):
            pass

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    card = ProtocolCard(
        name="Shipping", description="Tracks parcels.", version="2.0",
        supported_interfaces=[AgentInterface(url=url + "/", protocol_binding="JSONRPC",
                                             protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=False),
        default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        skills=[AgentSkill(id="track", name="track parcels", description="Tracks parcels.",
                           tags=["shipping"])],
    )
    handler = DefaultRequestHandler(agent_executor=Shouter(), task_store=InMemoryTaskStore(),
                                    agent_card=card)
    app = Starlette(routes=[*create_agent_card_routes(card), *create_jsonrpc_routes(handler, "/")])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    return server, task, url


async def main(kind: str) -> None:
    if kind == "vocalis":
        server = vocalis_server()
        await server.start()
        url = server.url
    else:
        _, _, url = await plain_sdk_server()
    print(url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
