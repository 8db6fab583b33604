"""Loading an AGENT_FILE (the loader lives in ``vocalis.job.agent_file``, where pooled worker
processes use it too)."""

from ..job.agent_file import AgentFile, AgentFileError, load_agent_file

__all__ = ["AgentFile", "AgentFileError", "load_agent_file"]
