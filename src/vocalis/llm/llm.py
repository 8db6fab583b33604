"""The LLM component contract: a streaming ``chat`` over a ``ChatContext`` with tools.

Plugins yield ``LLMResponse`` chunks. Text arrives in ``content``; a complete tool call arrives
as ``metadata={"function_call": {"name", "arguments": dict, "id"}}`` with empty content; token
usage as ``metadata={"usage": {...}}``. These conventions are the reference's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ..utils.events import EventEmitter
from .items import ChatRole

if TYPE_CHECKING:
    from .chat_context import ChatContext


class LLMResponse(BaseModel):
    """One streamed chunk of an LLM reply."""

    content: str
    role: ChatRole = ChatRole.ASSISTANT
    metadata: dict[str, Any] | None = None

    @property
    def function_call(self) -> dict[str, Any] | None:
        """The complete tool call carried by this chunk, if any."""
        return (self.metadata or {}).get("function_call")


class LLMError(Exception):
    """A provider failure: the request failed, timed out or the stream broke."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class LLM(EventEmitter[Literal["error"]], ABC):
    """Base class of LLM providers."""

    def __init__(self) -> None:
        super().__init__()
        self._label = f"{type(self).__module__}.{type(self).__name__}"

    @property
    def label(self) -> str:
        """``module.ClassName`` of the provider, used in logs and metrics."""
        return self._label

    @abstractmethod
    def chat(
        self,
        messages: ChatContext,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        """Stream a reply to ``messages``; implemented as an async generator."""

    async def cancel_current_generation(self) -> None:
        """Stop the reply being generated, if any (the default has nothing to stop)."""

    async def prewarm(self) -> None:
        """Open connections ahead of the first request; idempotent, no-op by default."""

    async def aclose(self) -> None:
        """Release provider resources. (Unlike the reference, no ``gc.collect()``: a full
        collection stalls every other session sharing the loop.)"""
        await self.cancel_current_generation()

    async def __aenter__(self) -> LLM:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
