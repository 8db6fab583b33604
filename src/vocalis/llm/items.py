"""The items a conversation is made of: messages, tool calls and outputs, images, handoffs.

Field names, id prefixes and ``type`` literals follow the reference so serialized histories
are interchangeable with it.
"""

from __future__ import annotations

import base64
import time
import uuid
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .images import EncodeOptions, encode


def _new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


class ChatRole(str, Enum):
    """Who said a message."""

    SYSTEM = "system"
    DEVELOPER = "developer"
    USER = "user"
    ASSISTANT = "assistant"


class ImageContent(BaseModel):
    """An image inside a message: a URL, a data URL, image bytes, or a video frame encoded on
    demand with ``encode_options`` (JPEG, 320x240, quality 90 by default, as in the reference)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str = Field(default_factory=lambda: _new_id("img_"))
    type: Literal["image"] = "image"
    image: Any
    inference_detail: Literal["auto", "high", "low"] = "auto"
    encode_options: EncodeOptions = Field(default_factory=EncodeOptions)
    mime_type: str | None = None
    """The type of ``image`` given as bytes (default: that of ``encode_options``)."""

    def to_data_url(self) -> str:
        """The image as a URL a provider accepts (strings pass through unchanged)."""
        if isinstance(self.image, str):
            return self.image
        if isinstance(self.image, (bytes, bytearray)):
            data = bytes(self.image)
        else:
            data = encode(self.image, self.encode_options)
        mime = self.mime_type or self.encode_options.mime_type
        return f"data:{mime};base64,{base64.b64encode(data).decode()}"


class _ChatItemBase(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    created_at: float = Field(default_factory=time.time)
    agent_id: str | None = None


class ChatMessage(_ChatItemBase):
    """A message from the system, the user or the assistant."""

    id: str = Field(default_factory=lambda: _new_id("msg_"))
    type: Literal["message"] = "message"
    role: ChatRole
    content: list[str | ImageContent]
    interrupted: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)
    confidence: float | None = None
    metrics: dict[str, Any] | None = None
    audio_instructions: str | None = None
    text_instructions: str | None = None

    @property
    def text_content(self) -> str:
        """The text parts of the content joined by spaces."""
        return " ".join(p for p in self.content if isinstance(p, str))

    def instructions_for_modality(self, modality: Literal["audio", "text"]) -> str:
        """Instructions for a spoken or typed turn, falling back to the content."""
        special = self.audio_instructions if modality == "audio" else self.text_instructions
        return special if special is not None else self.text_content


class FunctionCall(_ChatItemBase):
    """A tool call the LLM asked for; ``arguments`` is a JSON string."""

    id: str = Field(default_factory=lambda: _new_id("call_"))
    type: Literal["function_call"] = "function_call"
    name: str
    arguments: str
    call_id: str
    metadata: dict[str, Any] | None = None


class FunctionCallOutput(_ChatItemBase):
    """The result of a tool call, matched to it by ``call_id``."""

    id: str = Field(default_factory=lambda: _new_id("output_"))
    type: Literal["function_call_output"] = "function_call_output"
    name: str
    call_id: str
    output: str
    is_error: bool = False


class AgentHandoff(_ChatItemBase):
    """Control passed from one agent to another (structural: never sent to a provider)."""

    id: str = Field(default_factory=lambda: _new_id("handoff_"))
    type: Literal["agent_handoff"] = "agent_handoff"
    from_agent: str | None = None
    to_agent: str
    reason: str | None = None


class AgentConfigUpdate(_ChatItemBase):
    """A change of instructions or tools from this point on (structural)."""

    id: str = Field(default_factory=lambda: _new_id("cfgupd_"))
    type: Literal["agent_config_update"] = "agent_config_update"
    instructions: str | None = None
    tools: list[str] | None = None


ChatItem = Annotated[
    ChatMessage | FunctionCall | FunctionCallOutput | AgentHandoff | AgentConfigUpdate,
    Field(discriminator="type"),
]
