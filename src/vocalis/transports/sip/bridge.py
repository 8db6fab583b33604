"""``CallBridge``: two SIP calls talking to each other directly, with the agent gone.

The last step of a warm transfer: the caller's and the supervisor's audio are connected inside
PJSIP's conference bridge, and the bridge takes over both legs from their rooms. When either
party hangs up, the other is hung up too and both legs are released.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .endpoint import SipEndpoint, SipError
from .leg import DISCONNECTED, CallInfo, CallLeg

logger = logging.getLogger("vocalis.sip")


class CallBridge:
    """Owns two bridged legs until one of them ends (see the module docstring)."""

    def __init__(self, endpoint: SipEndpoint, first: CallLeg, second: CallLeg) -> None:
        self.endpoint = endpoint
        self.legs = (first, second)
        self.ended = asyncio.Event()

    async def start(self) -> None:
        first, second = self.legs

        def connect() -> None:
            first.bridge(second)
            for leg in self.legs:
                leg.attach(_LegEnd(self, leg))
                self.endpoint.keep_until_ended(leg)

        await self.endpoint.run(connect)

    def leg_ended(self, leg: CallLeg) -> None:
        if self.ended.is_set():
            return
        self.ended.set()
        self.endpoint.loop.create_task(self._finish())  # type: ignore[union-attr]

    async def _finish(self) -> None:
        for leg in self.legs:
            with contextlib.suppress(SipError):
                await self.endpoint.run(leg.end)
                await self.endpoint.run(self.endpoint.retire, leg)


class _LegEnd:
    """A leg listener that only cares about the end of the call."""

    def __init__(self, bridge: CallBridge, leg: CallLeg) -> None:
        self.bridge, self.leg = bridge, leg

    def leg_state(self, info: CallInfo) -> None:
        if info.state == DISCONNECTED:
            self.bridge.leg_ended(self.leg)

    def leg_media(self, codec: str) -> None:
        pass

    def leg_audio(self, pcm: bytes) -> None:
        pass

    def leg_dtmf(self, digit: str, method: str) -> None:
        pass

    def leg_transfer(self, code: int, reason: str, final: bool) -> None:
        pass
