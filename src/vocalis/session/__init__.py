"""The session: one conversation between a user and an agent over a pipeline."""

from .run_result import RunEvent, RunResult
from .session import AgentSession

__all__ = ["AgentSession", "RunEvent", "RunResult"]
