"""The A2A protocol as a transport: other agents talk to a Vocalis agent in text (``a2a-sdk``)."""

from .server import A2AServer

__all__ = ["A2AServer"]
