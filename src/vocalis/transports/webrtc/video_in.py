"""Browser camera or screen share → session: every decoded frame goes to
``session.push_video`` (the pipeline keeps the latest few while vision is on).

aiortc decodes the browser's VP8/H.264 into ``av.VideoFrame``s; the track is read to its end
even when nobody wants the frames, so its queue never grows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("vocalis.transports.webrtc")


async def pump_video(track: Any, sink: Callable[[Any], None]) -> None:
    """Read ``track`` until it ends, handing each frame to ``sink``."""
    from aiortc.mediastreams import MediaStreamError

    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        try:
            sink(frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("passing a video frame to the session failed")
