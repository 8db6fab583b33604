"""Turn-taking: the orchestrator, end of turn, barge-in and its strategies."""
