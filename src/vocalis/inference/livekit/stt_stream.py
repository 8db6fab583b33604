"""``SpeechStream``: one LiveKit inference STT session over ``{ws base}/stt?model=<model>``.

A ``session.create`` first (settings, fallback list, connection options), then 50 ms
``input_audio`` frames, ``session.finalize`` at the end of speech, ``session.update`` when the
options change; transcripts come back as ``interim_transcript`` / ``preflight_transcript`` /
``final_transcript``. Audio is queued (bounded) while the socket connects, and a dropped
connection is retried per ``APIConnectOptions``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp

from ...stt.stt import SpeechData, SpeechEventType, STTResponse
from ...utils.tasks import TaskGroup
from .auth import auth_headers, ws_base
from .connection import connect_ws, parse_json
from .errors import APIConnectOptions, APIError, APIStatusError

if TYPE_CHECKING:
    from .stt import STT

logger = logging.getLogger("vocalis.inference.livekit.stt")

#: Input frames a stream holds while it is (re)connecting: 10 s of 20 ms frames.
_MAX_QUEUED_FRAMES = 500


class _Flush:
    pass


class _End:
    pass


_FLUSH, _END = _Flush(), _End()


class SpeechStream:
    """One streaming recognition session (see the module docstring); ``async for`` yields
    ``STTResponse``s and raises the final ``APIError`` once retries are exhausted."""

    def __init__(self, stt: STT, *, language: str | None, conn_options: APIConnectOptions) -> None:
        self._stt = stt
        self.language = language
        self.conn_options = conn_options
        self.start_time_offset = 0.0
        self._input: deque[bytes | _Flush | _End] = deque()
        self._input_ready = asyncio.Event()
        self._events: asyncio.Queue[STTResponse | APIError | None] = asyncio.Queue(maxsize=1000)
        self._frame_bytes = stt.sample_rate // 20 * 2  # 50 ms mono frames
        self._partial = bytearray()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._speaking = False
        self._audio_since_final = 0.0
        self._closing = False
        self.closed = False
        self.dropped_frames = 0
        self.connections = 0
        self._tasks = TaskGroup("livekit-stt")
        self._main = self._tasks.spawn(self._run(), name="livekit-stt-main")

    # ---- input ---------------------------------------------------------------------------

    def push_frame(self, frame: Any) -> None:
        """Queue 16-bit mono PCM (bytes, or an ``AudioFrame`` with ``.data``)."""
        if self._closing:
            raise RuntimeError("push_frame on a closed SpeechStream")
        data = bytes(getattr(frame, "data", frame))
        self._input.append(data)
        while len(self._input) > _MAX_QUEUED_FRAMES:
            self._input.popleft()
            self.dropped_frames += 1
        self._input_ready.set()

    def flush(self) -> None:
        """Send the partial frame and ``session.finalize``."""
        if not self._closing:
            self._input.append(_FLUSH)
            self._input_ready.set()

    def end_input(self) -> None:
        """No more audio: finalize, then end once the gateway has answered."""
        if not self._closing:
            self._closing = True
            self._input.append(_END)
            self._input_ready.set()

    def update_options(
        self, *, model: str | None = None, language: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if language is not None:
            self.language = language
        settings: dict[str, Any] = {}
        if model is not None:
            settings["model"] = model
        if language is not None:
            settings["language"] = language
        if extra is not None:
            settings["extra"] = extra
        if settings and self._ws is not None and not self._ws.closed:
            self._tasks.spawn(self._send({"type": "session.update", "settings": settings}))

    async def aclose(self) -> None:
        self._closing = True
        self.closed = True
        await self._tasks.aclose()
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        self._stt._streams.discard(self)
        self._put(None)

    def __aiter__(self) -> AsyncIterator[STTResponse]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[STTResponse]:
        while True:
            item = await self._events.get()
            if item is None:
                return
            if isinstance(item, APIError):
                raise item
            yield item

    def _put(self, item: STTResponse | APIError | None) -> None:
        if self._events.full():
            self._events.get_nowait()
        self._events.put_nowait(item)

    # ---- connection ----------------------------------------------------------------------

    def session_create(self) -> dict[str, Any]:
        stt = self._stt
        settings: dict[str, Any] = {"sample_rate": str(stt.sample_rate),
                                    "encoding": stt.encoding, "extra": stt.extra_kwargs}
        if self.language:
            settings["language"] = self.language
        message: dict[str, Any] = {"type": "session.create", "settings": settings}
        if stt._model and stt._model != "auto":
            message["model"] = stt._model
        if stt.fallback:
            message["fallback"] = stt.fallback
        message["connection"] = self.conn_options.to_gateway()
        return message

    async def _run(self) -> None:
        attempt = 0
        try:
            while True:
                try:
                    await self._run_once()
                    return
                except APIError as exc:
                    if self._closing and self.closed:
                        return
                    if not exc.retryable or attempt >= self.conn_options.max_retry:
                        logger.warning("livekit STT stream failed: %s", exc)
                        self._put(exc)
                        return
                    delay = self.conn_options.interval_for_retry(attempt)
                    attempt += 1
                    logger.info("livekit STT: %s; retry %d in %.1f s", exc, attempt, delay)
                    await asyncio.sleep(delay)
        finally:
            self.closed = True
            self._put(None)

    async def _run_once(self) -> None:
        stt = self._stt
        query = {} if stt._model in (None, "auto") else {"model": stt._model}
        url = f"{ws_base(stt.base_url).rstrip('/')}/stt"
        if query:
            url += "?" + urlencode(query)
        headers = auth_headers(stt._api_key, stt._api_secret)
        ws = await connect_ws(stt.session(), url, headers, self.conn_options.timeout)
        self._ws = ws
        self.connections += 1
        self._partial.clear()
        try:
            await self._send(self.session_create())
            sender = asyncio.ensure_future(self._send_loop())
            receiver = asyncio.ensure_future(self._receive_loop(ws))
            try:
                done, _ = await asyncio.wait({sender, receiver},
                                             return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    task.result()
                await receiver  # the sender finished (end of input): wait for the last results
            finally:
                for task in (sender, receiver):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
        finally:
            self._ws = None
            if not ws.closed:
                await ws.close()

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            raise APIStatusError("gateway connection closed unexpectedly", status_code=-1)
        try:
            await ws.send_str(json.dumps(message))
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise APIStatusError(f"gateway send failed: {exc}", status_code=-1) from exc

    async def _send_loop(self) -> None:
        while True:
            while not self._input:
                self._input_ready.clear()
                await self._input_ready.wait()
            item = self._input.popleft()
            if isinstance(item, bytes):
                self._partial += item
                while len(self._partial) >= self._frame_bytes:
                    await self._send_frame(bytes(self._partial[: self._frame_bytes]))
                    del self._partial[: self._frame_bytes]
                continue
            if self._partial:
                await self._send_frame(bytes(self._partial))
                self._partial.clear()
            await self._send({"type": "session.finalize"})
            if isinstance(item, _End):
                return

    async def _send_frame(self, pcm: bytes) -> None:
        self._audio_since_final += len(pcm) / 2 / self._stt.sample_rate
        await self._send({"type": "input_audio", "audio": base64.b64encode(pcm).decode("ascii")})

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            msg = await ws.receive()
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                if self._closing and not self._input:
                    return
                raise APIStatusError("gateway connection closed unexpectedly", status_code=-1)
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            message = parse_json(msg.data)
            if message is None:
                logger.warning("livekit STT: malformed message skipped: %r", msg.data[:200])
                continue
            kind = message.get("type")
            if kind == "session.finalized" and self._closing and not self._input:
                return
            if kind == "session.closed":
                return
            if kind == "error":
                code = message.get("code")
                status = code if isinstance(code, int) else -1
                raise APIStatusError(str(message.get("message") or "gateway error"),
                                     status_code=status, body=message)
            self._on_message(kind, message)

    # ---- results -------------------------------------------------------------------------

    def _on_message(self, kind: Any, message: dict[str, Any]) -> None:
        if kind == "start_of_speech":
            self._start()
        elif kind in ("interim_transcript", "preflight_transcript", "final_transcript"):
            data = self._speech_data(message)
            if data.text:
                self._start()
            if kind == "interim_transcript" and data.text:
                self._emit(SpeechEventType.INTERIM, data, message)
            elif kind == "preflight_transcript" and data.text and self._speaking:
                self._emit(SpeechEventType.PREFLIGHT, data, message)
            elif kind == "final_transcript":
                usage = {"audio_duration": round(self._audio_since_final, 3)}
                self._audio_since_final = 0.0
                if data.text:
                    self._emit(SpeechEventType.FINAL, data, message, usage)
                if self._speaking:
                    self._speaking = False
                    self._emit(SpeechEventType.END, SpeechData(text="", language=data.language),
                               message)

    def _start(self) -> None:
        if not self._speaking:
            self._speaking = True
            self._emit(SpeechEventType.START, SpeechData(text="", language=self.language), {})

    def _speech_data(self, message: dict[str, Any]) -> SpeechData:
        offset = self.start_time_offset
        start = float(message.get("start") or 0.0) + offset
        duration = float(message.get("duration") or 0.0)
        words = [
            {"word": str(w.get("word", "")), "start": float(w.get("start") or 0.0) + offset,
             "end": float(w.get("end") or 0.0) + offset,
             "confidence": float(w.get("confidence", 1.0)), "speaker_id": w.get("speaker_id")}
            for w in message.get("words") or [] if isinstance(w, dict)
        ]
        return SpeechData(
            text=str(message.get("transcript") or "").strip(),
            confidence=float(message.get("confidence", 1.0) or 0.0),
            language=str(message.get("language") or self.language or "") or None,
            start_time=start, end_time=start + duration, duration=duration, words=words,
        )

    def _emit(
        self, kind: SpeechEventType, data: SpeechData, message: dict[str, Any],
        usage: dict[str, Any] | None = None,
    ) -> None:
        metadata: dict[str, Any] = {"model": self._stt.model}
        for key in ("request_id", "speaker_id"):
            if message.get(key) is not None:
                metadata[key] = message[key]
        if isinstance(message.get("extra"), dict):
            metadata["extra"] = message["extra"]
        if usage is not None:
            metadata["recognition_usage"] = usage
        self._put(STTResponse(event_type=kind, data=data, metadata=metadata))

