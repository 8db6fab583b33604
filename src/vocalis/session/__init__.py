"""The session: one conversation between a user and an agent over a pipeline."""

from .run_result import RunEvent, RunResult
from .session import AgentSession
from .text_conversation import TextConversation

__all__ = ["AgentSession", "RunEvent", "RunResult", "TextConversation"]
