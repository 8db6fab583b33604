"""The agent: instructions, tools, and lifecycle hooks."""

from .agent import BASE_VOICE_INSTRUCTIONS, Agent, ToolList

__all__ = ["BASE_VOICE_INSTRUCTIONS", "Agent", "ToolList"]
