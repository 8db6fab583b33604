"""The speaking stage: the agent's utterances, their speech and their audio sinks."""
