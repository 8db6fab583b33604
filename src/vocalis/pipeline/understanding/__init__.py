"""The understanding stage: user audio through per-consumer input stages to VAD and STT."""
