"""Opening a LiveKit gateway WebSocket with every failure mapped to a typed API error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from .errors import APIConnectionError, APITimeoutError, create_api_error_from_http


async def connect_ws(
    session: aiohttp.ClientSession, url: str, headers: dict[str, Any], timeout: float
) -> aiohttp.ClientWebSocketResponse:
    """Connect within ``timeout``: an HTTP error at the handshake becomes ``APIStatusError``
    (429 included), a timeout ``APITimeoutError``, anything else ``APIConnectionError``."""
    try:
        async with asyncio.timeout(timeout):
            return await session.ws_connect(url, headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        raise create_api_error_from_http(
            f"gateway refused the connection: {exc.message}", exc.status) from exc
    except aiohttp.ClientResponseError as exc:
        raise create_api_error_from_http(f"gateway error: {exc.message}", exc.status) from exc
    except TimeoutError as exc:
        raise APITimeoutError(f"gateway connect timed out after {timeout:g} s ({url})") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise APIConnectionError(f"failed to connect to the gateway ({url}): {exc}") from exc


def parse_json(text: str) -> dict[str, Any] | None:
    """A text frame as a JSON object, or None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
