"""``CallLeg``: one SIP call inside PJSIP, reporting to a listener on the event loop.

All methods except the ``listener`` callbacks run on the SIP thread (``SipEndpoint.run``). The
leg owns the call's ``CallAudioPort`` once media is up, and can bridge its audio to another
leg's (a warm transfer's last step).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import pjsua2 as pj

from .endpoint import SipEndpoint
from .media import CallAudioPort

logger = logging.getLogger("vocalis.sip")


@dataclass(frozen=True)
class CallInfo:
    """What the SIP stack knows about a call when its state changes."""

    state: str
    code: int
    reason: str
    remote_uri: str
    call_id: str


class LegListener(Protocol):
    """Receives a leg's events on the event loop."""

    def leg_state(self, info: CallInfo) -> None: ...
    def leg_media(self, codec: str) -> None: ...
    def leg_audio(self, pcm: bytes) -> None: ...
    def leg_dtmf(self, digit: str, method: str) -> None: ...
    def leg_transfer(self, code: int, reason: str, final: bool) -> None: ...


_DTMF_METHODS = {
    getattr(pj, "PJSUA_DTMF_METHOD_RFC2833", 0): "rfc4733",
    getattr(pj, "PJSUA_DTMF_METHOD_SIP_INFO", 1): "sip-info",
}

CONFIRMED = "CONFIRMED"
DISCONNECTED = "DISCONNECTED"


class CallLeg(pj.Call):
    """A PJSIP call whose events go to its listener; events that come before ``attach`` (a
    caller who hangs up while the job starts) are kept and delivered then, in order."""

    def __init__(self, endpoint: SipEndpoint, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        assert endpoint.account is not None
        super().__init__(endpoint.account, call_id)
        self.endpoint = endpoint
        self._listener: LegListener | None = None
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._lock = threading.Lock()
        endpoint.track(self)
        self.port: CallAudioPort | None = None
        self.bridged_to: CallLeg | None = None
        self.disconnected = False

    # ---- PJSIP callbacks (SIP thread) -----------------------------------------------------------

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        state = info.stateText.upper()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            state = DISCONNECTED
            self.disconnected = True
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            state = CONFIRMED
        event = CallInfo(state, info.lastStatusCode, info.lastReason, info.remoteUri,
                         info.callIdString)
        self._post("leg_state", event)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        info = self.getInfo()
        for media in info.media:
            if media.type != pj.PJMEDIA_TYPE_AUDIO or media.status != pj.PJSUA_CALL_MEDIA_ACTIVE:
                continue
            audio = self.getAudioMedia(media.index)
            if self.port is None:
                self.port = CallAudioPort(self._on_audio)
                self.port.open(f"call{self.getId()}")
                self.endpoint.track(self.port)
            audio.startTransmit(self.port)
            self.port.startTransmit(audio)
            if self.bridged_to is not None:
                self._connect(self.bridged_to)
            codec = self.getStreamInfo(media.index).codecName
            self._post("leg_media", codec)
            return

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self._post("leg_dtmf", prm.digit, _DTMF_METHODS.get(prm.method, "rfc4733"))

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        self._post("leg_transfer", prm.statusCode, prm.reason, bool(prm.finalNotify))

    def _on_audio(self, pcm: bytes) -> None:
        listener = self._listener
        if listener is not None:
            self.endpoint.post(listener.leg_audio, pcm)

    def _post(self, method: str, *args: Any) -> None:
        with self._lock:
            if self._listener is None:
                self._pending.append((method, args))
            else:
                self.endpoint.post(getattr(self._listener, method), *args)

    def attach(self, listener: LegListener) -> None:
        """Send this leg's events to ``listener`` (any thread), the early ones first."""
        with self._lock:
            self._listener = listener
            for method, args in self._pending:
                self.endpoint.post(getattr(listener, method), *args)
            self._pending.clear()

    # ---- commands (SIP thread) ------------------------------------------------------------------

    def dial(self, uri: str, headers: dict[str, str] | None = None) -> None:
        prm = pj.CallOpParam(True)
        for name, value in (headers or {}).items():
            header = pj.SipHeader()
            header.hName, header.hValue = name, value
            prm.txOption.headers.append(header)
        self.makeCall(uri, prm)

    def ring(self) -> None:
        self._respond(180)

    def accept(self) -> None:
        self._respond(200)

    def _respond(self, code: int) -> None:
        if not self.disconnected:
            prm = pj.CallOpParam()
            prm.statusCode = code
            self.answer(prm)

    def end(self, code: int = 603, reason: str = "") -> None:
        """Hang up: BYE once answered, ``code`` (default 603 Decline) before, CANCEL while an
        outgoing call rings."""
        if self.disconnected or not self.isActive():
            return
        prm = pj.CallOpParam()
        prm.statusCode = code
        if reason:
            prm.reason = reason
        self.hangup(prm)

    def refer(self, target: str) -> None:
        """Cold transfer: ask the remote party to call ``target`` (SIP REFER)."""
        self.xfer(target, pj.CallOpParam(True))

    def send_digits(self, digits: str) -> None:
        self.dialDtmf(digits)

    def bridge(self, other: CallLeg) -> None:
        """Connect this call's audio with ``other``'s both ways (our ports stop listening)."""
        self.bridged_to, other.bridged_to = other, self
        self._connect(other)

    def _connect(self, other: CallLeg) -> None:
        mine, theirs = self._audio(), other._audio()
        if mine is None or theirs is None:
            return
        for leg, media in ((self, mine), (other, theirs)):
            if leg.port is not None:
                media.stopTransmit(leg.port)
                leg.port.stopTransmit(media)
        mine.startTransmit(theirs)
        theirs.startTransmit(mine)

    def _audio(self) -> pj.AudioMedia | None:
        if self.disconnected:
            return None
        try:
            return self.getAudioMedia(-1)
        except pj.Error:
            return None

    def release(self) -> None:
        """Forget the listener; disconnect the port and hand it to the endpoint to free later
        (the call is over)."""
        with self._lock:
            self._listener = None
        self.bridged_to = None
        port, self.port = self.port, None
        if port is None:
            return
        port.mute()
        media = self._audio()
        if media is not None:
            try:
                media.stopTransmit(port)
                port.stopTransmit(media)
            except pj.Error:
                logger.debug("disconnecting the audio port failed", exc_info=True)
        self.endpoint.retire_port(port)
