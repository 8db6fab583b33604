"""Agent-to-agent delegation: a voice agent hands a question to a specialist and speaks its
answer, in one process or across processes over the A2A protocol (``a2a-sdk``).

    await specialist.register_a2a(AgentCard(id="billing", name="Billing", domain="billing",
                                            capabilities=["invoices"], description="..."),
                                  llm=text_llm)          # answers in its own text conversation
    answer = await voice_agent.a2a.ask("Why was I charged twice?", domain="billing")

``registry.add_remote(url)`` makes any A2A server reachable by ``ask``;
``vocalis.transports.a2a.A2AServer`` serves a Vocalis agent to any A2A client.
"""

from .models import A2AError, A2AMessage, AgentCard
from .protocol import QUERY, RESPONSE, A2AProtocol
from .registry import AgentRegistry, default_registry
from .remote import RemoteAgent

__all__ = [
    "QUERY",
    "RESPONSE",
    "A2AError",
    "A2AMessage",
    "A2AProtocol",
    "AgentCard",
    "AgentRegistry",
    "RemoteAgent",
    "default_registry",
]
