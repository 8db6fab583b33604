"""``SipCallRoom``: one SIP call as a Vocalis connection.

The caller's audio (16 kHz from PJSIP's bridge) is stamped on arrival and pushed to the session;
the agent's voice is read paced from the session's output track, resampled to 16 kHz and queued
on the call's audio port. RFC 4733 (and SIP INFO) digits become ``dtmf`` events. Hangup works
both ways: the caller's BYE closes the room (and so the session), and ``session.hangup()``
sends BYE. ``transfer(to)`` is a cold transfer by SIP REFER. An outbound call's room holds
the agent's greeting until the callee answers (``answered``, at ``answered_at`` on the loop
clock).

For a warm transfer the room can also put the caller on hold (``hold``: their audio no longer
reaches the agent), place a second call without a job (``place_call``) and hand both calls to
a ``CallBridge`` (``bridge_to``), after which closing the room leaves the call up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from ...audio import AudioFrame, StreamResampler
from ...pipeline.events import HangupRequested
from ...telephony.errors import TransferError
from ...utils.clock import now
from ..base import RoomConnection
from .bridge import CallBridge
from .endpoint import SipEndpoint, SipError
from .leg import CONFIRMED, DISCONNECTED, CallInfo, CallLeg
from .media import SAMPLE_RATE

logger = logging.getLogger("vocalis.sip")

INBOUND_LIMIT = 250
"""Queued caller frames (5 s) kept until the session takes them; the oldest go first."""

HANGUP_WAIT = 3.0
"""Seconds ``aclose`` waits for the call to be confirmed over after sending BYE."""

TRANSFER_TIMEOUT = 30.0
"""Seconds a REFER may take to get its final answer (the transfer target's 200 or error)."""


class SipCallRoom(RoomConnection):
    """One SIP call (see the module docstring). ``call_info`` holds the last state report."""

    transport = "sip"

    def __init__(
        self,
        endpoint: SipEndpoint,
        leg: CallLeg,
        *,
        direction: Literal["inbound", "outbound"],
        remote_uri: str,
        metadata: dict[str, Any] | None = None,
        place_call: Callable[[str], Awaitable[SipCallRoom]] | None = None,
    ) -> None:
        super().__init__(metadata=metadata)
        self.endpoint = endpoint
        self._place_call = place_call
        self.on_hold = False
        self.bridge: CallBridge | None = None
        self.leg: CallLeg | None = leg
        self.direction = direction
        self.remote_uri = remote_uri
        self.answered = asyncio.Event()
        self.answered_at: float | None = None
        self.ended = asyncio.Event()
        self.call_info: CallInfo | None = None
        self.codec = ""
        self.digits: list[str] = []
        self.dropped_frames = 0
        self._inbound: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue(INBOUND_LIMIT)
        self._resampler: StreamResampler | None = None
        self._transfer: asyncio.Future[tuple[int, str]] | None = None
        self.metadata.update(transport="sip", direction=direction, remote_uri=remote_uri)
        leg.attach(self)

    @property
    def is_answered(self) -> bool:
        return self.answered.is_set()

    async def wait_until_answered(self) -> bool:
        """True once the call is answered; False if it ended first (busy, no answer)."""
        answered = asyncio.ensure_future(self.answered.wait())
        ended = asyncio.ensure_future(self.ended.wait())
        try:
            await asyncio.wait({answered, ended}, return_when="FIRST_COMPLETED")
        finally:
            answered.cancel()
            ended.cancel()
        return self.answered.is_set()

    # ---- leg events (event loop) ---------------------------------------------------------------

    def leg_state(self, info: CallInfo) -> None:
        self.call_info = info
        self.metadata["sip_call_id"] = info.call_id
        if info.state == CONFIRMED and not self.answered.is_set():
            self.answered_at = now()
            self.answered.set()
            self._mark_joined(info.remote_uri or self.remote_uri)
        elif info.state == DISCONNECTED and not self.ended.is_set():
            self.ended.set()
            self._mark_left()
            if self._transfer is not None and not self._transfer.done():
                self._transfer.set_result((info.code, info.reason))
            self._spawn(self.aclose(self._end_reason(info)), name=f"vocalis.sip.end.{self.room_id}")

    def _end_reason(self, info: CallInfo) -> str:
        if self.is_closing:
            return self.close_reason
        if not self.answered.is_set():
            return f"not answered: {info.code} {info.reason}".strip()
        return "call_ended"

    def leg_media(self, codec: str) -> None:
        self.codec = codec
        self.metadata["codec"] = codec

    def leg_audio(self, pcm: bytes) -> None:
        if self.ended.is_set() or self.on_hold:
            return
        if self._inbound.full():
            self._inbound.get_nowait()
            self.dropped_frames += 1
        self._inbound.put_nowait((pcm, now()))

    def leg_dtmf(self, digit: str, method: str) -> None:
        self.digits.append(digit)
        self.dispatch_dtmf(digit)

    def leg_transfer(self, code: int, reason: str, final: bool) -> None:
        future = self._transfer
        if future is not None and not future.done() and (final or code >= 300):
            future.set_result((code, reason))

    # ---- session ---------------------------------------------------------------------------------

    def _on_session_attached(self, session: Any) -> None:
        track = self.output_track_of(session)
        self._resampler = StreamResampler(getattr(track, "sample_rate", 24000), SAMPLE_RATE)
        self._subscribe(HangupRequested, self._on_hangup_requested)  # type: ignore[arg-type]
        if self.direction == "inbound":
            self._spawn(self._leg_command("accept"), name=f"vocalis.sip.answer.{self.room_id}")
        self._spawn(self._input_pump(session), name=f"vocalis.sip.input.{self.room_id}")
        self._spawn(self._pump_output(session, self._send_frame),
                    name=f"vocalis.sip.output.{self.room_id}")

    def _on_hangup_requested(self, event: HangupRequested) -> None:
        self._spawn(self.aclose(f"hangup: {event.reason}"), name=f"vocalis.sip.bye.{self.room_id}")

    async def _input_pump(self, session: Any) -> None:
        while True:
            pcm, arrived_at = await self._inbound.get()
            await session.push_audio(pcm, SAMPLE_RATE, arrived_at=arrived_at)

    async def _send_frame(self, frame: AudioFrame) -> None:
        leg = self.leg
        if leg is not None and leg.port is not None and self._resampler is not None:
            leg.port.write(self._resampler.push(frame.pcm))

    def _on_session_event(self, name: str, payload: Any) -> None:
        if name == "interrupted" and self.leg is not None and self.leg.port is not None:
            self.leg.port.clear()

    # ---- call control ----------------------------------------------------------------------------

    async def ring(self) -> None:
        """Tell the caller the agent's phone is ringing (180), before the session answers."""
        await self._leg_command("ring")

    async def transfer(self, to: str, *, timeout: float = TRANSFER_TIMEOUT) -> None:
        """Cold transfer by REFER: the remote party calls ``to`` (a SIP URI, or a number the
        remote side can route); once it confirms (NOTIFY 200) our leg hangs up. Raises
        ``TransferError`` when the transfer is refused or fails."""
        if self.leg is None or self.ended.is_set():
            raise TransferError("the call is over; nothing to transfer")
        target = to if to.startswith(("sip:", "sips:", "tel:")) else f"sip:{to}"
        self._transfer = asyncio.get_running_loop().create_future()
        await self._leg_command("refer", target)
        try:
            code, reason = await asyncio.wait_for(self._transfer, timeout)
        except TimeoutError:
            raise TransferError(f"no answer to the transfer to {target} within {timeout:g} s")\
                from None
        finally:
            self._transfer = None
        if not 200 <= code < 300:
            raise TransferError(f"transfer to {target} failed: {code} {reason}".strip())
        await self.aclose(f"transferred to {target}")

    async def send_dtmf(self, digits: str) -> None:
        """Send keypad digits to the remote party (RFC 4733), e.g. to walk an IVR menu."""
        await self._leg_command("send_digits", digits)

    def hold(self, on: bool = True) -> None:
        """While on hold the caller's audio does not reach the agent (they still hear it)."""
        self.on_hold = on
        if on:
            while not self._inbound.empty():
                self._inbound.get_nowait()

    async def place_call(self, to: str) -> SipCallRoom:
        """Call ``to`` from the same SIP endpoint, with no job: the caller of this method runs
        a session on the returned room (a warm transfer's consultation call)."""
        if self._place_call is None:
            raise SipError("this SIP room cannot place calls")
        return await self._place_call(to)

    async def bridge_to(self, other: SipCallRoom) -> CallBridge:
        """Connect this call with ``other`` directly and hand both to a ``CallBridge``; both
        rooms then close without hanging up (the bridge ends the calls when one side does)."""
        if self.leg is None or other.leg is None:
            raise SipError("both calls must be up to bridge them")
        bridge = CallBridge(self.endpoint, self.leg, other.leg)
        await bridge.start()
        for room in (self, other):
            room.bridge = bridge
            room.leg = None
        return bridge

    async def _leg_command(self, name: str, *args: Any) -> Any:
        leg = self.leg
        if leg is None:
            raise SipError("the call is over")
        return await self.endpoint.run(getattr(leg, name), *args)

    async def _close_transport(self, reason: str) -> None:
        leg = self.leg
        if leg is None:  # the call is over, or a bridge owns it now
            return
        if not self.ended.is_set():
            code = 480 if self.direction == "inbound" and not self.answered.is_set() else 603
            with contextlib.suppress(SipError):
                await self.endpoint.run(leg.end, code, "")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ended.wait(), HANGUP_WAIT)
        self.leg = None
        with contextlib.suppress(SipError):
            await self.endpoint.run(self.endpoint.retire, leg)
