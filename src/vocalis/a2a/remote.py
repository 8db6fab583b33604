"""Calling an agent served over the A2A protocol (any ``a2a-sdk`` server) with the SDK's client."""

from __future__ import annotations

import asyncio
from typing import Any

from .models import A2AError, AgentCard


class RemoteAgent:
    """A remote A2A agent: ``await RemoteAgent.connect(url)``, then ``ask(text)``.

    The agent card is read from ``url``'s well-known path. Each ``ask`` sends one message
    (JSON-RPC ``SendMessage``); ``context_id`` keeps a multi-turn conversation together.
    """

    def __init__(self, url: str, card: AgentCard, client: Any) -> None:
        self.url = url
        self.card = card
        self._client = client

    @classmethod
    async def connect(cls, url: str, *, timeout: float = 10.0) -> RemoteAgent:
        try:
            import httpx
            from a2a.client import A2ACardResolver, ClientConfig, create_client
        except ImportError as exc:
            raise A2AError(f"calling A2A agents needs a2a-sdk ({exc}): "
                           "pip install 'vocalis[a2a]'") from None
        try:
            async with httpx.AsyncClient(timeout=timeout) as http:
                card = await A2ACardResolver(http, url).get_agent_card()
            client = await create_client(card, client_config=ClientConfig(streaming=False))
        except Exception as exc:
            raise A2AError(f"no A2A agent at {url}: {_reason(exc)}") from None
        return cls(url, AgentCard.from_protocol_card(card, url), client)

    async def ask(self, text: str, *, context_id: str | None = None,
                  timeout: float = 30.0) -> str:
        """The remote agent's text answer; raises ``A2AError`` on failure or timeout."""
        from a2a.helpers.proto_helpers import get_stream_response_text, new_text_message
        from a2a.types.a2a_pb2 import Role, SendMessageRequest, TaskState

        failed = {TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_REJECTED,
                  TaskState.TASK_STATE_CANCELED}

        message = new_text_message(text, context_id=context_id, role=Role.ROLE_USER)
        parts: list[str] = []

        async def collect() -> None:
            async for response in self._client.send_message(SendMessageRequest(message=message)):
                if response.HasField("task") and response.task.status.state in failed:
                    raise A2AError(f"{self.card.name} failed the task")
                text_part = get_stream_response_text(response)
                if text_part:
                    parts.append(text_part)

        try:
            await asyncio.wait_for(collect(), timeout)
        except TimeoutError:
            raise A2AError(f"{self.card.name} did not answer within {timeout:g} s") from None
        except A2AError:
            raise
        except Exception as exc:
            raise A2AError(f"{self.card.name} failed: {_reason(exc)}") from None
        return "\n".join(parts)

    async def aclose(self) -> None:
        await self._client.close()


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
