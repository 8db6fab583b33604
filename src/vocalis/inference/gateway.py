"""The VideoSDK inference-gateway conventions shared by every ``vocalis.inference`` client.

Owns the auth token lookup (``VIDEOSDK_AUTH_TOKEN``), the default URLs, the WebSocket URL
shape ``{base}/v1/{kind}?provider=..&secret=..&modelId=..[&voiceId=..]``, the connect with a
timeout that turns every transport failure into the caller's error class, and the parsing of
the JSON envelope (``{"type": "event"|"audio"|"error", "data": ...}``) the gateway sends.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from typing import Any
from urllib.parse import urlencode

import aiohttp

TOKEN_ENV = "VIDEOSDK_AUTH_TOKEN"
VIDEOSDK_INFERENCE_URL = "wss://inference-gateway.videosdk.live"
DEFAULT_LLM_HTTP_URL = "https://inference-gateway.videosdk.live"

#: Seconds to wait for the WebSocket upgrade (the reference's Denoise uses ``total=10``).
DEFAULT_CONNECT_TIMEOUT = 10.0

_SECRET_IN_URL = re.compile(r"(secret=)[^&]*")


def resolve_auth_token() -> str:
    """``$VIDEOSDK_AUTH_TOKEN``; every gateway client requires it at construction."""
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise ValueError(
            f"{TOKEN_ENV} is required by the VideoSDK inference gateway clients: set it to your "
            "gateway's token (for `vocalis gateway`, the value given to --token)."
        )
    return token


def ws_url(
    base_url: str,
    kind: str,
    *,
    provider: str,
    secret: str,
    model_id: str,
    voice_id: str | None = None,
) -> str:
    """The gateway WebSocket URL.

    Unlike the reference (which interpolated raw values), values are URL-encoded, so a token or
    model id holding ``&`` or ``=`` cannot corrupt the query; plain values are unchanged.
    """
    params = {"provider": provider, "secret": secret, "modelId": model_id}
    if voice_id is not None:
        params["voiceId"] = voice_id
    return f"{base_url.rstrip('/')}/v1/{kind}?{urlencode(params)}"


def redact(url: str) -> str:
    """``url`` with its ``secret=`` value hidden, for logs and error messages."""
    return _SECRET_IN_URL.sub(r"\1***", url)


async def open_gateway_socket(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout: float,
    error_cls: type[Exception],
    heartbeat: float | None = None,
) -> aiohttp.ClientWebSocketResponse:
    """Connect to ``url``; a refused key, a failed upgrade, a refused connection or a timeout
    becomes ``error_cls`` with a message that never contains the secret."""
    where = redact(url)
    try:
        async with asyncio.timeout(timeout):
            return await session.ws_connect(url, heartbeat=heartbeat, autoping=True)
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status in (401, 403):
            raise error_cls(
                f"inference gateway rejected the token (HTTP {exc.status}) at {where}"
            ) from exc
        raise error_cls(f"inference gateway upgrade failed: HTTP {exc.status} at {where}") from exc
    except TimeoutError as exc:
        raise error_cls(f"inference gateway connect timed out after {timeout:g} s ({where})") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise error_cls(f"inference gateway connection failed ({where}): {exc}") from exc


def config_message(data: Any) -> str:
    """The config envelope, always the first message on a connection."""
    return json.dumps({"type": "config", "data": data})


def parse_envelope(text: str) -> dict[str, Any] | None:
    """A server text frame as a JSON object, or None when it is not one."""
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def error_text(message: dict[str, Any]) -> str:
    """The message of an ``error`` envelope: ``data.error``, else ``data.message``, else a
    top-level ``message``, else the JSON of ``data``."""
    data = message.get("data")
    if isinstance(data, dict):
        for key in ("error", "message"):
            if data.get(key):
                return str(data[key])
    if message.get("message"):
        return str(message["message"])
    if isinstance(data, str) and data:
        return data
    return json.dumps(data)


def event_of(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(eventType, data)`` of an ``event`` envelope."""
    data = message.get("data")
    if not isinstance(data, dict):
        return "", {}
    return str(data.get("eventType") or ""), data
