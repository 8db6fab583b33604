"""Realtime speech-to-speech models: the contract and the pipeline adapter."""

from .base import RealtimeBaseModel

__all__ = ["RealtimeBaseModel"]
