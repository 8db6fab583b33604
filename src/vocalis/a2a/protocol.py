"""``A2AProtocol``: one agent's side of agent-to-agent messaging.

The reference's messaging (``register``, ``on_message``, ``send_message`` with
``A2AMessage``), plus ``ask``: delegate a question and get the answer back, whether the
specialist runs in this process or behind an A2A server elsewhere. A local specialist
registered with an ``answer`` function (``Agent.register_a2a(card, llm=...)`` gives it one: a
text conversation with the agent) answers ``specialist_query`` messages itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .models import A2AError, A2AMessage, AgentCard
from .registry import AgentRegistry, default_registry

logger = logging.getLogger("vocalis.a2a")

Handler = Callable[[A2AMessage], Awaitable[None] | None]
Answer = Callable[[str], Awaitable[str]]

QUERY = "specialist_query"
RESPONSE = "model_response"


class A2AProtocol:
    """Messaging for ``agent`` through ``registry`` (the process-wide one by default)."""

    def __init__(self, agent: Any, registry: AgentRegistry | None = None) -> None:
        self.agent = agent
        self.registry = registry or default_registry
        self.card: AgentCard | None = None
        self._handlers: dict[str, Handler] = {}
        self._waiting: dict[str, asyncio.Future[A2AMessage]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._answer_query: Answer | None = None

    @property
    def id(self) -> str:
        return self.card.id if self.card is not None else str(getattr(self.agent, "id", ""))

    # ---- membership ----------------------------------------------------------------------

    async def register(self, card: AgentCard, *, answer: Answer | None = None) -> None:
        """Make this agent reachable as ``card``; with ``answer`` (question → answer text) it
        answers ``specialist_query`` messages by itself."""
        if self.card is not None and self.card.id != card.id:
            self.registry.unregister_agent(self.card.id)
        self.registry.register_agent(card, self)
        self.card = card
        self._answer_query = answer

    async def unregister(self) -> None:
        if self.card is not None:
            self.registry.unregister_agent(self.card.id)
            self.card = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for future in self._waiting.values():
            future.cancel()
        self._waiting.clear()
        self._answer_query = None

    def on_message(self, message_type: str, handler: Handler) -> None:
        """Call ``handler(message)`` for each incoming message of ``message_type``."""
        self._handlers[message_type] = handler

    # ---- sending -------------------------------------------------------------------------

    async def send_message(
        self,
        to_agent: str,
        message_type: str,
        content: dict[str, Any],
        metadata: dict[str, Any] | None = None,
    ) -> A2AMessage:
        """Send a message; it is delivered in the background (replies come as messages)."""
        message = A2AMessage(self.id, to_agent, message_type, dict(content), metadata=metadata)
        target = self.registry.local_protocol(to_agent)
        if target is not None:
            target._spawn(target._receive(message, sender=self))
        elif self.registry.remote(to_agent) is not None:
            self._spawn(self._relay_remote(message))
        else:
            raise A2AError(f"no agent with id {to_agent!r} is registered")
        return message

    async def ask(
        self,
        query: str,
        to_agent: str | None = None,
        *,
        domain: str | None = None,
        timeout: float = 30.0,
    ) -> str:
        """Delegate ``query`` to an agent (by id, or the first of ``domain``) and return its
        answer; raises ``A2AError`` if there is none, it fails, or ``timeout`` passes."""
        target = self.registry.resolve(to_agent, domain=domain)
        remote = self.registry.remote(target)
        if remote is not None:
            return await remote.ask(query, timeout=timeout)
        future: asyncio.Future[A2AMessage] = asyncio.get_running_loop().create_future()
        message = await self.send_message(target, QUERY, {"query": query})
        self._waiting[message.id] = future
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise A2AError(f"{target} did not answer within {timeout:g} s") from None
        finally:
            self._waiting.pop(message.id, None)
        if "error" in reply.content:
            raise A2AError(f"{target} could not answer: {reply.content['error']}")
        return str(reply.content.get("response", ""))

    # ---- receiving -----------------------------------------------------------------------

    async def _receive(self, message: A2AMessage, sender: A2AProtocol | None = None) -> None:
        reply_to = (message.metadata or {}).get("reply_to")
        waiting = self._waiting.get(reply_to) if reply_to else None
        if waiting is not None and not waiting.done():
            waiting.set_result(message)
            return
        handler = self._handlers.get(message.type)
        if handler is not None:
            result = handler(message)
            if asyncio.iscoroutine(result):
                await result
        elif message.type == QUERY:
            await self._answer(message, sender)
        else:
            logger.warning("%s: no handler for %r messages from %s", self.id, message.type,
                           message.from_agent)

    async def _answer(self, query: A2AMessage, sender: A2AProtocol | None) -> None:
        """The default specialist: answer with the ``answer`` function. The answer goes
        straight back to the asking agent, which need not be registered itself."""
        metadata = {"reply_to": query.id}
        if self._answer_query is None:
            content = {"error": f"{self.id} does not answer queries (register it with llm=...)"}
        else:
            try:
                question = str(query.content.get("query", ""))
                content = {"response": await self._answer_query(question)}
            except Exception as exc:
                logger.exception("%s failed to answer a delegated query", self.id)
                content = {"error": str(exc) or type(exc).__name__}
        if sender is None:
            await self.send_message(query.from_agent, RESPONSE, content, metadata)
            return
        reply = A2AMessage(self.id, query.from_agent, RESPONSE, content, metadata=metadata)
        sender._spawn(sender._receive(reply, sender=self))

    async def _relay_remote(self, message: A2AMessage) -> None:
        """A message for a remote agent goes out as an A2A request; its answer comes back to
        this agent as a ``model_response`` message."""
        remote = self.registry.remote(message.to_agent)
        assert remote is not None
        text = message.content.get("query")
        if not isinstance(text, str):
            text = json.dumps(message.content, ensure_ascii=False)
        try:
            content = {"response": await remote.ask(text)}
        except A2AError as exc:
            content = {"error": str(exc)}
        reply = A2AMessage(message.to_agent, self.id, RESPONSE, content,
                           metadata={"reply_to": message.id})
        await self._receive(reply)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: handling an A2A message failed", self.id, exc_info=task.exception())
