"""Vocalis: realtime voice AI agents, self-hosted, with local models by default."""

__version__ = "0.1.0"
