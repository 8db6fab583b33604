"""``AgentRegistry``: the agents one process can delegate to, local or remote, by id or domain.

Local agents register themselves with ``Agent.register_a2a(card)``; remote A2A agents are
added by URL (``await registry.add_remote(url)``), their card read from the well-known path.
The process-wide ``default_registry`` is what agents use unless given another.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .models import A2AError, AgentCard
from .remote import RemoteAgent

if TYPE_CHECKING:
    from .protocol import A2AProtocol

logger = logging.getLogger("vocalis.a2a")


class AgentRegistry:
    """Cards of the agents that can receive messages, with where to deliver them."""

    def __init__(self) -> None:
        self._local: dict[str, tuple[AgentCard, A2AProtocol]] = {}
        self._remote: dict[str, RemoteAgent] = {}

    # ---- membership ----------------------------------------------------------------------

    def register_agent(self, card: AgentCard, protocol: A2AProtocol) -> None:
        if card.id in self._local and self._local[card.id][1] is not protocol:
            raise A2AError(f"an agent with id {card.id!r} is already registered")
        self._local[card.id] = (card, protocol)

    def unregister_agent(self, agent_id: str) -> None:
        self._local.pop(agent_id, None)

    async def add_remote(self, url: str, *, timeout: float = 10.0) -> AgentCard:
        """Read the card of the A2A agent at ``url`` and make it reachable (id = ``url``)."""
        if url not in self._remote:
            self._remote[url] = await RemoteAgent.connect(url, timeout=timeout)
        return self._remote[url].card

    async def remove_remote(self, url: str) -> None:
        remote = self._remote.pop(url, None)
        if remote is not None:
            await remote.aclose()

    # ---- lookups -------------------------------------------------------------------------

    def get_all_agents(self) -> dict[str, AgentCard]:
        cards = {agent_id: card for agent_id, (card, _) in self._local.items()}
        cards.update({url: remote.card for url, remote in self._remote.items()})
        return cards

    def get_agent(self, agent_id: str) -> AgentCard | None:
        return self.get_all_agents().get(agent_id)

    def find_agents_by_domain(self, domain: str) -> list[str]:
        return [i for i, card in self.get_all_agents().items() if card.domain == domain]

    def find_agents_by_capability(self, capability: str) -> list[str]:
        return [i for i, c in self.get_all_agents().items() if capability in c.capabilities]

    def local_protocol(self, agent_id: str) -> A2AProtocol | None:
        entry = self._local.get(agent_id)
        return entry[1] if entry is not None else None

    def remote(self, agent_id: str) -> RemoteAgent | None:
        return self._remote.get(agent_id)

    def resolve(self, to_agent: str | None = None, *, domain: str | None = None) -> str:
        """The id of ``to_agent``, or of the first agent of ``domain``; ``A2AError`` if none."""
        if to_agent is not None:
            if self.get_agent(to_agent) is None:
                raise A2AError(f"no agent with id {to_agent!r} is registered")
            return to_agent
        if domain is not None:
            found = self.find_agents_by_domain(domain)
            if not found:
                raise A2AError(f"no agent for the domain {domain!r} is registered")
            return found[0]
        raise A2AError("name the agent (to_agent=...) or its domain (domain=...)")

    async def aclose(self) -> None:
        for url in list(self._remote):
            await self.remove_remote(url)
        self._local.clear()


default_registry = AgentRegistry()

