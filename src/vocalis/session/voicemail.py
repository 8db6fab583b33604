"""Voicemail detection for outbound calls: did a person answer, or an answering machine?

``VoiceMailDetector(llm, callback, duration=2.0)`` (the reference's API) asks the LLM to
classify what the callee said during the first ``duration`` seconds after they first spoke.
The session runs the check once per call, publishes ``voicemail_result``
(``{"is_voicemail": bool}``) and calls ``callback`` (sync or async) when it is a voicemail,
typically to leave a message and hang up.

Vocalis adds a fast audio signal (``beep_detection=True``): a ``BeepDetector`` listens to the
callee, every tone is a ``voicemail_beep`` event, a beep heard before the LLM has decided
settles the check as a voicemail at once, and ``await session.wait_for_beep()`` lets the
callback speak after the tone.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

from ..llm.chat_context import ChatContext
from ..llm.items import ChatRole
from ..telephony.beep import Beep, BeepDetector

logger = logging.getLogger("vocalis.session.voicemail")


class VoiceMailDetector:
    """Classifies the start of an outbound call with an LLM (see the module docstring)."""

    SYSTEM_PROMPT = (
        "You are a voicemail detection classifier for an OUTBOUND calling system. A bot has "
        "called a phone number and you need to determine if a human answered or if the call "
        "went to voicemail based on the provided text. Answer in one word yes or no."
    )

    def __init__(
        self,
        llm: Any,
        callback: Callable[[], Any],
        duration: float = 2.0,
        custom_prompt: str | None = None,
        *,
        beep_detection: bool = True,
    ) -> None:
        if duration <= 0:
            raise ValueError("duration must be > 0")
        self.llm = llm
        self.callback = callback
        self.duration = duration
        self.CUSTOM_PROMPT = custom_prompt
        self.beep_detection = beep_detection

    async def detect(self, transcript: str) -> bool:
        """Whether ``transcript`` sounds like a voicemail greeting (False on any failure).

        The reference tested ``"yes" in answer``, which also matched words such as "yesterday";
        here the answer's first word decides."""
        if not transcript.strip():
            return False
        ctx = ChatContext()
        ctx.add_message(ChatRole.SYSTEM, self.CUSTOM_PROMPT or self.SYSTEM_PROMPT)
        ctx.add_message(ChatRole.USER, f"Text to classify: {transcript}")
        try:
            parts = [chunk.content async for chunk in self.llm.chat(ctx) if chunk.content]
        except Exception:
            logger.warning("voicemail detection failed", exc_info=True)
            return False
        words = "".join(parts).strip().lower().split()
        return bool(words) and words[0].strip(".,!") == "yes"


class VoicemailCheck:
    """Buffers the callee's first ``duration`` seconds of final transcripts, then classifies
    them once and reports the result."""

    def __init__(
        self,
        detector: VoiceMailDetector,
        on_result: Callable[[bool], Any],
        *,
        spawn: Callable[[Any], Any],
    ) -> None:
        self._detector = detector
        self._on_result = on_result
        self._spawn = spawn
        self._parts: list[str] = []
        self._started = False
        self.done = False

    def heard(self, text: str) -> None:
        """A final user transcript; the first one starts the timer."""
        if self.done or not text.strip():
            return
        self._parts.append(text.strip())
        if not self._started:
            self._started = True
            self._spawn(self._check())

    def beep(self) -> None:
        """A machine's beep: the call is a voicemail, whatever the LLM would say."""
        if not self.done:
            self.done = True
            self._spawn(self._report(True))

    async def _check(self) -> None:
        await asyncio.sleep(self._detector.duration)
        if self.done:
            return
        is_voicemail = await self._detector.detect(" ".join(self._parts))
        if not self.done:
            self.done = True
            await self._report(is_voicemail)

    async def _report(self, is_voicemail: bool) -> None:
        result = self._on_result(is_voicemail)
        if inspect.isawaitable(result):
            await result


class BeepWatch:
    """Runs a ``BeepDetector`` on the callee's audio; ``on_beep(beep)`` for each tone, and
    ``wait`` for the next (or the first, if one was already heard)."""

    def __init__(self, on_beep: Callable[[Beep], None]) -> None:
        self._detector = BeepDetector()
        self._on_beep = on_beep
        self.beeps: list[Beep] = []
        self._heard = asyncio.Event()

    def push(self, pcm: bytes, sample_rate: int, arrived_at: float) -> None:
        for beep in self._detector.push(pcm, sample_rate):
            self.beeps.append(beep)
            self._heard.set()
            self._on_beep(beep)

    async def wait(self, timeout: float | None) -> Beep | None:
        try:
            await asyncio.wait_for(self._heard.wait(), timeout)
        except TimeoutError:
            return None
        return self.beeps[-1]

