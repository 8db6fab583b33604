"""The thinking stage: LLM replies and the tools they call."""
