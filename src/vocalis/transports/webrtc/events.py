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
``session.send_text``). Anything else gets an ``error`` reply; it never ends the session.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any

from ...utils.tasks import TaskGroup

logger = logging.getLogger("vocalis.transports.webrtc")

NOTICE_EVENT = "notice"
"""Session event forwarded to the page as a ``notice`` message."""

MAX_TEXT_CHARS = 4000
"""Longest typed message accepted from the page."""

_BACKLOG = 256
"""Messages kept while the data channel is not open yet; older ones are dropped."""


def _error_text(error: Any) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


class EventChannel:
    """Bridges one session and one ``RTCDataChannel``.

    Messages sent before the channel opens are queued and flushed on open. ``bind`` takes the
    channel (it is created by the page), ``attach(session)`` subscribes to the session's
    events, ``detach`` unsubscribes.
    """

    def __init__(self) -> None:
        self._channel: Any = None
        self._session: Any = None
        self._backlog: deque[str] = deque(maxlen=_BACKLOG)
        self._handlers: list[tuple[str, Any]] = []
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

    def attach(self, session: Any) -> None:
        """Forward ``session``'s events to the page and its typed text to the session."""
        self.detach()
        self._session = session
        handlers = {
            "user_transcript": lambda data: self.send(
                {
                    "type": "user_transcript",
                    "text": data.get("text", ""),
                    "is_final": bool(data.get("is_final")),
                }
            ),
            "agent_text": lambda data: self.send(
                {"type": "agent_text", "text": data.get("text", "")}
            ),
            "agent_state_changed": lambda data: self.send(
                {"type": "agent_state", "state": data.get("state")}
            ),
            "user_state_changed": lambda data: self.send(
                {"type": "user_state", "state": data.get("state")}
            ),
            "interrupted": lambda *_: self.send({"type": "interrupted"}),
            "error": lambda data: self.send(
                {
                    "type": "error",
                    "source": str(data.get("source", "session")),
                    "message": _error_text(data.get("error", "")),
                }
            ),
            NOTICE_EVENT: lambda data: self.send({"type": "notice", **data}),
        }
        for name, handler in handlers.items():
            session.on(name, handler)
            self._handlers.append((name, handler))
        self.send({"type": "ready"})
        state = getattr(session, "agent_state", None)
        if state is not None:
            self.send({"type": "agent_state", "state": getattr(state, "value", state)})

    def detach(self) -> None:
        session, self._session = self._session, None
        for name, handler in self._handlers:
            if session is not None:
                session.off(name, handler)
        self._handlers.clear()

    # ---- page → session ------------------------------------------------------------------

    def _on_message(self, data: str | bytes) -> None:
        try:
            message = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            self._reject("the message is not JSON")
            return
        if not isinstance(message, dict) or message.get("type") != "text":
            self._reject('unknown message; expected {"type": "text", "text": ...}')
            return
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            self._reject('a text message needs a non-empty "text" string')
            return
        if len(text) > MAX_TEXT_CHARS:
            self._reject(f"text longer than {MAX_TEXT_CHARS} characters")
            return
        if self._session is None:
            self._reject("the agent is not ready yet")
            return
        self._tasks.spawn(self._send_text(text.strip()), name="vocalis.webrtc.send_text")

    async def _send_text(self, text: str) -> None:
        session = self._session
        if session is None:
            return
        try:
            await session.send_text(text)
        except Exception as exc:
            logger.exception("typed text failed")
            self.send({"type": "error", "source": "text", "message": _error_text(exc)})

    def _reject(self, reason: str) -> None:
        self.send({"type": "error", "source": "data_channel", "message": reason})

    async def aclose(self) -> None:
        self.detach()
        await self._tasks.aclose()
