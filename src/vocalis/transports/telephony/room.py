"""``TwilioMediaStreamRoom`` and its route: a phone call carried by Twilio Media Streams.

Point TwiML at the server: ``<Connect><Stream url="wss://HOST/twilio"/></Connect>``. Twilio
cannot add a query string there, so when the server has an access token the caller may pass it
as ``<Parameter name="token" value="..."/>`` (it arrives in the ``start`` message) instead of
``?token=`` / ``Authorization``. The job starts once ``start`` arrived; ``ctx.metadata`` holds
``call_sid``, ``stream_sid`` and the custom parameters.

Agent audio leaves paced in 20 ms frames (so a barge-in ``clear`` discards little), as 8 kHz
mu-law, with a ``mark`` after each stretch of speech; the caller's echo of a mark lands in
``played_marks``. An interruption sends ``clear``. A call the server cannot take hears the busy
message, then the stream closes (``refuse``): the call hangs up unless the TwiML goes on.

A stream that sends no media for ``RoomOptions.media_timeout_seconds`` is closed (1008 with the
reason), and so is a call that reaches ``max_call_duration_seconds`` (1000): closing the stream
ends ``<Connect>``, so Twilio hangs up unless more TwiML follows.

With Twilio credentials (``TelephonyConfig``), ``transfer(to)`` redirects the call (cold
transfer) and ``session.hangup()`` ends it for the caller, through the REST API
(``TwilioCallControl``); without them, hangup only closes the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web

from ...audio import AudioFrame, StreamResampler
from ...pipeline.events import HangupRequested
from ...telephony.errors import TransferError
from ...utils.clock import now
from ..security import (
    CLOSE_POLICY,
    CLOSE_TRY_LATER,
    LimitedWebSocketResponse,
    ProtocolError,
    presented_token,
    public,
    token_matches,
)
from ..server import JOB_CLOSE_TIMEOUT, ConnectionHandler, RouteInstaller, server_limits
from ..websocket.connection import WebSocketConnection
from ..websocket.room import connection_metadata
from . import mulaw
from .call_control import TwilioCallControl
from .protocol import (
    SAMPLE_RATE,
    StreamStart,
    clear_message,
    dtmf_digit,
    mark_message,
    mark_name,
    media_message,
    media_payload,
    parse_event,
    parse_start,
)

logger = logging.getLogger("vocalis.transports.telephony")

START_TIMEOUT = 10.0
"""Seconds a new stream has to send ``start`` before it is closed."""
BUSY_MARK = "busy-message"
BUSY_GRACE = 2.0
"""Seconds past the busy message's length to wait for Twilio's mark before hanging up."""


class TwilioMediaStreamRoom(WebSocketConnection):
    """One phone call over a Twilio media stream."""

    transport = "telephony"

    def __init__(
        self,
        ws: web.WebSocketResponse,
        *,
        metadata: dict[str, Any] | None = None,
        required_token: str | None = None,
        mark_interval: float = 0.0,
        media_timeout: float | None = None,
        call_control: TwilioCallControl | None = None,
    ) -> None:
        super().__init__(ws, metadata=metadata, media_timeout=media_timeout)
        self.required_token = required_token
        self.mark_interval = mark_interval
        self.call_control = call_control
        self._hangup_requested = False
        self.stream: StreamStart | None = None
        self.started = asyncio.Event()
        self.sent_marks: list[str] = []
        self.played_marks: list[str] = []
        self._resampler: StreamResampler | None = None
        self._in_speech = False
        self._speech_since_mark = 0.0
        self._marks = 0

    @property
    def stream_sid(self) -> str:
        return self.stream.stream_sid if self.stream is not None else ""

    # ---- caller → agent ----------------------------------------------------------------------

    def _on_binary(self, data: bytes) -> None:
        raise ProtocolError(1003, "Twilio media streams send JSON text messages only")

    def _on_text(self, text: str) -> None:
        message = parse_event(text)
        event = message["event"]
        if event == "connected":
            return
        if event == "start":
            self._on_start(parse_start(message))
            return
        if self.stream is None:
            raise ProtocolError(CLOSE_POLICY, f"'{event}' before 'start'")
        if event == "media":
            track, data = media_payload(message)
            if track in ("inbound", "inbound_track") and data:
                self._queue_inbound(("audio", (mulaw.decode(data), SAMPLE_RATE, now())))
        elif event == "dtmf":
            self._queue_inbound(("dtmf", dtmf_digit(message)))
        elif event == "mark":
            name = mark_name(message)
            self.played_marks.append(name)
            self.emit("mark", {"name": name})
        elif event == "stop":
            self._spawn(self.aclose("call_ended"))

    def _on_start(self, start: StreamStart) -> None:
        if self.stream is not None:
            raise ProtocolError(CLOSE_POLICY, "a second 'start' on the same stream")
        if not token_matches(start.custom_parameters.get("token"), self.required_token):
            raise ProtocolError(CLOSE_POLICY, "unauthorized: missing or wrong access token")
        self.stream = start
        self._note_input()
        params = {k: v for k, v in start.custom_parameters.items() if k != "token"}
        self.metadata.update(params)
        self.metadata.update(stream_sid=start.stream_sid, call_sid=start.call_sid)
        self._mark_joined(start.call_sid or start.stream_sid)
        self.started.set()

    # ---- agent → caller ----------------------------------------------------------------------

    def _on_session_attached(self, session: Any) -> None:
        self._subscribe(HangupRequested, self._on_hangup_requested)  # type: ignore[arg-type]
        track = self.output_track_of(session)
        native = getattr(track, "sample_rate", 24000)
        self._resampler = StreamResampler(native, SAMPLE_RATE)
        self._spawn(self._input_pump(session), name=f"vocalis.twilio.input.{self.room_id}")
        self._spawn(self._pump_output(session, self._send_frame),
                    name=f"vocalis.twilio.output.{self.room_id}")

    async def _send_frame(self, frame: AudioFrame) -> None:
        assert self._resampler is not None
        if frame.is_silence and not frame.is_speech:
            if self._in_speech:
                self._in_speech = False
                self._send_media(self._resampler.flush())
                self._send_mark()
            return
        self._in_speech = True
        self._send_media(self._resampler.push(frame.pcm))
        self._speech_since_mark += frame.samples / frame.sample_rate
        if self.mark_interval and self._speech_since_mark >= self.mark_interval:
            self._send_mark()

    def _send_media(self, pcm: bytes) -> None:
        if pcm:
            self._send(media_message(self.stream_sid, mulaw.encode(pcm)), audio=True)

    def _send_mark(self) -> None:
        self._marks += 1
        self._speech_since_mark = 0.0
        name = f"agent-{self._marks}"
        self.sent_marks.append(name)
        self._send(mark_message(self.stream_sid, name))

    def _on_session_event(self, name: str, payload: Any) -> None:
        if name != "interrupted" or self.stream is None:
            return
        self.drop_pending_audio()
        if self._resampler is not None:
            self._resampler.reset()
        self._in_speech = False
        self._send(clear_message(self.stream_sid))

    async def refuse(self, reason: str, busy: Any = None) -> None:
        """Say the busy message (when the server has a voice for it), then hang up."""
        logger.info("refusing call %s: %s", self.stream_sid, reason)
        pcm = await busy.pcm(SAMPLE_RATE) if busy is not None else None
        if pcm and self.stream is not None and not self.is_closing:
            played = asyncio.Event()

            def on_mark(payload: dict[str, Any]) -> None:
                if payload.get("name") == BUSY_MARK:
                    played.set()

            self.on("mark", on_mark)
            frame = SAMPLE_RATE * 2 // 50
            for i in range(0, len(pcm), frame):
                self._send_media(pcm[i : i + frame])
            self._send(mark_message(self.stream_sid, BUSY_MARK))
            seconds = len(pcm) / 2 / SAMPLE_RATE
            waiters = {asyncio.ensure_future(played.wait()),
                       asyncio.ensure_future(self.closed.wait())}
            await asyncio.wait(waiters, timeout=seconds + BUSY_GRACE,
                               return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            self.off("mark", on_mark)
        self.close_code = CLOSE_TRY_LATER
        await self.aclose(reason)

    # ---- call control ------------------------------------------------------------------------

    @property
    def call_sid(self) -> str:
        return self.stream.call_sid if self.stream is not None else ""

    async def transfer(self, to: str) -> None:
        """Cold transfer: Twilio dials ``to`` (a number or a SIP URI) for the caller and this
        stream ends. Raises ``TransferError`` without credentials or when Twilio refuses."""
        if self.call_control is None:
            raise TransferError("transferring a Twilio call needs its REST credentials: set "
                                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TelephonyConfig)")
        await self.call_control.transfer(self.call_sid, to)
        await self.aclose(f"transferred to {to}")

    def _on_hangup_requested(self, event: HangupRequested) -> None:
        self._hangup_requested = True
        self._spawn(self.aclose(f"hangup: {event.reason}"), name=f"vocalis.twilio.bye.{self.room_id}")

    async def _close_transport(self, reason: str) -> None:
        """On ``session.hangup()`` end the call itself first (the stream alone would only move
        Twilio on to the next TwiML verb)."""
        if self._hangup_requested and self.call_control is not None and self.call_sid:
            try:
                await self.call_control.hangup(self.call_sid)
            except TransferError as exc:
                logger.warning("%s", exc)
                if self.session is not None:
                    self.session.link.report_error("telephony", exc)
        await super()._close_transport(reason)



def telephony_routes(config: Any = None) -> RouteInstaller:
    """A route installer for the Twilio endpoint (``TelephonyConfig``, default ``/twilio``)."""
    path = getattr(config, "path", "/twilio")
    mark_interval = float(getattr(config, "mark_interval", 0.0))

    def install(app: web.Application, on_connection: ConnectionHandler) -> None:
        control = TwilioCallControl.from_config(config)

        @public  # authenticates itself: token in the request or in the 'start' message
        async def handler(request: web.Request) -> web.StreamResponse:
            return await handle_twilio_stream(request, on_connection, mark_interval=mark_interval,
                                              call_control=control)

        app.router.add_get(path, handler)

    return install


async def handle_twilio_stream(
    request: web.Request, on_connection: ConnectionHandler, *, mark_interval: float = 0.0,
    call_control: TwilioCallControl | None = None,
) -> web.StreamResponse:
    """Upgrade, wait for ``start``, then run the call's job beside the read loop."""
    limits = server_limits(request.app)
    token = limits.access_token
    required = None if token_matches(presented_token(request), token) else token
    ws = LimitedWebSocketResponse(max_msg_size=limits.max_message_bytes, heartbeat=20.0)
    await ws.prepare(request)
    metadata = connection_metadata(request, "telephony")
    room = TwilioMediaStreamRoom(
        ws, metadata=metadata, required_token=required, mark_interval=mark_interval,
        media_timeout=limits.media_timeout_seconds,
        call_control=call_control,
    )
    reader = asyncio.ensure_future(room.run())
    job: asyncio.Future[None] | None = None
    try:
        started = asyncio.ensure_future(room.started.wait())
        await asyncio.wait({started, reader}, timeout=START_TIMEOUT, return_when="FIRST_COMPLETED")
        started.cancel()
        if not room.started.is_set():
            if not room.is_closing:
                await room.reject(CLOSE_POLICY, "no 'start' message")
        else:
            job = asyncio.ensure_future(on_connection(room, room.metadata))
        await reader
    finally:
        reader.cancel()
        await room.aclose(room.close_reason or "client_disconnected")
        if job is not None:
            try:
                await asyncio.wait_for(asyncio.shield(job), JOB_CLOSE_TIMEOUT)
            except TimeoutError:
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job
    return ws
