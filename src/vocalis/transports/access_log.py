"""The server's access log, in aiohttp's usual format but with access tokens redacted.

Browsers and Twilio pass the token as ``?token=...``; aiohttp's default access log would write
it, in clear, into every request line (and into the Referer of the page's own requests).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

REDACTED = "[redacted]"

_SECRET_PARAM = re.compile(r"(?i)([?&;](?:token|access_token|api_key|key)=)[^&#\s\"]*")


def redact_secrets(text: str) -> str:
    """``text`` (a URL or request line) with the values of token-like query parameters hidden."""
    return _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text)


class RedactedAccessLogger(AbstractAccessLogger):
    """``remote [time] "METHOD path HTTP/x.y" status bytes "referer" "user-agent"``, with
    ``redact_secrets`` applied to the path and the referer."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        version = request.version
        line = f"{request.method} {redact_secrets(request.path_qs)} HTTP/{version.major}.{version.minor}"
        stamp = datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S %z")
        self.logger.info(
            '%s [%s] "%s" %d %d "%s" "%s" %.3fs',
            request.remote or "-",
            stamp,
            line,
            response.status,
            response.body_length,
            redact_secrets(request.headers.get("Referer", "-")),
            request.headers.get("User-Agent", "-"),
            time,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
