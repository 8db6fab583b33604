"""Telephony features above the transports: keypad digits (``DTMFHandler``)."""

from .dtmf import DTMFHandler

__all__ = ["DTMFHandler"]
