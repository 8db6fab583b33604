"""File mode: an audio file in, the agent's audio (WAV) and a transcript (JSON) out.
``vocalis run AGENT_FILE --input in.wav --output out.wav --transcript t.json``."""

from .room import FileRoom, FileRunResult, load_input

__all__ = ["FileRoom", "FileRunResult", "load_input"]
