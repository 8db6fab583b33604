"""Agent-to-agent delegation: a voice agent hands a question to a specialist and speaks its
answer, in one process or across processes over the A2A protocol (``a2a-sdk``).

    await specialist.register_a2a(AgentCard(id="billing", name="Billing", domain="billing",
                                            capabilities=["invoices"], description="..."),
                                  llm=text_llm)          # answers in its own text conversation
    answer = await voice_agent.a2a.ask("Why was I charged twice?", domain="billing")

``A2AServer`` serves a Vocalis agent to any A2A client (card at the well-known path);
``registry.add_remote(url)`` makes any A2A server reachable by ``ask``.
"""

from .conversation import TextConversation
from .models import A2AError, A2AMessage, AgentCard
from .protocol import QUERY, RESPONSE, A2AProtocol
from .registry import AgentRegistry, default_registry
from .remote import RemoteAgent
from .server import A2AServer

__all__ = [
    "QUERY",
    "RESPONSE",
    "A2AError",
    "A2AMessage",
    "A2AProtocol",
    "A2AServer",
    "AgentCard",
    "AgentRegistry",
    "RemoteAgent",
    "TextConversation",
    "default_registry",
]
