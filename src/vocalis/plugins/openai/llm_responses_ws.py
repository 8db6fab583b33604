"""WebSocket Responses mode of ``OpenAILLM`` (``streaming=True``, ``wss://.../v1/responses``).

One socket stays open across turns. Each turn sends a ``response.create``; after a completed
turn the next one chains with ``previous_response_id`` and sends only the new input items.
A reader task owns the socket and routes events to the current turn, so a cancelled turn never
steals events from the next one. Events before the ``response.created`` of the turn's own
request are stale (from a cancelled response) and dropped: the client counts the requests it
sent, which also covers a cancel that lands before the old ``response.created`` (a race the
reference got wrong).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from ...llm.llm import LLMError, LLMResponse
from .llm_request import LLMOptions, responses_create_event
from .llm_tool_calls import function_call_response
from .usage import responses_usage
from .websocket import EventSocket, WebSocket, json_events

logger = logging.getLogger("vocalis.plugins.openai.llm")

DEFAULT_WSS_URL = "wss://api.openai.com/v1/responses"
RECOVERABLE_CODES = {"previous_response_not_found", "websocket_connection_limit_reached"}
_CLOSED = object()


@dataclass
class _Call:
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    dispatched: bool = False


@dataclass
class _Turn:
    """The per-turn bookkeeping of a ``response.create``."""

    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    started: bool = False
    yielded: bool = False
    retry: bool = False
    calls: dict[str, _Call] = field(default_factory=dict)


class ResponsesSession:
    """A persistent Responses WebSocket with chaining, cancel and recovery."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        options: LLMOptions,
        *,
        read_timeout: float | None,
        connect_timeout: float = 30.0,
        on_error: Callable[[Exception], None],
    ) -> None:
        self._socket = EventSocket(url, headers, heartbeat=30, reader_name="openai-responses-ws")
        self._options = options
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._on_error = on_error
        self._connect_lock = asyncio.Lock()
        self._turn: _Turn | None = None
        self._awaiting_created = 0
        self.previous_response_id: str | None = None
        self.last_seen_items = 0

    @property
    def is_open(self) -> bool:
        return self._socket.is_open

    async def ensure(self) -> None:
        """Open the socket if it is not open; a new socket starts a new chain."""
        async with self._connect_lock:
            if self.is_open:
                return
            await self._socket.close_socket()
            try:
                await self._socket.open(self._read, timeout=self._connect_timeout)
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise LLMError(f"OpenAILLM: Responses WebSocket connection failed: {exc}") from exc
            self.previous_response_id = None
            self.last_seen_items = 0
            self._awaiting_created = 0

    async def _read(self, ws: WebSocket) -> None:
        try:
            async for event in json_events(ws, self._on_malformed):
                own = False
                if event.get("type") == "response.created":
                    self._awaiting_created = max(0, self._awaiting_created - 1)
                    own = self._awaiting_created == 0
                if self._turn is not None:
                    self._turn.queue.put_nowait((event, own))
        finally:
            if self._turn is not None:
                self._turn.queue.put_nowait(_CLOSED)

    def _on_malformed(self, _text: str, exc: ValueError) -> None:
        self._on_error(LLMError(f"OpenAILLM: malformed server event: {exc}"))

    async def _send(self, event: dict[str, Any]) -> None:
        if event.get("type") == "response.create":
            self._awaiting_created += 1
        await self._socket.send_json(event)

    async def _next(self, turn: _Turn) -> Any:
        try:
            return await asyncio.wait_for(turn.queue.get(), self._read_timeout)
        except TimeoutError:
            await self._socket.close_socket()
            raise LLMError("OpenAILLM: Responses WebSocket timed out waiting for the server") from None

    def _input_for(self, full: list[dict[str, Any]], allow_chain: bool) -> tuple[list, str | None]:
        chain = (
            allow_chain
            and self.previous_response_id is not None
            and self.is_open
            and self.last_seen_items > 0
            and len(full) >= self.last_seen_items
        )
        if not chain:
            return full, None
        new = [
            item
            for item in full[self.last_seen_items :]
            if item.get("type") != "function_call"
            and not (item.get("type") == "message" and item.get("role") == "assistant")
        ]
        return new, self.previous_response_id

    async def chat(
        self, full: list[dict[str, Any]], schemas: list[dict[str, Any]], extra: dict[str, Any]
    ) -> AsyncIterator[LLMResponse]:
        """Stream one turn; retries once with the full context on a recoverable failure."""
        for attempt in range(2):
            await self.ensure()
            items, previous = self._input_for(full, allow_chain=attempt == 0)
            turn = self._turn = _Turn()
            await self._send(
                responses_create_event(
                    self._options, items, schemas, previous_response_id=previous, extra=extra
                )
            )
            async for response in self._read_turn(turn, len(full)):
                yield response
            if turn is not self._turn or not turn.retry:
                return
            if turn.yielded or attempt == 1:
                raise LLMError("OpenAILLM: Responses turn failed after partial output or retry")
            logger.info("Responses: retrying the turn with the full context")

    async def _read_turn(self, turn: _Turn, item_count: int) -> AsyncIterator[LLMResponse]:
        while turn is self._turn:
            item = await self._next(turn)
            if turn is not self._turn:
                return
            if item is _CLOSED:
                await self._socket.close_socket()
                turn.retry = True
                return
            event, own = item
            kind = event.get("type")
            if kind == "error":
                if self._handle_error(turn, event):
                    return
                continue
            if not turn.started:
                if kind == "response.created" and own:
                    turn.started = True
                    self.previous_response_id = event["response"]["id"]
                continue
            for response in self._handle_event(turn, kind, event, item_count):
                turn.yielded = turn.yielded or bool(response.content or response.function_call)
                yield response
            if kind in ("response.completed", "response.incomplete", "response.cancelled"):
                return
            if kind == "response.failed":
                error = (event.get("response") or {}).get("error") or {}
                raise LLMError(f"OpenAILLM: response failed: {error.get('message', error)}")

    def _handle_error(self, turn: _Turn, event: dict[str, Any]) -> bool:
        """Handle an ``error`` event; True when the turn ends (to retry)."""
        error = event.get("error") or {}
        code = str(error.get("code") or "")
        message = error.get("message") or code or "unknown error"
        if not turn.started and "cancel" in code:
            return False  # the answer to a late response.cancel
        if code in RECOVERABLE_CODES and not turn.yielded:
            self.previous_response_id = None
            self.last_seen_items = 0
            self._awaiting_created = 0
            turn.retry = True
            return True
        raise LLMError(f"OpenAI WSS error: {message}", retryable=code in RECOVERABLE_CODES)

    def _handle_event(
        self, turn: _Turn, kind: str, event: dict[str, Any], item_count: int
    ) -> list[LLMResponse]:
        if kind == "response.output_text.delta":
            return [LLMResponse(content=event.get("delta", ""))]
        if kind == "response.output_item.added":
            item = event.get("item") or {}
            if item.get("type") == "function_call":
                turn.calls[item.get("id", "")] = _Call(
                    item.get("call_id", ""), item.get("name", ""), item.get("arguments", "")
                )
            return []
        if kind == "response.function_call_arguments.delta":
            turn.calls.setdefault(event.get("item_id", ""), _Call()).arguments += event.get(
                "delta", ""
            )
            return []
        if kind == "response.function_call_arguments.done":
            call = turn.calls.setdefault(event.get("item_id", ""), _Call())
            call.arguments = event.get("arguments", call.arguments)
            return []
        if kind == "response.output_item.done":
            item = event.get("item") or {}
            if item.get("type") != "function_call":
                return []
            call = turn.calls.setdefault(item.get("id", ""), _Call())
            call.call_id = item.get("call_id") or call.call_id
            call.name = item.get("name") or call.name
            call.arguments = item.get("arguments") or call.arguments
            return self._dispatch([call])
        if kind in ("response.completed", "response.incomplete"):
            response = event.get("response") or {}
            out = [LLMResponse(content="", metadata={"usage": responses_usage(response)})]
            out += self._dispatch(list(turn.calls.values()))
            if kind == "response.completed":
                self.previous_response_id = response.get("id", self.previous_response_id)
                self.last_seen_items = item_count
            return out
        return []

    def _dispatch(self, calls: list[_Call]) -> list[LLMResponse]:
        out = []
        for call in calls:
            if call.dispatched or not call.name:
                continue
            call.dispatched = True
            out.append(
                function_call_response(call.name, call.arguments, call.call_id)
            )
        return out

    async def prewarm(self, instructions: str | None, schemas: list[dict[str, Any]]) -> None:
        """Open the socket; with instructions or tools, seed the chain with ``generate: false``."""
        await self.ensure()
        if not instructions and not schemas:
            return
        system = [
            {
                "type": "message",
                "role": "system",
                "content": [{"type": "input_text", "text": instructions or ""}],
            }
        ]
        turn = self._turn = _Turn()
        await self._send(
            responses_create_event(
                self._options, system, schemas, previous_response_id=None, generate=False
            )
        )
        while turn is self._turn:
            item = await self._next(turn)
            if item is _CLOSED or item[0].get("type") == "error":
                return
            event = item[0]
            if event.get("type") == "response.completed":
                self.previous_response_id = event["response"]["id"]
                self.last_seen_items = 0
                return

    async def cancel(self) -> None:
        """Abandon the current turn, break the chain and ask the server to stop."""
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.queue.put_nowait(_CLOSED)
        self.previous_response_id = None
        self.last_seen_items = 0
        if turn is None or not self.is_open:
            return
        try:
            await self._socket.send_json({"type": "response.cancel"})
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            await self._socket.close_socket()

    async def aclose(self) -> None:
        await self.cancel()
        await self._socket.aclose()
