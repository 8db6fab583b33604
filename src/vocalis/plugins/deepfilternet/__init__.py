"""DeepFilterNet3 local noise suppression (``pip install 'vocalis[local]'``)."""

from .denoise import DeepFilterNet, DeepFilterNoiseSuppressor
from .native import DeepFilterNetNotFoundError

__all__ = ["DeepFilterNet", "DeepFilterNetNotFoundError", "DeepFilterNoiseSuppressor"]
