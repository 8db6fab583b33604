"""The page's data channel: session events out as JSON, typed text in.

Messages to the page (one JSON object per message, ``type`` first):

- ``{"type": "ready"}`` once a session is attached;
- ``{"type": "user_transcript", "text": str, "is_final": bool}`` (interim and final);
- ``{"type": "agent_text", "text": str}``: one sentence of the agent's reply, as it is spoken;
- ``{"type": "agent_state", "state": "listening"|"thinking"|"speaking"|"idle"|...}``;
- ``{"type": "user_state", "state": ...}``, ``{"type": "interrupted"}``;
- ``{"type": "error", "source": str, "message": str}``;
- ``{"type": "notice", "level": "info"|"warning"|"error", "code": str, "message": str,
  "setting": str}``: forwarded from a session event named ``notice`` (for instance "no
  language model is configured", with the exact setting to add in ``setting``).

Messages from the page: ``{"type": "text", "text": str}`` (a typed user message, handed to
``session.send_text``) and ``{"type": "pubsub", "topic", "message"[, "payload"]}`` (for the
agent's ``subscribe_to_pubsub`` callbacks); what the agent publishes arrives as ``{"type":
"pubsub", ...}``. Anything else gets an ``error`` reply; it never ends the session.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from ...utils.tasks import TaskGroup
from ..pubsub import check_client_pubsub
from ..text_input import DEFAULT_MAX_TEXT_CHARS, TextRejected, accept_typed_text

logger = logging.getLogger("vocalis.transports.webrtc")

NOTICE_EVENT = "notice"
"""Session event forwarded to the page as a ``notice`` message."""

_BACKLOG = 256
"""Messages kept while the data channel is not open yet; older ones are dropped."""


def _error_text(error: Any) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


class EventChannel:
    """Bridges one session and one ``RTCDataChannel``.

    Messages sent before the channel opens are queued and flushed on open. ``bind`` takes the
    channel (the page creates it), ``forward`` turns a session event into its message,
    ``set_session`` routes the page's typed text to that session; text longer than
    ``max_text_chars`` is refused with an ``error`` message.
    """

    def __init__(
        self,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        on_pubsub: Callable[[str, str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.max_text_chars = max_text_chars
        self._on_pubsub = on_pubsub
        self._channel: Any = None
        self._session: Any = None
        self._backlog: deque[str] = deque(maxlen=_BACKLOG)
        self._tasks = TaskGroup("vocalis.webrtc.events")

    # ---- channel -------------------------------------------------------------------------

    def bind(self, channel: Any) -> None:
        """Use ``channel`` (an aiortc ``RTCDataChannel``) for this peer."""
        self._channel = channel
        channel.on("open", self._flush)
        channel.on("message", self._on_message)
        if channel.readyState == "open":
            self._flush()

    def send(self, message: dict[str, Any]) -> None:
        """Send ``message`` now, or as soon as the channel opens."""
        data = json.dumps(message, ensure_ascii=False, default=str)
        channel = self._channel
        if channel is not None and channel.readyState == "open":
            self._send_raw(data)
        else:
            self._backlog.append(data)

    def _send_raw(self, data: str) -> None:
        try:
            self._channel.send(data)
        except Exception:
            logger.warning("could not send an event to the page", exc_info=True)

    def _flush(self) -> None:
        while self._backlog and self._channel is not None and self._channel.readyState == "open":
            self._send_raw(self._backlog.popleft())

    # ---- session -------------------------------------------------------------------------

    def set_session(self, session: Any) -> None:
        """Hand typed text to ``session`` from now on; tell the page the agent is ready."""
        self._session = session
        self.send({"type": "ready"})
        state = getattr(session, "agent_state", None)
        if state is not None:
            self.send({"type": "agent_state", "state": getattr(state, "value", state)})

    def forward(self, name: str, data: Any) -> None:
        """Send the page the message for session event ``name`` (unknown events are ignored)."""
        data = data if isinstance(data, dict) else {}
        message = _message_for(name, data)
        if message is not None:
            self.send(message)

    # ---- page → session ------------------------------------------------------------------

    def _on_message(self, data: str | bytes) -> None:
        try:
            message = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            self._reject("the message is not JSON (or nested too deeply)")
            return
        if isinstance(message, dict) and message.get("type") == "pubsub":
            self._pubsub_from_page(message)
            return
        if not isinstance(message, dict) or message.get("type") != "text":
            self._reject('unknown message; expected {"type": "text", "text": ...}')
            return
        text = message.get("text")
        if not isinstance(text, str):
            self._reject('a text message needs a non-empty "text" string')
            return
        try:
            text = accept_typed_text(text, self.max_text_chars)
        except TextRejected as exc:
            self._reject(exc.reason)
            return
        if self._session is None:
            self._reject("the agent is not ready yet")
            return
        self._tasks.spawn(self._send_text(text), name="vocalis.webrtc.send_text")

    async def _send_text(self, text: str) -> None:
        session = self._session
        if session is None:
            return
        try:
            await session.send_text(text)
        except Exception as exc:
            logger.exception("typed text failed")
            self.send({"type": "error", "source": "text", "message": _error_text(exc)})

    def _pubsub_from_page(self, message: dict[str, Any]) -> None:
        checked = check_client_pubsub(message)
        if isinstance(checked, str):
            self._reject(checked)
        elif self._on_pubsub is not None:
            self._on_pubsub(*checked)

    def _reject(self, reason: str) -> None:
        self.send({"type": "error", "source": "data_channel", "message": reason})

    async def aclose(self) -> None:
        self._session = None
        await self._tasks.aclose()


def _message_for(name: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if name == "user_transcript":
        text, final = data.get("text", ""), bool(data.get("is_final"))
        return {"type": "user_transcript", "text": text, "is_final": final}
    if name == "agent_text":
        return {"type": "agent_text", "text": data.get("text", "")}
    if name in ("agent_state_changed", "user_state_changed"):
        return {"type": name.removesuffix("_changed"), "state": data.get("state")}
    if name == "interrupted":
        return {"type": "interrupted"}
    if name == "error":
        source = str(data.get("source", "session"))
        return {"type": "error", "source": source, "message": _error_text(data.get("error", ""))}
    if name == NOTICE_EVENT:
        return {"type": "notice", **data}
    return None
