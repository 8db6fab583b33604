"""Security for every served endpoint: access tokens, message limits, clear close reasons.

A server binds 127.0.0.1 by default. Bound anywhere else it needs an access token
(``RoomOptions.access_token``) that each connection presents as ``?token=...`` or
``Authorization: Bearer ...``, else it gets HTTP 401. A message that is too big (1009), not
understood (1003), unusable (1007) or against the protocol (1008) closes THAT connection with a
reason; other sessions never notice.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import WSCloseCode, web

from ..text import sanitize_text

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
"""A frame that breaks the WebSocket protocol itself."""
CLOSE_UNSUPPORTED = 1003
"""A message the protocol cannot read (bad JSON, unknown type, wrong frame kind)."""
CLOSE_INVALID_DATA = 1007
"""A message whose data is unusable: text that is not UTF-8, JSON nested too deeply, a field
of the wrong type or out of range."""
CLOSE_POLICY = 1008
"""A message against the rules (unauthorized, out of order, a required field missing)."""
CLOSE_TOO_BIG = 1009
"""A message larger than ``RoomOptions.max_message_bytes``."""
CLOSE_INTERNAL_ERROR = 1011
"""The server failed while handling the connection."""
CLOSE_TRY_LATER = 1013
"""The server is at ``max_sessions``."""

MAX_CLOSE_REASON_BYTES = 123
INVALID_UTF8_REASON = "invalid message: text frames must be UTF-8"

PUBLIC_ROUTE_ATTR = "__vocalis_public__"
"""Set on an aiohttp handler to exempt it from the token middleware (it authenticates itself,
like the telephony endpoint, or serves nothing sensitive, like ``/healthz``)."""


class ProtocolError(Exception):
    """A client message broke the protocol; the connection closes with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def close_reason(text: str) -> bytes:
    """``text`` as a WebSocket close reason (at most 123 bytes of UTF-8)."""
    data = sanitize_text(text).encode("utf-8")
    if len(data) <= MAX_CLOSE_REASON_BYTES:
        return data
    return data[: MAX_CLOSE_REASON_BYTES - 3].decode("utf-8", "ignore").encode() + b"..."


def presented_token(request: web.Request) -> str | None:
    """The token a request carries: ``Authorization: Bearer`` first, then ``?token=``."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query.get("token") or None


def token_matches(presented: str | None, expected: str | None) -> bool:
    """Constant-time comparison; with no expected token everything matches."""
    if expected is None:
        return True
    if presented is None:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def public(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an aiohttp handler as exempt from the token middleware."""
    setattr(handler, PUBLIC_ROUTE_ATTR, True)
    return handler


def access_token_middleware(
    token: str | None,
) -> Callable[[web.Request, Callable[[web.Request], Awaitable[web.StreamResponse]]], Any]:
    """An aiohttp middleware answering 401 to requests without the right token."""

    @web.middleware
    async def middleware(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        route_handler = getattr(request.match_info, "handler", None)
        exempt = getattr(route_handler, PUBLIC_ROUTE_ATTR, False)
        if token is not None and not exempt and not token_matches(presented_token(request), token):
            return unauthorized()
        return await handler(request)

    return middleware


def unauthorized() -> web.Response:
    return web.json_response(
        {"error": "unauthorized: send ?token=... or 'Authorization: Bearer ...'"},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="vocalis"'},
    )


def parse_json_message(text: str, *, allowed: Iterable[str], type_key: str = "type") -> dict[str, Any]:
    """Parse one JSON text message; raise ``ProtocolError`` (1003) when it is not a JSON object
    or its ``type_key`` is not one of ``allowed``."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ProtocolError(CLOSE_UNSUPPORTED, "malformed message: not valid JSON") from None
    except RecursionError:
        raise ProtocolError(CLOSE_INVALID_DATA, "malformed message: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ProtocolError(CLOSE_UNSUPPORTED, "malformed message: expected a JSON object")
    kind = data.get(type_key)
    allowed = tuple(allowed)
    if kind not in allowed:
        raise ProtocolError(
            CLOSE_UNSUPPORTED,
            f"unknown message {type_key} {str(kind)[:40]!r}; expected one of {', '.join(allowed)}",
        )
    return data


class LimitedWebSocketResponse(web.WebSocketResponse):
    """A WebSocket response whose own closes (too big, not UTF-8, broken frames) carry a reason;
    aiohttp sends none."""

    def __init__(self, *, max_msg_size: int, **kwargs: Any) -> None:
        super().__init__(max_msg_size=max_msg_size, **kwargs)
        self.max_message_bytes = max_msg_size

    def reason_for(self, code: int) -> str:
        """The reason sent with a close aiohttp makes on its own, by code."""
        if code == CLOSE_TOO_BIG:
            return f"message too big: the limit is {self.max_message_bytes} bytes"
        if code == CLOSE_INVALID_DATA:
            return INVALID_UTF8_REASON
        if code == CLOSE_PROTOCOL_ERROR:
            return "malformed WebSocket frame"
        return ""

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        if not message:
            message = close_reason(self.reason_for(code))
        return await super().close(code=code, message=message, drain=drain)


class SessionSlots:
    """Counts live connections against ``RoomOptions.max_sessions``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def try_acquire(self) -> bool:
        if self.active >= self.limit:
            return False
        self.active += 1
        return True

    def release(self) -> None:
        self.active = max(0, self.active - 1)
