"""Voice activity detection: the component contract."""

from .vad import VAD, VADData, VADEventType, VADResponse

__all__ = ["VAD", "VADData", "VADEventType", "VADResponse"]
