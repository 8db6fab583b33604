"""``DeepgramTTS``: Deepgram Aura streaming synthesis over ``wss://api.deepgram.com/v1/speak``.

Sends ``Speak`` per sentence and ``Flush`` at each ``FlushMarker`` and at the end of the input,
pushes the binary PCM it receives through ``_emit_audio`` (first-byte tracking included), treats
``Flushed`` as completion, and on ``interrupt()`` sends ``Clear`` and drops late audio until the
server answers ``Cleared``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from ...tts.tts import TTS, FlushMarker, TTSError
from ...utils.tasks import TaskGroup
from .connection import (
    DEFAULT_CONNECT_TIMEOUT,
    build_url,
    describe_error,
    open_websocket,
    parse_json_message,
    resolve_api_key,
)

logger = logging.getLogger("vocalis.plugins.deepgram")

_SENTENCE_END = re.compile(r"[.!?…;:][\"'”’)\]]*(?=\s|$)")


class _Synthesis:
    """One ``synthesize`` call: where its audio goes, its outstanding flushes, its failure."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.outstanding = 0
        self.error: TTSError | None = None


class _ClearMarker:
    """Stands in the flush queue where a ``Clear`` was sent."""


class DeepgramTTS(TTS):
    """Streaming text-to-speech with Deepgram Aura (``/v1/speak`` websocket).

    Parameters follow the reference (same names and defaults); Vocalis adds
    ``connect_timeout`` and ``receive_timeout`` (the longest silence from the server while a
    flush is outstanding before the synthesis fails with ``TTSError``). Only ``linear16`` is
    accepted: the audio goes to the track as 16-bit PCM at ``sample_rate``, which the TTS
    declares so the pipeline resamples it. Unknown ``**kwargs`` are ignored, as in the
    reference.

    Differences from the reference, on purpose: ``Clear`` is sent on interrupt and late audio is
    dropped until ``Cleared``; the first-audio-byte callback fires once per synthesis; text is
    sent a sentence at a time and ``FlushMarker`` closes a segment; ``synthesize`` returns when
    the server has ``Flushed`` everything; a server ``Error``, a dropped connection or a timeout
    raises ``TTSError`` from ``synthesize`` (and is emitted as ``"error"``) while the TTS stays
    usable: the next synthesis reconnects, reusing one HTTP session.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = "aura-2-thalia-en",
        encoding: str = "linear16",
        sample_rate: int = 24000,
        base_url: str = "wss://api.deepgram.com/v1/speak",
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        receive_timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        if encoding != "linear16":
            raise ValueError("DeepgramTTS streams 16-bit PCM: encoding must be 'linear16'")
        super().__init__(sample_rate=sample_rate, num_channels=1)
        self._api_key = resolve_api_key(api_key)
        self.model = model
        self.encoding = encoding
        self.base_url = base_url
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._tasks = TaskGroup("DeepgramTTS")
        self._connect_lock = asyncio.Lock()
        self._activity = asyncio.Event()
        self._flush_owners: deque[_Synthesis | _ClearMarker] = deque()
        self._current: _Synthesis | None = None
        self._send_task: asyncio.Task[None] | None = None
        self._clearing = False
        self.connections = 0  #: websocket connections opened so far (diagnostics)

    # -- public contract ------------------------------------------------------------------

    async def synthesize(
        self,
        text: AsyncIterator[str | FlushMarker] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Speak ``text``; returns when all its audio is pushed, or at once when interrupted."""
        if self.audio_track is None:
            raise self._fail(TTSError("DeepgramTTS.synthesize needs audio_track to be set"))
        if self._send_task is not None and not self._send_task.done():
            await self.interrupt()
        self.reset_first_audio_tracking()
        synthesis = _Synthesis(self.audio_track)
        self._current = synthesis
        try:
            ws = await self._ensure_connection()
        except TTSError as exc:
            raise self._fail(exc) from exc
        send_task = asyncio.create_task(self._send_text(ws, text, synthesis))
        self._send_task = send_task
        completed = False
        try:
            await asyncio.wait({send_task})
            if send_task.cancelled():
                return
            send_task.result()
            await self._wait_flushed(synthesis)
            completed = True
        except TTSError as exc:
            raise self._fail(exc) from exc
        finally:
            if not send_task.done():
                send_task.cancel()
            if self._current is synthesis:
                self._current = None
                if not completed:
                    await self._clear_server()

    async def interrupt(self) -> None:
        """Stop now: cancel sending, ``Clear`` the server's queue, drop audio until ``Cleared``."""
        current, self._current = self._current, None
        if self._send_task is not None and not self._send_task.done():
            self._send_task.cancel()
        if current is not None:
            await self._clear_server()
        if self.audio_track is not None:
            self.audio_track.interrupt()
        self._activity.set()

    async def prewarm(self) -> None:
        """Open the websocket ahead of the first synthesis (failures are emitted)."""
        try:
            await self._ensure_connection()
        except TTSError as exc:
            self._fail(exc)

    async def aclose(self) -> None:
        """Send ``Close``, close the socket and the HTTP session."""
        if self._send_task is not None and not self._send_task.done():
            self._send_task.cancel()
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await ws.send_str(json.dumps({"type": "Close"}))
            await ws.close()
        await self._tasks.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await super().aclose()

    # -- sending --------------------------------------------------------------------------

    async def _send_text(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        text: AsyncIterator[str | FlushMarker] | str,
        synthesis: _Synthesis,
    ) -> None:
        if isinstance(text, str):
            await self._speak(text)
            await self._flush(synthesis)
            return
        buffer = ""
        spoken = False
        async for item in text:
            if synthesis.error is not None:
                raise synthesis.error
            if isinstance(item, FlushMarker):
                spoken |= await self._speak(buffer)
                buffer = ""
                if spoken:
                    await self._flush(synthesis)
                    spoken = False
                continue
            buffer += item
            ends = [m.end() for m in _SENTENCE_END.finditer(buffer)]
            if ends:
                spoken |= await self._speak(buffer[: ends[-1]])
                buffer = buffer[ends[-1] :]
        spoken |= await self._speak(buffer)
        if spoken:
            await self._flush(synthesis)

    async def _speak(self, text: str) -> bool:
        text = text.strip()
        if not text:
            return False
        await self._send({"type": "Speak", "text": text})
        return True

    async def _flush(self, synthesis: _Synthesis) -> None:
        synthesis.outstanding += 1
        self._flush_owners.append(synthesis)
        await self._send({"type": "Flush"})

    async def _clear_server(self) -> None:
        """Discard what the server still holds for an abandoned synthesis; drop its late audio."""
        if self._ws is None or self._ws.closed:
            return
        self._clearing = True
        self._flush_owners.append(_ClearMarker())
        with contextlib.suppress(TTSError):
            await self._send({"type": "Clear"})

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            raise TTSError("Deepgram speak connection is closed")
        try:
            await ws.send_str(json.dumps(message))
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise TTSError(f"Deepgram speak send failed: {exc}") from exc

    async def _wait_flushed(self, synthesis: _Synthesis) -> None:
        while synthesis.outstanding > 0 and self._current is synthesis:
            if synthesis.error is not None:
                raise synthesis.error
            self._activity.clear()
            try:
                async with asyncio.timeout(self.receive_timeout):
                    await self._activity.wait()
            except TimeoutError:
                raise TTSError(
                    f"Deepgram speak: no response within {self.receive_timeout:g} s"
                ) from None
        if synthesis.error is not None:
            raise synthesis.error

    # -- connection and receiving ---------------------------------------------------------

    async def _ensure_connection(self) -> aiohttp.ClientWebSocketResponse:
        async with self._connect_lock:
            if self._ws is not None and not self._ws.closed:
                return self._ws
            if self._session is None:
                self._session = aiohttp.ClientSession()
            url = build_url(
                self.base_url,
                {"model": self.model, "encoding": self.encoding, "sample_rate": self.sample_rate},
            )
            ws = await open_websocket(
                self._session, url, self._api_key, timeout=self.connect_timeout, error_cls=TTSError
            )
            self._ws = ws
            self.connections += 1
            self._clearing = False
            self._flush_owners.clear()
            self._tasks.spawn(self._receive_loop(ws), name="deepgram-speak-recv")
            return ws

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            self._activity.set()
            if msg.type == aiohttp.WSMsgType.BINARY:
                await self._on_audio(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                self._on_text(msg.data)
            elif msg.type == aiohttp.WSMsgType.ERROR:
                break
        if self._ws is ws:
            self._ws = None
            owners = {o for o in self._flush_owners if isinstance(o, _Synthesis)}
            self._flush_owners.clear()
            self._clearing = False
            for owner in owners:
                if owner.outstanding > 0 and owner.error is None:
                    owner.error = TTSError(f"Deepgram speak connection lost (code {ws.close_code})")
        self._activity.set()

    async def _on_audio(self, pcm: bytes) -> None:
        if self._clearing or self._current is None or self._current.error is not None:
            logger.debug("deepgram: dropping %d bytes of late audio", len(pcm))
            return
        await self._emit_audio(pcm, self._current.sink)

    def _on_text(self, data: str) -> None:
        message = parse_json_message(data)
        if message is None:
            self._fail(TTSError(f"malformed message from Deepgram: {data[:200]!r}"))
            return
        kind = message.get("type")
        if kind == "Flushed":
            self._on_flushed()
        elif kind == "Cleared":
            self._on_cleared()
        elif kind == "Error":
            error = TTSError(describe_error(message))
            if self._current is not None:
                self._current.error = error
            else:
                self._fail(error)
        elif kind == "Warning":
            logger.warning("deepgram speak warning: %s", describe_error(message))
        else:
            logger.debug("deepgram: ignoring %r message", kind)

    def _on_flushed(self) -> None:
        if not self._flush_owners or isinstance(self._flush_owners[0], _ClearMarker):
            logger.debug("deepgram: Flushed for a cleared segment")
            return
        owner = self._flush_owners.popleft()
        assert isinstance(owner, _Synthesis)
        owner.outstanding -= 1

    def _on_cleared(self) -> None:
        while self._flush_owners:
            if isinstance(self._flush_owners.popleft(), _ClearMarker):
                break
        if not any(isinstance(o, _ClearMarker) for o in self._flush_owners):
            self._clearing = False

    def _fail(self, error: TTSError) -> TTSError:
        logger.warning("%s: %s", self.label, error)
        self.emit("error", error)
        return error
