"""The marker between LLM steps in a reply's text stream (tools run between two steps)."""

from __future__ import annotations


class StepEnd:
    """Marker in a reply's text stream: the LLM step ended (tools run next); flush sentences."""

    __slots__ = ()


STEP_END = StepEnd()
