"""Realtime speech-to-speech models, adapted to the orchestrator."""
