"""Serves the browser page (``vocalis/web``: index.html, app.js, style.css) at ``/``.

``/`` returns index.html with the script and style sheet inlined, so that one request carrying
the access token (``/?token=...``) loads the whole page; ``/app.js`` and ``/style.css`` are
also served on their own. Files are package data, sent with ``Cache-Control: no-cache``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

PAGE_PACKAGE = "vocalis.web"
ASSETS = {"/app.js": ("app.js", "text/javascript"), "/style.css": ("style.css", "text/css")}

Handler = Callable[[web.Request], Awaitable[web.Response]]


def read_page_file(name: str) -> str:
    """The text of one page file from the ``vocalis.web`` package."""
    return resources.files(PAGE_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def render_index() -> str:
    """index.html with app.js and style.css inlined."""
    html = read_page_file("index.html")
    style = read_page_file("style.css")
    script = read_page_file("app.js").replace("</script", "<\\/script")
    html = html.replace('<link rel="stylesheet" href="style.css">', f"<style>\n{style}</style>")
    return html.replace('<script src="app.js"></script>', f"<script>\n{script}</script>")


def add_page_routes(app: web.Application) -> None:
    """``GET /`` (the whole page), ``/app.js`` and ``/style.css``."""
    app.router.add_get("/", _respond(render_index, "text/html"))
    for path, (name, content_type) in ASSETS.items():
        app.router.add_get(path, _respond(lambda n=name: read_page_file(n), content_type))


def _respond(render: Callable[[], str], content_type: str) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(
            text=render(),
            content_type=content_type,
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    return handler
