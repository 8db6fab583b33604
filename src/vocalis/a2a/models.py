"""The reference's A2A data classes, ``A2AMessage`` and ``AgentCard``, and their mapping to
the A2A protocol's agent card (``a2a-sdk``).

A card's ``domain`` travels as the tag of each skill and its ``capabilities`` as the skills,
so a Vocalis card survives the round trip through an ``a2a-sdk`` card.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = "1.0"


class A2AError(RuntimeError):
    """Delegation failed: no such agent, no answer in time, or the other agent failed."""


@dataclass
class A2AMessage:
    """A message between agents, e.g. ``specialist_query`` / ``model_response``."""

    from_agent: str
    to_agent: str
    type: str
    content: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: float = field(default_factory=time.time)
    metadata: dict[str, Any] | None = None


@dataclass
class AgentCard:
    """What an agent offers: a domain (``"billing"``) and capabilities, for discovery."""

    id: str
    name: str
    domain: str
    capabilities: list[str]
    description: str
    metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = str(uuid.uuid4())

    def to_protocol_card(self, url: str) -> Any:
        """The ``a2a-sdk`` ``AgentCard`` served at ``url``'s well-known path."""
        from a2a.types.a2a_pb2 import AgentCapabilities, AgentInterface, AgentSkill
        from a2a.types.a2a_pb2 import AgentCard as ProtocolCard

        skills = [
            AgentSkill(id=_slug(c), name=c, description=f"{self.name}: {c}",
                       tags=[self.domain] if self.domain else [])
            for c in self.capabilities or [self.domain or "answer"]
        ]
        return ProtocolCard(
            name=self.name,
            description=self.description,
            version=str((self.metadata or {}).get("version", "1.0")),
            supported_interfaces=[AgentInterface(
                url=url, protocol_binding="JSONRPC", protocol_version=PROTOCOL_VERSION
            )],
            capabilities=AgentCapabilities(streaming=False),
            default_input_modes=["text/plain"],
            default_output_modes=["text/plain"],
            skills=skills,
        )

    @classmethod
    def from_protocol_card(cls, card: Any, url: str) -> AgentCard:
        """A card for a remote ``a2a-sdk`` agent; its id is the URL it was found at."""
        domains = [tag for skill in card.skills for tag in skill.tags]
        return cls(
            id=url,
            name=card.name,
            domain=domains[0] if domains else "",
            capabilities=[skill.name or skill.id for skill in card.skills],
            description=card.description,
            metadata={"url": url, "version": card.version, "remote": True},
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "skill"
