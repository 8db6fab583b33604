"""The end-of-utterance contract: how likely the user has finished, judged from the text."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Literal

from ..llm.chat_context import ChatContext
from ..llm.items import ChatRole
from ..utils.events import EventEmitter

logger = logging.getLogger("vocalis.eou")


class EOU(EventEmitter[Literal["error"]], ABC):
    """Base class of turn detectors; ``threshold`` (default 0.7) splits done from not done."""

    def __init__(self, threshold: float = 0.7) -> None:
        super().__init__()
        self._threshold = threshold
        self._prewarmed = False

    @property
    def label(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}"

    @property
    def threshold(self) -> float:
        return self._threshold

    def set_threshold(self, threshold: float) -> None:
        self._threshold = threshold

    @abstractmethod
    def get_eou_probability(self, chat_context: ChatContext) -> float:
        """Probability in 0..1 that the last user message ends the user's turn."""

    def detect_end_of_utterance(
        self, chat_context: ChatContext, threshold: float | None = None
    ) -> bool:
        return self.get_eou_probability(chat_context) >= (threshold or self._threshold)

    async def prewarm(self) -> None:
        """Run one inference off the loop so the first real one is fast; idempotent."""
        if self._prewarmed:
            return
        ctx = ChatContext()
        ctx.add_message(ChatRole.USER, "hello")
        try:
            await asyncio.to_thread(self.get_eou_probability, ctx)
            self._prewarmed = True
        except Exception:
            logger.debug("EOU prewarm failed", exc_info=True)

    async def aclose(self) -> None:
        """Release the model; no-op by default. (Unlike the reference, no ``gc.collect()``: a full
        collection stalls every other session on the loop.)"""
