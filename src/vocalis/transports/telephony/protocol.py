"""Twilio Media Streams messages (bidirectional ``<Connect><Stream>``), parsed and built.

From the caller: ``connected``, ``start`` (``streamSid``, ``callSid``, ``customParameters``,
``mediaFormat`` audio/x-mulaw 8000 Hz mono), ``media`` (base64 mu-law payload), ``mark`` (a
mark we sent was played), ``dtmf`` (``{"digit"}``), ``stop``.
To the caller: ``media`` (base64 mu-law with ``streamSid``), ``mark`` (after agent audio, so
its playback position is known) and ``clear`` (barge-in: drop the audio buffered for playback).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from ...text import sanitize_text
from ..security import (
    CLOSE_INVALID_DATA,
    CLOSE_POLICY,
    CLOSE_UNSUPPORTED,
    ProtocolError,
    parse_json_message,
)

SAMPLE_RATE = 8000
ENCODING = "audio/x-mulaw"
CALLER_EVENTS = ("connected", "start", "media", "mark", "dtmf", "stop")
DTMF_DIGITS = frozenset("0123456789*#ABCD")


@dataclass(frozen=True)
class StreamStart:
    """The ``start`` message: who is calling and in what format."""

    stream_sid: str
    call_sid: str = ""
    account_sid: str = ""
    custom_parameters: dict[str, str] = field(default_factory=dict)


def parse_event(text: str) -> dict[str, Any]:
    """One caller message, with its ``event`` checked; raises ``ProtocolError``."""
    return parse_json_message(text, allowed=CALLER_EVENTS, type_key="event")


def parse_start(message: dict[str, Any]) -> StreamStart:
    start = message.get("start")
    if not isinstance(start, dict):
        raise ProtocolError(CLOSE_POLICY, "'start' message without a 'start' object")
    stream_sid = start.get("streamSid") or message.get("streamSid")
    if not isinstance(stream_sid, str) or not stream_sid:
        raise ProtocolError(CLOSE_POLICY, "'start' message without a streamSid")
    media_format = start.get("mediaFormat", {})
    if not isinstance(media_format, dict):
        raise ProtocolError(CLOSE_INVALID_DATA, "start.mediaFormat must be an object")
    encoding = media_format.get("encoding", ENCODING)
    if not isinstance(encoding, str):
        raise ProtocolError(CLOSE_INVALID_DATA, "start.mediaFormat.encoding must be a string")
    rate = _sample_rate(media_format.get("sampleRate", SAMPLE_RATE))
    if encoding != ENCODING or rate != SAMPLE_RATE:
        raise ProtocolError(
            CLOSE_UNSUPPORTED, f"unsupported media format {encoding} {rate} Hz; need {ENCODING} 8000"
        )
    params = start.get("customParameters") or {}
    if not isinstance(params, dict):
        raise ProtocolError(CLOSE_INVALID_DATA, "'customParameters' must be an object")
    return StreamStart(
        stream_sid=sanitize_text(stream_sid),
        call_sid=sanitize_text(str(start.get("callSid", ""))),
        account_sid=sanitize_text(str(start.get("accountSid", ""))),
        custom_parameters={sanitize_text(str(k)): sanitize_text(str(v)) for k, v in params.items()},
    )


def _sample_rate(value: Any) -> int:
    """``sampleRate`` as an int (a number or a string of digits); anything else is refused."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ProtocolError(
        CLOSE_INVALID_DATA, f"start.mediaFormat.sampleRate must be an integer, got {value!r:.20}"
    )


def media_payload(message: dict[str, Any]) -> tuple[str, bytes]:
    """``(track, mu-law bytes)`` of a ``media`` message."""
    media = message.get("media")
    if not isinstance(media, dict) or not isinstance(media.get("payload"), str):
        raise ProtocolError(CLOSE_POLICY, "'media' message without a media.payload string")
    try:
        data = base64.b64decode(media["payload"], validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(CLOSE_UNSUPPORTED, "media.payload is not valid base64") from None
    return str(media.get("track", "inbound")), data


def dtmf_digit(message: dict[str, Any]) -> str:
    dtmf = message.get("dtmf")
    digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
    if not isinstance(digit, str) or not digit:
        raise ProtocolError(CLOSE_POLICY, "'dtmf' message without dtmf.digit")
    if digit not in DTMF_DIGITS:
        raise ProtocolError(CLOSE_INVALID_DATA, "dtmf.digit must be one of 0-9 * # A-D")
    return digit


def mark_name(message: dict[str, Any]) -> str:
    mark = message.get("mark")
    return str(mark.get("name", "")) if isinstance(mark, dict) else ""


def media_message(stream_sid: str, mulaw: bytes) -> str:
    payload = base64.b64encode(mulaw).decode("ascii")
    return _dump({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def mark_message(stream_sid: str, name: str) -> str:
    return _dump({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    return _dump({"event": "clear", "streamSid": stream_sid})


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))
