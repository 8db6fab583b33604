"""Serving a Vocalis agent over the A2A protocol with the official ``a2a-sdk`` server: a text
transport, where each incoming message is a turn of the agent.

The agent card is served at ``/.well-known/agent-card.json`` and JSON-RPC at ``/``, on
Starlette and uvicorn inside the running event loop. Each A2A conversation (``contextId``)
gets its own agent, made by ``agent_factory``, in its own text conversation, so histories
never mix; the oldest conversations are closed beyond ``max_conversations``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ...a2a.models import AgentCard
from ...session.text_conversation import TextConversation

logger = logging.getLogger("vocalis.a2a")


class A2AServer:
    """``await A2AServer(make_agent, llm, card).start()``; ``url`` is where it listens."""

    def __init__(
        self,
        agent_factory: Callable[[], Any],
        llm: Any,
        card: AgentCard,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        max_conversations: int = 100,
    ) -> None:
        if max_conversations < 1:
            raise ValueError("max_conversations must be at least 1")
        self.agent_factory = agent_factory
        self.llm = llm
        self.card = card
        self.host = host
        self.port = port
        self.public_url = public_url
        self.max_conversations = max_conversations
        self._conversations: OrderedDict[str, TextConversation] = OrderedDict()
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def build_app(self) -> Any:
        """The Starlette app (card + JSON-RPC), to run here or mount in another app."""
        from a2a.server.request_handlers import DefaultRequestHandler
        from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
        from a2a.server.tasks import InMemoryTaskStore
        from starlette.applications import Starlette

        card = self.card.to_protocol_card(self.url.rstrip("/") + "/")
        handler = DefaultRequestHandler(
            agent_executor=_executor(self), task_store=InMemoryTaskStore(), agent_card=card
        )
        return Starlette(routes=[*create_agent_card_routes(card), *create_jsonrpc_routes(handler, "/")])

    async def start(self) -> None:
        """Listen (``port=0`` picks a free port) and serve in the background."""
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.build_app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="vocalis.a2a")
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError(f"the A2A server did not start on {self.url}")
            await asyncio.sleep(0.01)
        logger.info("A2A agent %r at %s", self.card.name, self.url)

    async def ask(self, context_id: str, text: str) -> str:
        """One turn of the conversation ``context_id`` (what an incoming message runs)."""
        conversation = self._conversations.get(context_id)
        if conversation is None:
            conversation = TextConversation(self.agent_factory(), self.llm)
            self._conversations[context_id] = conversation
            while len(self._conversations) > self.max_conversations:
                _, oldest = self._conversations.popitem(last=False)
                task = asyncio.create_task(oldest.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        self._conversations.move_to_end(context_id)
        return await conversation.ask(text)

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        conversations, self._conversations = list(self._conversations.values()), OrderedDict()
        await asyncio.gather(*(c.aclose() for c in conversations), *self._closing,
                             return_exceptions=True)


def _executor(server: A2AServer) -> Any:
    """An ``a2a-sdk`` executor running each incoming message as a turn of ``server``'s agent
    (the SDK is imported here, so importing this module does not need it)."""
    from a2a.helpers.proto_helpers import new_text_message
    from a2a.server.agent_execution import AgentExecutor

    class Executor(AgentExecutor):
        async def execute(self, context: Any, event_queue: Any) -> None:
            context_id = context.context_id or "default"
            answer = await server.ask(context_id, context.get_user_input())
            await event_queue.enqueue_event(new_text_message(answer, context_id=context_id))

        async def cancel(self, context: Any, event_queue: Any) -> None:
            """Turns are short: a cancelled one finishes unseen."""

    return Executor()
