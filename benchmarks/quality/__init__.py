"""The conversation-quality benchmark's parts: speech, callers per transport, the yardstick,
scoring. ``benchmarks/conversation_quality.py`` runs them; ``tests/quality`` reuses them."""
