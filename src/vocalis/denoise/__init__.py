"""Noise suppression: the component contract."""

from .denoise import Denoise

__all__ = ["Denoise"]
