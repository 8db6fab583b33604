"""The conversation an agent holds: ``ChatContext`` and its read-only view.

Owns the ordered list of chat items and every operation on it: adding, ordered insertion,
copies and forks for sub-agents, merges, summarization, truncation, serialization and the
provider formats (delegated to ``converters``).
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import converters
from .context_budget import (
    drop_orphan_tool_items,
    estimate_tokens,
    is_instruction,
    is_structural,
    truncate_items,
)
from .converters.dicts import items_from_dicts, items_to_dicts
from .items import (
    AgentConfigUpdate,
    AgentHandoff,
    ChatItem,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
    ImageContent,
    _new_id,
)
from .summary import (
    SUB_AGENT_SUMMARY_PREFIX,
    SUMMARY_INSTRUCTIONS,
    render_items,
    summarize_items,
    summary_message,
)

if TYPE_CHECKING:
    from .llm import LLM

logger = logging.getLogger(__name__)

_ITEM_CLASSES = (ChatMessage, FunctionCall, FunctionCallOutput, AgentHandoff, AgentConfigUpdate)
MessageContent = str | ImageContent | Sequence[str | ImageContent]


class ChatContext:
    """An ordered, mutable conversation history."""

    def __init__(self, items: Iterable[ChatItem] | None = None) -> None:
        self._items: list[ChatItem] = [_checked_item(item) for item in items or []]

    @classmethod
    def empty(cls) -> ChatContext:
        """A context with no items."""
        return cls()

    # -- reads ---------------------------------------------------------------------------

    @property
    def items(self) -> list[ChatItem]:
        """The live list of items, oldest first."""
        return self._items

    def messages(self) -> list[ChatMessage]:
        """The ``ChatMessage`` items only."""
        return [item for item in self.items if isinstance(item, ChatMessage)]

    def get_by_id(self, item_id: str) -> ChatItem | None:
        """The item with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)

    def turn_count(self) -> int:
        """How many USER messages the conversation has."""
        return sum(
            1 for item in self.items if isinstance(item, ChatMessage) and item.role == ChatRole.USER
        )

    def estimated_tokens(self) -> int:
        """A rough token count of the whole context (about four characters per token)."""
        return estimate_tokens(self.items)

    def active_config_at(
        self, target: str | int | None = None
    ) -> tuple[str | None, list[str] | None]:
        """``(instructions, tool_names)`` in force at ``target`` (an item id, an index, or
        None for the end): the last instruction message or config update up to it wins."""
        items = self.items
        if target is None:
            end = len(items)
        elif isinstance(target, int) and not isinstance(target, bool):
            if not -len(items) <= target < len(items):
                raise IndexError(f"no item at index {target} (context has {len(items)})")
            end = target % len(items) + 1
        else:
            end = next((i + 1 for i, item in enumerate(items) if item.id == target), None)
            if end is None:
                raise ValueError(f"no item with id {target!r} in the context")
        instructions: str | None = None
        tools: list[str] | None = None
        for item in items[:end]:
            if is_instruction(item):
                instructions = item.text_content  # type: ignore[union-attr]
            elif isinstance(item, AgentConfigUpdate):
                if item.instructions is not None:
                    instructions = item.instructions
                if item.tools is not None:
                    tools = list(item.tools)
        return instructions, tools

    # -- additions -----------------------------------------------------------------------

    def add_message(
        self,
        role: ChatRole | str,
        content: MessageContent,
        message_id: str | None = None,
        created_at: float | None = None,
        replace: bool = False,
        agent_id: str | None = None,
    ) -> ChatMessage:
        """Append a message; ``replace=True`` with SYSTEM first removes every SYSTEM message."""
        role = ChatRole(role)
        fields: dict[str, Any] = {
            "role": role,
            "content": _content_list(content),
            "agent_id": agent_id,
        }
        if message_id is not None:
            fields["id"] = message_id
        if created_at is not None:
            fields["created_at"] = created_at
        message = ChatMessage(**fields)
        if replace and role == ChatRole.SYSTEM:
            self._items[:] = [
                item
                for item in self._items
                if not (isinstance(item, ChatMessage) and item.role == ChatRole.SYSTEM)
            ]
        self._items.append(message)
        return message

    def add_function_call(
        self,
        name: str,
        arguments: Mapping[str, Any] | str,
        call_id: str | None = None,
        agent_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> FunctionCall:
        """Append a tool call; dict arguments are stored as a JSON string."""
        if isinstance(arguments, Mapping):
            arguments = json.dumps(dict(arguments))
        elif not isinstance(arguments, str):
            raise TypeError(
                f"arguments must be a dict or a JSON string, got {type(arguments).__name__}"
            )
        call = FunctionCall(
            name=name,
            arguments=arguments,
            call_id=call_id or _new_id("call_"),
            agent_id=agent_id,
            metadata=metadata,
        )
        self._items.append(call)
        return call

    def add_function_output(
        self,
        name: str,
        output: str,
        call_id: str,
        is_error: bool = False,
        agent_id: str | None = None,
    ) -> FunctionCallOutput:
        """Append the result of the tool call ``call_id``."""
        result = FunctionCallOutput(
            name=name, output=output, call_id=call_id, is_error=is_error, agent_id=agent_id
        )
        self._items.append(result)
        return result

    def add_handoff(
        self, to_agent: str, from_agent: str | None = None, reason: str | None = None
    ) -> AgentHandoff:
        """Append a record that control passed to ``to_agent``."""
        handoff = AgentHandoff(to_agent=to_agent, from_agent=from_agent, reason=reason)
        self._items.append(handoff)
        return handoff

    def add_config_update(
        self,
        instructions: str | None = None,
        tools: list[str] | None = None,
        agent_id: str | None = None,
    ) -> AgentConfigUpdate:
        """Append a change of instructions and/or tool names from this point on."""
        update = AgentConfigUpdate(instructions=instructions, tools=tools, agent_id=agent_id)
        self._items.append(update)
        return update

    def insert(self, item: ChatItem) -> None:
        """Insert before the first item created later (a stable, time-ordered insert)."""
        item = _checked_item(item)
        index = next(
            (i for i, existing in enumerate(self._items) if existing.created_at > item.created_at),
            len(self._items),
        )
        self._items.insert(index, item)

    def insert_many(self, items: Iterable[ChatItem]) -> None:
        """Insert several items, each at its place in time."""
        for item in sorted(items, key=lambda entry: entry.created_at):
            self.insert(item)

    def cleanup(self) -> None:
        """Release the memory held by the items (frames, texts) and empty the context."""
        for item in self._items:
            if isinstance(item, ChatMessage):
                for part in item.content:
                    if isinstance(part, ImageContent):
                        part.image = None
                item.content = []
            elif isinstance(item, FunctionCall):
                item.arguments = ""
            elif isinstance(item, FunctionCallOutput):
                item.output = ""
        self._items.clear()
        gc.collect()

    # -- copies and forks ----------------------------------------------------------------

    def copy(
        self,
        *,
        exclude_system_messages: bool = False,
        exclude_instructions: bool = False,
        exclude_empty_messages: bool = False,
        exclude_handoffs: bool = False,
        exclude_config_updates: bool = False,
        tools: Sequence[str] | None = None,
        filter_agent_id: str | None = None,
    ) -> ChatContext:
        """A new context sharing the items that pass the filters.

        ``exclude_system_messages`` drops SYSTEM messages, ``exclude_instructions`` SYSTEM and
        DEVELOPER ones. ``tools``: None keeps all tool items, ``[]`` none, a list those of the
        named tools. ``filter_agent_id`` keeps that agent's items plus structural ones.
        """
        kept = [
            item
            for item in self.items
            if _passes(
                item,
                exclude_system_messages=exclude_system_messages,
                exclude_instructions=exclude_instructions,
                exclude_empty_messages=exclude_empty_messages,
                exclude_handoffs=exclude_handoffs,
                exclude_config_updates=exclude_config_updates,
                tools=tools,
                filter_agent_id=filter_agent_id,
            )
        ]
        return ChatContext(kept)

    def fork(self) -> ChatContext:
        """An independent deep copy."""
        return ChatContext(item.model_copy(deep=True) for item in self.items)

    def fork_filtered(
        self, recent_turns: int = 3, tools: Sequence[str] | None = None
    ) -> ChatContext:
        """A deep copy of the instructions plus the last ``recent_turns`` user turns.

        ``tools`` scopes tool items as in ``copy``; tool pairs cut by the turn boundary are
        dropped whole.
        """
        if recent_turns < 1:
            raise ValueError(f"recent_turns must be >= 1, got {recent_turns}")
        items = self.items
        user_indexes = [
            i
            for i, item in enumerate(items)
            if isinstance(item, ChatMessage) and item.role == ChatRole.USER
        ]
        start = user_indexes[-recent_turns] if len(user_indexes) >= recent_turns else 0
        tail = items[start:]
        selected = [item for item in items[:start] if is_instruction(item)] + tail
        selected = [item for item in selected if _passes(item, tools=tools)]
        return ChatContext(item.model_copy(deep=True) for item in drop_orphan_tool_items(selected))

    @staticmethod
    def fork_brief(
        instructions: str, task_brief: str | None = None, agent_id: str | None = None
    ) -> ChatContext:
        """A fresh context for a sub-agent: its instructions and an optional task brief."""
        if not instructions or not instructions.strip():
            raise ValueError("fork_brief() requires non-empty instructions")
        ctx = ChatContext()
        ctx.add_message(ChatRole.SYSTEM, instructions, agent_id=agent_id)
        if task_brief:
            ctx.add_message(ChatRole.USER, task_brief, agent_id=agent_id)
        return ctx

    # -- merges (in place, return self) --------------------------------------------------

    async def merge(self, other: ChatContext) -> ChatContext:
        """Add deep copies of ``other``'s items not already present, then order by time."""
        present = {item.id for item in self._items}
        self._items.extend(
            item.model_copy(deep=True) for item in other.items if item.id not in present
        )
        self._items.sort(key=lambda item: item.created_at)
        return self

    async def merge_result(self, other: ChatContext, *, agent_id: str | None = None) -> ChatContext:
        """Add a copy of ``other``'s last ASSISTANT message, attributed to ``agent_id`` if given."""
        last = next(
            (
                item
                for item in reversed(other.items)
                if isinstance(item, ChatMessage) and item.role == ChatRole.ASSISTANT
            ),
            None,
        )
        if last is None or self.get_by_id(last.id) is not None:
            return self
        result = last.model_copy(deep=True)
        if agent_id is not None:
            result.agent_id = agent_id
        self._items.append(result)
        return self

    async def merge_with_summary(
        self, other: ChatContext, *, llm: LLM, agent_id: str | None = None
    ) -> ChatContext:
        """Add an LLM-written summary of ``other`` as a protected ASSISTANT message."""
        summary = await generate_summary(llm, render_items(other.items))
        if not summary:
            logger.warning("sub-agent summary was empty; nothing merged")
            return self
        self._items.append(
            summary_message(summary, prefix=SUB_AGENT_SUMMARY_PREFIX, agent_id=agent_id)
        )
        return self

    # -- compression ---------------------------------------------------------------------

    async def summarize(self, llm: LLM, *, keep_recent_turns: int = 3) -> ChatContext:
        """Replace all but the last ``keep_recent_turns`` user turns with a summary message
        (instructions, handoffs, config updates and earlier summaries stay). Returns self."""
        summarized = await summarize_items(
            self._items, lambda text: generate_summary(llm, text), keep_recent_turns=keep_recent_turns
        )
        if summarized is not None:
            self._items[:] = summarized
        return self

    def truncate(self, max_items: int | None = None, max_tokens: int | None = None) -> ChatContext:
        """Drop the oldest items until within budget, keeping the first instruction message,
        the summary, the last user message and structural items; tool pairs leave together.
        Returns self."""
        self._items[:] = truncate_items(self._items, max_items=max_items, max_tokens=max_tokens)
        return self

    # -- formats -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """``{"items": [...]}`` of plain values; ``from_dict`` restores it exactly."""
        return {"items": items_to_dicts(self.items)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatContext:
        """The context ``to_dict`` produced; unknown item types are skipped."""
        if not isinstance(data, Mapping) or not isinstance(data.get("items", []), list):
            raise ValueError("ChatContext.from_dict expects {'items': [...]}")
        return cls(items_from_dicts(data.get("items", [])))

    def to_openai_messages(self, *, reasoning_model: bool = False) -> list[dict[str, Any]]:
        """OpenAI Chat Completions ``messages``."""
        return converters.to_openai_messages(self.items, reasoning_model=reasoning_model)

    def to_openai_responses_input(self) -> list[dict[str, Any]]:
        """OpenAI Responses API ``input`` items."""
        return converters.to_openai_responses_input(self.items)

    def to_anthropic_messages(
        self, *, caching: bool = False
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Anthropic ``(messages, system_text)``."""
        return converters.to_anthropic_messages(self.items, caching=caching)

    async def to_google_contents(
        self, *, thought_signatures: Mapping[str, str | bytes] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Gemini ``(contents, system_instruction)`` in REST JSON shape."""
        return await converters.to_google_contents(
            self.items, thought_signatures=thought_signatures
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.items)} items)"


def _checked_item(item: Any) -> ChatItem:
    if not isinstance(item, _ITEM_CLASSES):
        raise TypeError(f"not a chat item: {item!r}")
    return item


def _content_list(content: MessageContent) -> list[str | ImageContent]:
    if isinstance(content, (str, ImageContent)):
        return [content]
    parts = list(content)
    for part in parts:
        if not isinstance(part, (str, ImageContent)):
            raise TypeError(f"message content parts must be str or ImageContent, got {part!r}")
    return parts


def _passes(
    item: ChatItem,
    *,
    exclude_system_messages: bool = False,
    exclude_instructions: bool = False,
    exclude_empty_messages: bool = False,
    exclude_handoffs: bool = False,
    exclude_config_updates: bool = False,
    tools: Sequence[str] | None = None,
    filter_agent_id: str | None = None,
) -> bool:
    """Whether ``item`` survives the filters of ``ChatContext.copy``."""
    if isinstance(item, ChatMessage):
        if exclude_system_messages and item.role == ChatRole.SYSTEM:
            return False
        if exclude_instructions and is_instruction(item):
            return False
        if exclude_empty_messages and not any(
            not isinstance(part, str) or part.strip() for part in item.content
        ):
            return False
    elif isinstance(item, AgentHandoff):
        if exclude_handoffs:
            return False
    elif isinstance(item, AgentConfigUpdate):
        if exclude_config_updates:
            return False
    elif tools is not None and item.name not in tools:
        return False
    if filter_agent_id is None or is_structural(item) or is_instruction(item):
        return True
    return item.agent_id == filter_agent_id


async def generate_summary(llm: LLM, text: str) -> str:
    """Ask ``llm`` to summarize a transcript; the streamed text joined and stripped.

    Returns "" for an empty transcript without calling the LLM. Provider errors propagate.
    """
    if not text.strip():
        return ""
    request = ChatContext.empty()
    request.add_message(ChatRole.SYSTEM, SUMMARY_INSTRUCTIONS)
    request.add_message(ChatRole.USER, f"Conversation to summarize:\n\n{text}")
    chunks = [response.content async for response in llm.chat(request) if response.content]
    return "".join(chunks).strip()
