"""The raw-PCM WebSocket protocol (the reference's ``WEBSOCKET`` transport, port 8080, ``/ws``).

Connect: ``ws://HOST:8080/ws?sample_rate=16000&output_sample_rate=24000[&token=...]``.
``sample_rate`` is the rate of the PCM the client sends (default 16000),
``output_sample_rate`` the rate it wants back (default 24000, the agent's native rate); both
in 8000..48000. Other query parameters reach the job as ``ctx.metadata``.

Client → server:
- binary frames: 16-bit little-endian mono PCM at ``sample_rate`` (any length, even bytes);
- ``{"type": "text", "text": "..."}``: a typed user turn (at most ``max_text_chars``, 4000 by
  default; a longer or empty one gets an ``error`` message and the call goes on);
- ``{"type": "interrupt"}``: stop the agent now;
- ``{"type": "dtmf", "digit": "5"}``: a keypad digit;
- ``{"type": "pubsub", "topic", "message"[, "payload"]}``: a PubSub message for the agent's
  ``subscribe_to_pubsub`` callbacks.

Server → client:
- binary frames: the agent's voice, 16-bit mono PCM at ``output_sample_rate``, in paced 20 ms
  frames (silence is not sent);
- ``{"type": "ready", "room_id", "sample_rate", "output_sample_rate"}`` once the session runs;
- ``{"type": "transcript", "role": "user"|"agent", "text", "is_final"}``;
- ``{"type": "agent_state", "state"}`` and ``{"type": "user_state", "state"}``;
- ``{"type": "interrupt"}``: the agent was interrupted, flush your playback buffer;
- ``{"type": "error", "source", "message"}``;
- ``{"type": "pubsub", "topic", "message", "payload", "id", "senderId", "senderName",
  "timestamp"}``: what the agent published with ``publish_to_pubsub``.

Errors close the connection: 1003 (bad JSON, unknown type, odd-length PCM), 1007 (JSON nested
too deeply), 1008 (missing field; no audio or message for ``media_timeout_seconds``), 1009
(message above ``max_message_bytes``), with a reason saying what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..pubsub import check_client_pubsub
from ..security import CLOSE_POLICY, CLOSE_UNSUPPORTED, ProtocolError, parse_json_message
from ..text_input import DEFAULT_MAX_TEXT_CHARS, accept_typed_text

DEFAULT_INPUT_RATE = 16000
DEFAULT_OUTPUT_RATE = 24000
MIN_RATE = 8000
MAX_RATE = 48000
CLIENT_MESSAGE_TYPES = ("text", "interrupt", "dtmf", "pubsub")
DTMF_DIGITS = frozenset("0123456789*#ABCD")


@dataclass(frozen=True)
class ClientMessage:
    """A parsed JSON message from the client."""

    type: str
    text: str = ""
    digit: str = ""
    topic: str = ""
    payload: dict[str, Any] | None = None


def parse_rate(value: str | None, default: int, name: str) -> int:
    """A sample-rate query parameter; ValueError with a clear message when invalid."""
    if value is None or value == "":
        return default
    try:
        rate = int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"{name} must be in {MIN_RATE}..{MAX_RATE}, got {rate}")
    return rate


def parse_client_message(
    text: str, *, max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
) -> ClientMessage:
    """Parse a client text frame; ``ProtocolError`` closes the connection, ``TextRejected``
    (typed text that is empty or too long) only refuses that message."""
    data = parse_json_message(text, allowed=CLIENT_MESSAGE_TYPES)
    kind = data["type"]
    if kind == "text":
        value = data.get("text")
        if not isinstance(value, str):
            raise ProtocolError(CLOSE_POLICY, "a 'text' message needs a string 'text' field")
        return ClientMessage("text", text=accept_typed_text(value, max_text_chars))
    if kind == "dtmf":
        digit = str(data.get("digit", ""))
        if digit not in DTMF_DIGITS:
            raise ProtocolError(CLOSE_POLICY, "a 'dtmf' message needs 'digit' in 0-9 * # A-D")
        return ClientMessage("dtmf", digit=digit)
    if kind == "pubsub":
        checked = check_client_pubsub(data)
        if isinstance(checked, str):
            raise ProtocolError(CLOSE_POLICY, checked)
        topic, message, payload = checked
        return ClientMessage("pubsub", text=message, topic=topic, payload=payload)
    return ClientMessage("interrupt")


def check_pcm_frame(data: bytes) -> None:
    if len(data) % 2:
        raise ProtocolError(
            CLOSE_UNSUPPORTED, "binary frames must be 16-bit PCM (an even number of bytes)"
        )


def event_message(name: str, payload: Any) -> dict[str, Any] | None:
    """The client message for a session event, or None when the protocol has none."""
    payload = payload if isinstance(payload, dict) else {}
    if name == "user_transcript":
        return {
            "type": "transcript", "role": "user",
            "text": payload.get("text", ""), "is_final": bool(payload.get("is_final", True)),
        }
    if name == "agent_text":
        return {"type": "transcript", "role": "agent", "text": payload.get("text", ""),
                "is_final": True}
    if name == "agent_state_changed":
        return {"type": "agent_state", "state": payload.get("state")}
    if name == "user_state_changed":
        return {"type": "user_state", "state": payload.get("state")}
    if name == "interrupted":
        return {"type": "interrupt"}
    if name == "error":
        return error_message(str(payload.get("source", "")), str(payload.get("error", "")))
    return None


def error_message(source: str, message: str) -> dict[str, Any]:
    """The ``error`` message to the client."""
    return {"type": "error", "source": source, "message": message}
