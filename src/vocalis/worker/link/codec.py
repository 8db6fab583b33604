"""The media link's wire format: small binary frames, one call per connection.

Every frame is a 5-byte header (payload length ``uint32`` little-endian, kind ``uint8``) and a
payload:

- ``AUDIO_IN`` (front → worker): ``uint32 rate, float64 arrived_at, float64 sent_at`` then
  s16 mono PCM. ``arrived_at`` is when the transport received the audio, ``sent_at`` when the
  front wrote the frame, both on the front's monotonic clock.
- ``AUDIO_OUT`` (worker → front): ``uint32 rate, uint8 flags, uint32 samples, float64 sent_at``
  then PCM; flag 1 is speech, flag 2 is silence (no PCM on the wire: ``samples`` zeros).
- ``CONTROL`` (both ways): one JSON object with a ``type`` (hello, welcome, clock, attached,
  event, text, interrupt, dtmf, joined, left, close, ping).

A 20 ms frame of 16 kHz input costs 21 bytes of framing over its 640 bytes of audio.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

HEADER = struct.Struct("<IB")
AUDIO_IN_HEAD = struct.Struct("<Idd")
AUDIO_OUT_HEAD = struct.Struct("<IBId")
MAX_FRAME_BYTES = 1 << 20
"""A frame larger than 1 MiB is a protocol error (20 ms of 48 kHz audio is 1920 bytes)."""

SPEECH = 1
SILENCE = 2


class Kind(IntEnum):
    CONTROL = 1
    AUDIO_IN = 2
    AUDIO_OUT = 3


class LinkProtocolError(ValueError):
    """The peer sent something this protocol cannot read."""


@dataclass(slots=True)
class AudioIn:
    pcm: bytes
    rate: int
    arrived_at: float
    sent_at: float


@dataclass(slots=True)
class AudioOut:
    pcm: bytes
    rate: int
    samples: int
    speech: bool
    silence: bool
    sent_at: float


Frame = AudioIn | AudioOut | dict[str, Any]


def encode_control(message: dict[str, Any]) -> bytes:
    payload = json.dumps(message, separators=(",", ":"), default=str).encode()
    return HEADER.pack(len(payload), Kind.CONTROL) + payload


def encode_audio_in(pcm: bytes, rate: int, arrived_at: float, sent_at: float) -> bytes:
    head = AUDIO_IN_HEAD.pack(rate, arrived_at, sent_at)
    return HEADER.pack(len(head) + len(pcm), Kind.AUDIO_IN) + head + pcm


def encode_audio_out(pcm: bytes, rate: int, samples: int, flags: int, sent_at: float) -> bytes:
    body = b"" if flags & SILENCE else pcm
    head = AUDIO_OUT_HEAD.pack(rate, flags, samples, sent_at)
    return HEADER.pack(len(head) + len(body), Kind.AUDIO_OUT) + head + body


def decode(kind: int, payload: bytes) -> Frame:
    """One frame's payload as ``AudioIn``, ``AudioOut`` or a control dict."""
    if kind == Kind.AUDIO_IN:
        if len(payload) < AUDIO_IN_HEAD.size:
            raise LinkProtocolError("short AUDIO_IN frame")
        rate, arrived_at, sent_at = AUDIO_IN_HEAD.unpack_from(payload)
        return AudioIn(payload[AUDIO_IN_HEAD.size:], rate, arrived_at, sent_at)
    if kind == Kind.AUDIO_OUT:
        if len(payload) < AUDIO_OUT_HEAD.size:
            raise LinkProtocolError("short AUDIO_OUT frame")
        rate, flags, samples, sent_at = AUDIO_OUT_HEAD.unpack_from(payload)
        silence = bool(flags & SILENCE)
        pcm = _zeros(samples) if silence else payload[AUDIO_OUT_HEAD.size:]
        return AudioOut(pcm, rate, samples, bool(flags & SPEECH), silence, sent_at)
    if kind == Kind.CONTROL:
        try:
            message = json.loads(payload)
        except ValueError:
            raise LinkProtocolError("malformed CONTROL frame") from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise LinkProtocolError("a CONTROL frame needs a JSON object with a 'type'")
        return message
    raise LinkProtocolError(f"unknown frame kind {kind}")


@lru_cache(maxsize=16)
def _zeros(samples: int) -> bytes:
    return bytes(samples * 2)
