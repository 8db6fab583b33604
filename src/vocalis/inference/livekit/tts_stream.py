"""``SynthesizeStream``: one LiveKit inference TTS synthesis on a pooled connection.

Each sentence goes as ``input_transcript`` and ``session.flush`` ends the input; ``output_audio``,
``output_alignment`` and ``done`` come back, each within the receive timeout. A failure before
any audio came out is retried per ``APIConnectOptions`` on a fresh connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from .connection import parse_json
from .errors import (
    APIConnectionError,
    APIConnectOptions,
    APIError,
    APIStatusError,
    APITimeoutError,
)

if TYPE_CHECKING:
    from .tts import TTS

logger = logging.getLogger("vocalis.inference.livekit.tts")

SENTENCE_END = re.compile(r"[.!?…;:][\"'”’)\]]*(?=\s)")


@dataclass
class SynthesizedAudio:
    """A piece of synthesized 16-bit mono PCM."""

    data: bytes
    segment_id: str
    is_final: bool = False


@dataclass
class TimedWord:
    word: str
    start: float
    end: float


class SynthesizeStream:
    """One synthesis: push text, ``end_input()``, iterate ``SynthesizedAudio``."""

    def __init__(self, tts: TTS, conn_options: APIConnectOptions) -> None:
        self._tts = tts
        self.conn_options = conn_options
        self._pending = ""
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._sent: list[str] = []  #: sentences sent so far (re-sent after a retry)
        self._audio: asyncio.Queue[SynthesizedAudio | APIError | None] = asyncio.Queue(maxsize=256)
        self.alignment: list[TimedWord] = []
        self.interrupted = False
        self.connection_reused = False
        self.segment_id = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._input_ended = False
        self._produced = False  #: audio came out: a failure now is not retried
        self._flush_sent = False
        self._task = asyncio.ensure_future(self._run())

    def push_text(self, text: str) -> None:
        if self._input_ended:
            raise RuntimeError("push_text after end_input")
        self._pending += text
        ends = [m.end() for m in SENTENCE_END.finditer(self._pending)]
        if ends:
            self._sentence(self._pending[: ends[-1]])
            self._pending = self._pending[ends[-1] :]

    def flush(self) -> None:
        """Send what is pending as a sentence now."""
        self._sentence(self._pending)
        self._pending = ""

    def end_input(self) -> None:
        if not self._input_ended:
            self.flush()
            self._input_ended = True
            self._sentences.put_nowait(None)

    def _sentence(self, text: str) -> None:
        if text.strip():
            self._sentences.put_nowait(text.strip())

    def __aiter__(self) -> AsyncIterator[SynthesizedAudio]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[SynthesizedAudio]:
        while True:
            item = await self._audio.get()
            if item is None:
                return
            if isinstance(item, APIError):
                raise item
            yield item

    async def interrupt(self) -> None:
        """Stop: the connection is closed, not returned to the pool."""
        self.interrupted = True
        await self.aclose()

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._tts._streams.discard(self)

    # ---- the session -----------------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        try:
            while True:
                ws = None
                try:
                    ws, self.connection_reused = await self._tts.pool.get()
                    self._ws = ws
                    await self._run_once(ws)
                    self._tts.pool.put(ws)
                    return
                except APIError as exc:
                    if ws is not None:
                        await self._tts.pool.remove(ws)
                    if self._produced or not exc.retryable or attempt >= self.conn_options.max_retry:
                        self._audio.put_nowait(exc)
                        return
                    delay = self.conn_options.interval_for_retry(attempt)
                    attempt += 1
                    logger.info("livekit TTS: %s; retry %d in %.1f s", exc, attempt, delay)
                    await asyncio.sleep(delay)
        except asyncio.CancelledError:
            if self._ws is not None:
                await self._tts.pool.remove(self._ws)
            raise
        finally:
            with contextlib.suppress(asyncio.QueueFull):
                self._audio.put_nowait(None)

    async def _run_once(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        sender = asyncio.ensure_future(self._send_loop(ws))
        try:
            await self._receive_loop(ws, sender)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    def _transcript_message(self, text: str) -> dict[str, Any]:
        tts = self._tts
        config = {k: v for k, v in (("voice", tts.voice), ("model", tts.model),
                                     ("language", tts.language)) if v}
        return {"type": "input_transcript", "transcript": text + " ",
                "generation_config": config, "extra": tts.extra_kwargs}

    async def _send_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            for text in self._sent:  # a retry re-sends what the failed connection had
                await ws.send_str(json.dumps(self._transcript_message(text)))
            if self._flush_sent:
                await ws.send_str(json.dumps({"type": "session.flush"}))
                return
            while True:
                text = await self._sentences.get()
                if text is None:
                    self._flush_sent = True
                    await ws.send_str(json.dumps({"type": "session.flush"}))
                    return
                self._sent.append(text)
                await ws.send_str(json.dumps(self._transcript_message(text)))
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise APIConnectionError(f"gateway send failed: {exc}") from exc

    async def _receive_loop(
        self, ws: aiohttp.ClientWebSocketResponse, sender: asyncio.Future[None]
    ) -> None:
        while not self._sent and not sender.done():  # wait until some input has been sent
            await asyncio.wait({sender}, timeout=0.01)
        if sender.done() and sender.exception() is not None:
            raise sender.exception()  # type: ignore[misc]
        while True:
            try:
                async with asyncio.timeout(self.conn_options.timeout):
                    msg = await ws.receive()
            except TimeoutError:
                raise APITimeoutError(
                    f"no message from the gateway in {self.conn_options.timeout:g} s") from None
            if msg.type != aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                    raise APIStatusError("Gateway connection closed unexpectedly", status_code=-1)
                continue
            message = parse_json(msg.data)
            if message is None:
                logger.warning("livekit TTS: malformed message skipped: %r", msg.data[:200])
                continue
            if message.get("session_id") and not self.segment_id:
                self.segment_id = str(message["session_id"])
            kind = message.get("type")
            if kind == "output_audio":
                try:
                    pcm = base64.b64decode(message.get("audio") or "", validate=True)
                except (ValueError, TypeError):
                    logger.warning("livekit TTS: malformed audio skipped")
                    continue
                if pcm:
                    self._produced = True
                    await self._audio.put(SynthesizedAudio(pcm, self.segment_id))
            elif kind == "output_alignment":
                for word in message.get("words") or message.get("chars") or []:
                    if isinstance(word, dict):
                        self.alignment.append(TimedWord(
                            str(word.get("word", word.get("char", ""))),
                            float(word.get("start") or 0.0), float(word.get("end") or 0.0)))
            elif kind == "done":
                return
            elif kind == "error":
                raise APIError(str(message.get("message") or "gateway error"), body=message,
                               retryable=not self._produced)
