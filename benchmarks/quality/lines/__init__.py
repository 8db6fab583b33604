"""Live lines to a running server, one per transport, each with its real codec.

``open_line(path, base_url, mic, call_id)`` connects, starts sending the microphone in real
time (20 ms frames on the clock) and records the agent's audio and interruption signals.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from ..microphone import Microphone


@contextlib.asynccontextmanager
async def open_line(
    path: str, base_url: str, mic: Microphone, call_id: str, **params: str
) -> AsyncIterator[Any]:
    """A connected line of ``path`` (``ws``, ``twilio`` or ``webrtc``), ready for the caller.
    ``params`` reach the agent as connection metadata (beside ``call_id``)."""
    if path == "ws":
        from .ws import ws_line as opener
    elif path == "twilio":
        from .twilio import twilio_line as opener
    elif path == "webrtc":
        from .webrtc import webrtc_line as opener
    else:
        raise ValueError(f"not a live path: {path!r}")
    async with opener(base_url, mic, {"call_id": call_id, **params}) as line:
        yield line
