"""Video for the agent: the latest frames from the transport, and frames as images in a reply.

``RecentFrames`` keeps the last ``MAX_FRAMES`` video frames a transport delivered (the
reference's ring buffer of 5). ``frames_message`` turns frames given to ``reply(frames=...)``
into a user message of JPEG images (encoded once, with ``EncodeOptions``), which a vision LLM
sees beside the reply's instructions; the message is kept in the history, as compact data URLs.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from ..llm.images import EncodeOptions
from ..llm.items import ChatMessage, ChatRole, ImageContent

logger = logging.getLogger("vocalis.pipeline.vision")

MAX_FRAMES = 5


class RecentFrames:
    """The last ``MAX_FRAMES`` frames; ``enabled`` is the reference's ``vision`` switch."""

    def __init__(self) -> None:
        self.enabled = False
        self._frames: deque[Any] = deque(maxlen=MAX_FRAMES)
        self.received = 0

    def push(self, frame: Any) -> None:
        if self.enabled:
            self._frames.append(frame)
            self.received += 1

    def latest(self, count: int = 1) -> list[Any]:
        """Up to ``count`` (clamped to 1..5) frames, oldest first; [] with a warning when
        vision is off."""
        if not self.enabled:
            logger.warning("get_latest_frames: vision is off (RoomOptions(vision=True) turns "
                           "it on; the web page's camera or screen share sends the video)")
            return []
        count = max(1, min(MAX_FRAMES, int(count)))
        return list(self._frames)[-count:]

    def clear(self) -> None:
        self._frames.clear()


def frames_message(
    frames: list[Any], options: EncodeOptions | None = None, agent_id: str | None = None
) -> ChatMessage:
    """A user message holding ``frames`` as images (data URLs), for the next LLM request."""
    options = options or EncodeOptions()
    images = [ImageContent(image=ImageContent(image=frame, encode_options=options).to_data_url(),
                           encode_options=options)
              for frame in frames]
    return ChatMessage(role=ChatRole.USER, content=list(images), agent_id=agent_id)
