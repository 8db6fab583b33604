"""PubSub on our own transports: the reference's room PubSub, carried by the page's data
channel and the raw-PCM WebSocket.

``await ctx.room.publish_to_pubsub(PubSubPublishConfig(topic="CHAT", message="hi"))`` sends
``{"type": "pubsub", "topic", "message", "payload", "id", "senderId", "senderName",
"timestamp"}`` to the client; a client sending ``{"type": "pubsub", "topic", "message"[,
"payload"]}`` reaches the callbacks of ``subscribe_to_pubsub(PubSubSubscribeConfig(topic, cb))``
with the same dict (the reference's message shape). ``"DTMF_EVENT"`` messages whose payload has
``"number"`` are keypad digits, as from the reference's SIP gateway.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger("vocalis.transports.pubsub")

DTMF_TOPIC = "DTMF_EVENT"
MAX_TOPIC_CHARS = 100
MAX_MESSAGE_CHARS = 4000


@dataclass
class PubSubPublishConfig:
    """A message to publish on ``topic`` (``options`` is accepted; nothing is persisted)."""

    topic: str
    message: str
    options: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] | None = None


@dataclass
class PubSubSubscribeConfig:
    """Call ``cb(message)`` (sync or async) for each message the client sends on ``topic``."""

    topic: str
    cb: Callable[[dict[str, Any]], Any]


def pubsub_message(
    topic: str, message: str, payload: dict[str, Any] | None, *, sender_id: str, sender_name: str
) -> dict[str, Any]:
    """The message dict subscribers and clients receive."""
    return {
        "id": uuid.uuid4().hex,
        "topic": topic,
        "message": message,
        "payload": dict(payload or {}),
        "senderId": sender_id,
        "senderName": sender_name,
        "timestamp": datetime.now(UTC).isoformat(),
    }


def check_client_pubsub(data: dict[str, Any]) -> tuple[str, str, dict[str, Any]] | str:
    """``(topic, message, payload)`` of a client's pubsub message, or why it is invalid."""
    topic, message, payload = data.get("topic"), data.get("message", ""), data.get("payload")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC_CHARS:
        return f"a pubsub message needs a 'topic' string of 1..{MAX_TOPIC_CHARS} characters"
    if not isinstance(message, str) or len(message) > MAX_MESSAGE_CHARS:
        return f"'message' must be a string of at most {MAX_MESSAGE_CHARS} characters"
    if payload is not None and not isinstance(payload, dict):
        return "'payload' must be a JSON object"
    return topic, message, dict(payload or {})


class PubSubTopics:
    """The subscriptions of one connection."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callable[[dict[str, Any]], Any]]] = {}

    def subscribe(self, topic: str, callback: Callable[[dict[str, Any]], Any]) -> None:
        callbacks = self._callbacks.setdefault(topic, [])
        if callback not in callbacks:
            callbacks.append(callback)

    def unsubscribe(self, topic: str, callback: Callable[[dict[str, Any]], Any]) -> None:
        callbacks = self._callbacks.get(topic, [])
        if callback in callbacks:
            callbacks.remove(callback)

    def callbacks(self, topic: str) -> list[Callable[[dict[str, Any]], Any]]:
        return list(self._callbacks.get(topic, ()))


async def deliver(callback: Callable[[dict[str, Any]], Any], message: dict[str, Any]) -> None:
    """Run one subscriber (sync or async); its failure is logged, never raised."""
    try:
        result = callback(message)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("pubsub subscriber for %r failed", message.get("topic"))
