"""Deepgram websocket plumbing shared by the STT and TTS clients.

Owns the API-key lookup, URL building, the authenticated websocket connect with a timeout, and
the translation of transport failures (HTTP 401 on upgrade, refused connection, timeout) into
the caller's typed error class.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp

API_KEY_ENV = "DEEPGRAM_API_KEY"

#: Default seconds to wait for the websocket upgrade before giving up.
DEFAULT_CONNECT_TIMEOUT = 10.0


def resolve_api_key(api_key: str | None) -> str:
    """The explicit key, else ``$DEEPGRAM_API_KEY``; a clear ``ValueError`` when neither is set."""
    key = api_key or os.environ.get(API_KEY_ENV)
    if not key:
        raise ValueError(
            "Deepgram API key is required: pass api_key=... or set the "
            f"{API_KEY_ENV} environment variable."
        )
    return key


def query_value(value: Any) -> str:
    """A query-string value as Deepgram expects it: booleans lower-cased."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_url(base_url: str, params: Mapping[str, Any]) -> str:
    """``base_url`` plus the url-encoded ``params`` (None values are left out), in order."""
    pairs = [(k, query_value(v)) for k, v in params.items() if v is not None]
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}{urlencode(pairs)}" if pairs else base_url


async def open_websocket(
    session: aiohttp.ClientSession,
    url: str,
    api_key: str,
    *,
    timeout: float,
    error_cls: type[Exception],
) -> aiohttp.ClientWebSocketResponse:
    """Connect with ``Authorization: Token <key>``; every failure becomes ``error_cls``."""
    headers = {"Authorization": f"Token {api_key}"}
    try:
        async with asyncio.timeout(timeout):
            return await session.ws_connect(url, headers=headers, autoping=True)
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status in (401, 403):
            raise error_cls(
                f"Deepgram rejected the API key (HTTP {exc.status} on websocket upgrade)"
            ) from exc
        raise error_cls(
            f"Deepgram websocket upgrade failed: HTTP {exc.status} {exc.message}"
        ) from exc
    except TimeoutError as exc:
        raise error_cls(f"Deepgram connect timed out after {timeout:g} s ({url})") from exc
    except aiohttp.ClientError as exc:
        raise error_cls(f"Deepgram connection failed: {exc}") from exc


def parse_json_message(data: str) -> dict[str, Any] | None:
    """A server text frame as a JSON object, or None when it is malformed."""
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def describe_error(message: Mapping[str, Any]) -> str:
    """A readable summary of a Deepgram ``Error`` message (fields vary by endpoint)."""
    parts = [
        str(message[k])
        for k in ("code", "err_code", "variant", "description", "message", "err_msg")
        if message.get(k)
    ]
    return "Deepgram error: " + (": ".join(parts) if parts else json.dumps(message))
