"""Who may use the gateway: the VideoSDK ``?secret=``, a LiveKit Bearer JWT signed with the
gateway token, or the token itself as a Bearer (HTTP LLM clients). Without a token (loopback
only) everyone may."""

from __future__ import annotations

import hmac

import jwt
from aiohttp import web


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def authorized(request: web.Request, token: str | None) -> bool:
    """Whether ``request`` presents the gateway's credentials."""
    if token is None:
        return True
    if _same(request.query.get("secret"), token):
        return True
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return False
    bearer = auth[7:].strip()
    if _same(bearer, token):
        return True
    try:
        claims = jwt.decode(bearer, token, algorithms=["HS256"],
                            options={"require": ["exp"]})
    except jwt.PyJWTError:
        return False
    return (claims.get("inference") or {}).get("perform") is True


def unauthorized() -> web.Response:
    return web.json_response(
        {"error": "unauthorized: present the gateway token (?secret=, or a Bearer token or "
                  "LiveKit JWT signed with it)"}, status=401)
