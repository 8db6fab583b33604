"""How LiveKit's inference clients find and authenticate to the gateway.

Owns the base-URL resolution (argument, ``LIVEKIT_INFERENCE_URL``, staging detection, the
default), the credentials lookup, the per-connection JWT (identity ``agent`` with the
``inference.perform`` grant, 600 s), and the identification headers.
"""

from __future__ import annotations

import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import jwt

try:
    _VOCALIS_VERSION = version("vocalis")
except PackageNotFoundError:  # running from a source tree
    _VOCALIS_VERSION = "0"

DEFAULT_INFERENCE_URL = "https://agent-gateway.livekit.cloud/v1"
STAGING_INFERENCE_URL = "https://agent-gateway.staging.livekit.cloud/v1"
TOKEN_TTL_SECONDS = 600


def get_default_inference_url() -> str:
    """``$LIVEKIT_INFERENCE_URL``, else staging when ``$LIVEKIT_URL`` is a staging project,
    else the production gateway."""
    url = os.environ.get("LIVEKIT_INFERENCE_URL")
    if url:
        return url
    if ".staging.livekit.cloud" in os.environ.get("LIVEKIT_URL", ""):
        return STAGING_INFERENCE_URL
    return DEFAULT_INFERENCE_URL


def ws_base(url: str) -> str:
    """``url`` with its ``http`` scheme turned into ``ws`` (``https`` into ``wss``)."""
    return "ws" + url[4:] if url.startswith("http") else url


def resolve_credentials(
    api_key: str | None, api_secret: str | None, *, required: bool = True
) -> tuple[str | None, str | None]:
    """The key and secret from the arguments or the environment; ``ValueError`` if missing
    and ``required``."""
    key = api_key or os.environ.get("LIVEKIT_INFERENCE_API_KEY") or os.environ.get(
        "LIVEKIT_API_KEY")
    secret = api_secret or os.environ.get("LIVEKIT_INFERENCE_API_SECRET") or os.environ.get(
        "LIVEKIT_API_SECRET")
    if required and not key:
        raise ValueError(
            "api_key is required: pass api_key=... or set LIVEKIT_INFERENCE_API_KEY "
            "(or LIVEKIT_API_KEY)")
    if required and not secret:
        raise ValueError(
            "api_secret is required: pass api_secret=... or set LIVEKIT_INFERENCE_API_SECRET "
            "(or LIVEKIT_API_SECRET)")
    return key, secret


def create_access_token(api_key: str, api_secret: str, ttl: float = TOKEN_TTL_SECONDS) -> str:
    """A LiveKit access token (HS256) for identity ``agent`` with ``inference.perform``."""
    issued = int(time.time())
    claims = {
        "iss": api_key, "sub": "agent", "nbf": issued, "exp": issued + int(ttl),
        "video": {}, "inference": {"perform": True},
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")


def get_inference_headers() -> dict[str, str]:
    """The identification headers sent with every gateway request."""
    headers = {
        "User-Agent": f"Vocalis/{_VOCALIS_VERSION} (python {platform.python_version()})",
    }
    worker_token = os.environ.get("LIVEKIT_WORKER_TOKEN")
    if worker_token:
        headers["X-LiveKit-Worker-Token"] = worker_token
    return headers


def auth_headers(api_key: str | None, api_secret: str | None) -> dict[str, Any]:
    """Bearer JWT (minted now) plus the identification headers; no auth without credentials."""
    headers = get_inference_headers()
    if api_key and api_secret:
        headers["Authorization"] = f"Bearer {create_access_token(api_key, api_secret)}"
    return headers
