"""Serves the browser page (``vocalis/web``: index.html, app.js, style.css) at ``/``.

``/`` returns index.html with the script and style sheet inlined, so that one request carrying
the access token (``/?token=...``) loads the whole page; ``/app.js`` and ``/style.css`` are
also served on their own. Files are package data, sent with ``Cache-Control: no-cache``.

The page carries a strict ``Content-Security-Policy``: only the inlined script and style, by
their SHA-256 hashes, and requests to this origin; it may not be framed (``frame-ancestors``
and ``X-Frame-Options``) and sends no ``Referer`` (which would carry the token).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

PAGE_PACKAGE = "vocalis.web"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSETS = {"/app.js": ("app.js", "text/javascript"), "/style.css": ("style.css", "text/css")}

Handler = Callable[[web.Request], Awaitable[web.Response]]


def read_page_file(name: str) -> str:
    """The text of one page file from the ``vocalis.web`` package."""
    return resources.files(PAGE_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def render_page() -> tuple[str, str]:
    """``(html, content_security_policy)``: index.html with app.js and style.css inlined, and
    the policy that allows exactly those."""
    html = read_page_file("index.html")
    style = f"\n{read_page_file('style.css')}"
    script = "\n" + read_page_file("app.js").replace("</script", "<\\/script")
    html = html.replace('<link rel="stylesheet" href="style.css">', f"<style>{style}</style>")
    html = html.replace('<script src="app.js"></script>', f"<script>{script}</script>")
    policy = "; ".join([
        "default-src 'none'",
        f"script-src '{_sha256(script)}'",
        f"style-src '{_sha256(style)}'",
        "connect-src 'self'",
        "media-src 'self' blob: mediastream:",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])
    return html, policy


def _sha256(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def add_page_routes(app: web.Application) -> None:
    """``GET /`` (the whole page), ``/app.js`` and ``/style.css``."""
    app.router.add_get("/", _index)
    for path, (name, content_type) in ASSETS.items():
        app.router.add_get(path, _respond(lambda n=name: read_page_file(n), content_type))


async def _index(_: web.Request) -> web.Response:
    html, policy = render_page()
    return web.Response(
        text=html,
        content_type="text/html",
        charset="utf-8",
        headers={**PAGE_HEADERS, "Content-Security-Policy": policy},
    )


def _respond(render: Callable[[], str], content_type: str) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(
            text=render(), content_type=content_type, charset="utf-8", headers=PAGE_HEADERS
        )

    return handler
