"""Checks of wire messages against the message models shipped in deepgram-sdk.

Client → server messages are validated against the SDK's request models (listen v1
KeepAlive/Finalize/CloseStream, listen v2 CloseStream/ForceEndTurn, speak v1
Speak/Flush/Clear/Close); the fake's server → client messages against its response models, so
the fake is known to speak the real shapes. The SDK has no model for the speak ``Error``
message; it is checked against the documented shape (``type`` plus ``description``).
"""

from __future__ import annotations

import typing
from typing import Any

try:
    from deepgram.listen.v1.types import (
        ListenV1CloseStream,
        ListenV1Error,
        ListenV1Finalize,
        ListenV1KeepAlive,
        ListenV1Metadata,
        ListenV1Results,
        ListenV1SpeechStarted,
        ListenV1UtteranceEnd,
    )
    from deepgram.listen.v2.types import (
        ListenV2CloseStream,
        ListenV2Connected,
        ListenV2FatalError,
        ListenV2ForceEndTurn,
        ListenV2TurnInfo,
    )
    from deepgram.speak.v1.types import (
        SpeakV1Clear,
        SpeakV1Cleared,
        SpeakV1Close,
        SpeakV1Flush,
        SpeakV1Flushed,
        SpeakV1Metadata,
        SpeakV1Text,
        SpeakV1Warning,
    )
except ImportError:  # deepgram-sdk not installed: check the documented shapes only
    HAVE_SDK = False
else:
    HAVE_SDK = True

#: Documented client message fields, used when deepgram-sdk is not installed.
DOCUMENTED_CLIENT_FIELDS: dict[str, dict[str, set[str]]] = {
    "/v1/listen": {"KeepAlive": {"type"}, "Finalize": {"type"}, "CloseStream": {"type"}},
    "/v2/listen": {"CloseStream": {"type"}, "ForceEndTurn": {"type"}},
    "/v1/speak": {
        "Speak": {"type", "text"},
        "Flush": {"type"},
        "Clear": {"type"},
        "Close": {"type"},
    },
}

CLIENT_MODELS: dict[str, dict[str, Any]] = (
    {}
    if not HAVE_SDK
    else {
        "/v1/listen": {
            "KeepAlive": ListenV1KeepAlive,
            "Finalize": ListenV1Finalize,
            "CloseStream": ListenV1CloseStream,
        },
        "/v2/listen": {"CloseStream": ListenV2CloseStream, "ForceEndTurn": ListenV2ForceEndTurn},
        "/v1/speak": {
            "Speak": SpeakV1Text,
            "Flush": SpeakV1Flush,
            "Clear": SpeakV1Clear,
            "Close": SpeakV1Close,
        },
    }
)

SERVER_MODELS: dict[str, dict[str, Any]] = (
    {}
    if not HAVE_SDK
    else {
        "/v1/listen": {
            "Results": ListenV1Results,
            "Metadata": ListenV1Metadata,
            "SpeechStarted": ListenV1SpeechStarted,
            "UtteranceEnd": ListenV1UtteranceEnd,
            "Error": ListenV1Error,
        },
        "/v2/listen": {
            "TurnInfo": ListenV2TurnInfo,
            "Connected": ListenV2Connected,
            "Error": ListenV2FatalError,
        },
        "/v1/speak": {
            "Metadata": SpeakV1Metadata,
            "Flushed": SpeakV1Flushed,
            "Cleared": SpeakV1Cleared,
            "Warning": SpeakV1Warning,
        },
    }
)


def _literal_values(annotation: Any) -> set[str]:
    values: set[str] = set()
    for arg in typing.get_args(annotation) or ():
        values |= _literal_values(arg)
    if typing.get_origin(annotation) is typing.Literal:
        values |= set(typing.get_args(annotation))
    return values


def check(models: dict[str, Any], message: dict[str, Any], *, allow_extra: bool = False) -> None:
    kind = message.get("type")
    assert kind in models, f"message type {kind!r} is not in the SDK's protocol: {message}"
    model = models[kind]
    parsed = model.model_validate(message)
    literals = _literal_values(model.model_fields["type"].annotation)
    assert kind in literals, f"{kind!r} is not a {model.__name__} type ({literals})"
    if not allow_extra:
        assert not parsed.model_extra, f"fields unknown to {model.__name__}: {parsed.model_extra}"


def check_client_messages(path: str, messages: list[dict[str, Any]]) -> None:
    """Every message the client sent on ``path`` matches an SDK request model exactly."""
    for message in messages:
        if not HAVE_SDK:
            fields = DOCUMENTED_CLIENT_FIELDS[path][message["type"]]
            assert set(message) == fields, message
            continue
        check(CLIENT_MODELS[path], message)


def check_server_messages(path: str, messages: list[dict[str, Any]]) -> None:
    """Every JSON message the fake sent on ``path`` parses with the SDK response models."""
    for message in messages:
        if path == "/v1/speak" and message.get("type") == "Error":
            assert isinstance(message.get("description"), str)
            continue
        if HAVE_SDK:
            check(SERVER_MODELS[path], message, allow_extra=True)
