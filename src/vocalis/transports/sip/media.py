"""``CallAudioPort``: the PCM tap on one call's audio inside PJSIP's conference bridge.

PJSIP's media clock (its own thread) hands every 20 ms frame the caller sent to
``onFrameReceived`` and asks ``onFrameRequested`` for the next frame to send. Received frames go
to a callback (the room forwards them to the event loop); frames to send come from a small
thread-safe buffer the room fills from the session's output track. An empty buffer sends
silence; a buffer beyond ``max_buffered`` drops its oldest audio (counted).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable

import pjsua2 as pj

SAMPLE_RATE = 16000
"""The conference bridge's clock: every call is heard and spoken at 16 kHz (G.711 calls are
resampled by PJSIP; G.722 is native)."""

FRAME_BYTES = SAMPLE_RATE // 50 * 2
"""One 20 ms frame of 16-bit mono PCM."""


def _vector_bytes_slow(vector: pj.ByteVector) -> bytes:
    return bytes(vector)


def _vector_bytes_fast(vector: pj.ByteVector) -> bytes:
    """Copy a ``std::vector<unsigned char>`` in one call (SWIG's item-by-item iteration costs
    about 0.5 ms per frame): the vector's first word is its data pointer in the Itanium C++ ABI
    (GCC/Clang), checked once at import by ``_pick_reader``."""
    begin = ctypes.c_void_p.from_address(int(vector.this)).value
    size = vector.size()
    return ctypes.string_at(begin, size) if begin and size else b""


def _pick_reader() -> Callable[[pj.ByteVector], bytes]:
    probe = bytes(range(256)) * 3
    try:
        if _vector_bytes_fast(pj.ByteVector(probe)) == probe:
            return _vector_bytes_fast
    except (ValueError, TypeError, OSError):
        pass
    return _vector_bytes_slow


vector_bytes = _pick_reader()


def _ignore(pcm: bytes) -> None:
    """Where a released port's audio goes."""


class CallAudioPort(pj.AudioMediaPort):
    """A conference-bridge port: ``on_audio(pcm)`` for each received frame (called on PJSIP's
    media thread), ``write(pcm)`` for audio to send."""

    def __init__(self, on_audio: Callable[[bytes], None], *, max_buffered: float = 0.5) -> None:
        super().__init__()
        self._on_audio = on_audio
        self._lock = threading.Lock()
        self._out = bytearray()
        self._max_bytes = int(max_buffered * SAMPLE_RATE) * 2
        self._silence = pj.ByteVector(bytes(FRAME_BYTES))
        self.dropped_bytes = 0
        self.underruns = 0

    def open(self, name: str) -> None:
        """Create the port in the bridge (on the PJSIP thread)."""
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.clockRate = SAMPLE_RATE
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = 20000
        self.createPort(name, fmt)

    # ---- PJSIP media thread ------------------------------------------------------------------

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO:
            pcm = vector_bytes(frame.buf)
            if pcm:
                self._on_audio(pcm)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        with self._lock:
            if len(self._out) >= FRAME_BYTES:
                chunk = bytes(self._out[:FRAME_BYTES])
                del self._out[:FRAME_BYTES]
            else:
                chunk = None
                if self._out:
                    chunk = bytes(self._out).ljust(FRAME_BYTES, b"\0")
                    self._out.clear()
                    self.underruns += 1
        frame.buf = pj.ByteVector(chunk) if chunk is not None else self._silence
        frame.size = FRAME_BYTES

    # ---- event loop --------------------------------------------------------------------------

    def mute(self) -> None:
        """Stop reporting received audio (the call is being released)."""
        self._on_audio = _ignore

    def write(self, pcm: bytes) -> None:
        """Queue 16 kHz PCM to send; beyond ``max_buffered`` the oldest audio is dropped."""
        with self._lock:
            self._out += pcm
            excess = len(self._out) - self._max_bytes
            if excess > 0:
                excess += excess % 2
                del self._out[:excess]
                self.dropped_bytes += excess

    def clear(self) -> None:
        """Drop queued audio (the agent was interrupted)."""
        with self._lock:
            self._out.clear()

    @property
    def buffered_seconds(self) -> float:
        with self._lock:
            return len(self._out) / 2 / SAMPLE_RATE
