"""End-of-utterance (semantic turn) detection: the component contract."""

from .eou import EOU

__all__ = ["EOU"]
