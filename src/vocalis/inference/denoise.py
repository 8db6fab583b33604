"""``Denoise``: noise cancellation through the VideoSDK inference gateway (``/v1/denoise``).

Input frames are cut into fixed chunks (``chunk_ms``) sent as ``{"type": "audio", "data":
b64, "seq": n}`` after the config envelope; denoised audio comes back asynchronously (binary,
``audio`` or ``DENOISE_AUDIO`` envelopes) into a small bounded buffer that ``denoise()`` drains,
so each call returns at once with audio of the input's length.
"""

from __future__ import annotations

import base64
import logging
from collections import deque
from typing import Any

from ..denoise.denoise import Denoise as BaseDenoise
from ..utils.clock import now
from ..utils.tasks import TaskGroup
from .gateway import (
    DEFAULT_CONNECT_TIMEOUT,
    VIDEOSDK_INFERENCE_URL,
    error_text,
    event_of,
    parse_envelope,
    resolve_auth_token,
    ws_url,
)
from .socket import GatewaySocket

logger = logging.getLogger("vocalis.inference.denoise")

LATENCY_WINDOW = 50
OUTPUT_QUEUE_CHUNKS = 20


class DenoiseError(Exception):
    """The gateway reported an error or the connection failed."""


class Denoise(BaseDenoise):
    """Streaming noise suppression through the VideoSDK gateway (ai-coustics, Sanas).

    Parameters, factories and ``get_stats()`` follow the reference; Vocalis adds
    ``connect_timeout``. The pipeline resamples user audio to ``sample_rate`` (mono).

    Quirks of the reference (plugins-and-gateways §8.1), decided:

    - Audio passes through unchanged while the connection opens or reopens and until the first
      denoised audio arrives: a denoiser must never stall the caller's audio. Kept, on purpose.
    - The connect runs in the background instead of inside ``denoise()`` (the reference held
      the audio path for the whole connect), with backoff after failures.
    - A reconnect no longer sends the first frame twice, and ``reconnections`` is counted (the
      reference never incremented it).
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        sample_rate: int = 48000,
        channels: int = 1,
        chunk_ms: int = 10,
        config: dict[str, Any] | None = None,
        base_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        super().__init__()
        self._token = resolve_auth_token()
        self.provider = provider
        self.model_id = model_id
        self.sample_rate = sample_rate
        self.channels = channels
        self.chunk_ms = chunk_ms
        self.config: dict[str, Any] = dict(config or {})
        self.base_url = base_url or VIDEOSDK_INFERENCE_URL
        self.chunk_size_bytes = (chunk_ms * sample_rate // 1000) * channels * 2
        self._send_buffer = bytearray()
        self._output: deque[bytes] = deque()
        self._pending: dict[int, float] = {}  #: seq -> send time, for round-trip latency
        self._latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._seq = 0
        self._closing = False
        self._tasks = TaskGroup("inference-denoise")
        self._connect_task: Any = None
        self._stats = {"chunks_sent": 0, "bytes_sent": 0, "chunks_received": 0,
                       "bytes_received": 0, "errors": 0, "reconnections": 0, "buffer_drops": 0}
        self._errors_since_connect = 0
        self._socket = GatewaySocket(
            lambda: ws_url(self.base_url, "denoise", provider=self.provider, secret=self._token,
                           model_id=self.model_id),
            on_text=self._on_text,
            on_binary=self._on_binary,
            on_closed=lambda _code: self._reset_connection_state(),
            on_error=self._report,
            error_cls=DenoiseError,
            config=lambda: {"model": self.model_id, "sample_rate": self.sample_rate,
                            "channels": self.channels, **self.config},
            connect_timeout=connect_timeout,
            name="inference-denoise",
        )

    @property
    def label(self) -> str:
        return f"videosdk.inference.Denoise.{self.provider}.{self.model_id}"

    @classmethod
    def aicoustics(
        cls, *, model_id: str = "sparrow-xxs-48khz", sample_rate: int = 48000,
        channels: int = 1, base_url: str | None = None,
    ) -> Denoise:
        """ai-coustics: Sparrow (48 kHz: ``sparrow-xxs/s/l-48khz``) or Quail (16 kHz:
        ``quail-vf-l/l/s-16khz``), 10 ms chunks."""
        return cls(provider="aicoustics", model_id=model_id, sample_rate=sample_rate,
                   channels=channels, chunk_ms=10, base_url=base_url)

    @classmethod
    def sanas(
        cls, *, model_id: str = "VI_G_NC3.0", sample_rate: int = 16000, channels: int = 1,
        base_url: str | None = None,
    ) -> Denoise:
        """Sanas noise cancellation, 20 ms chunks at 16 kHz."""
        return cls(provider="sanas", model_id=model_id, sample_rate=sample_rate,
                   channels=channels, chunk_ms=20, base_url=base_url)

    # ---- audio path ----------------------------------------------------------------------

    async def denoise(self, audio_frames: bytes, **kwargs: Any) -> bytes:
        """Send ``audio_frames`` and return as much denoised audio, or the input itself while
        no denoised audio is ready."""
        frame = bytes(audio_frames)
        if self._closing or not frame:
            return frame
        if not self._socket.connected:
            self._start_connect()
            return frame
        self._send_buffer += frame
        while len(self._send_buffer) >= self.chunk_size_bytes:
            chunk = bytes(self._send_buffer[: self.chunk_size_bytes])
            del self._send_buffer[: self.chunk_size_bytes]
            seq = self._seq
            self._pending[seq] = now()
            message = {"type": "audio", "data": base64.b64encode(chunk).decode("ascii"), "seq": seq}
            if not await self._socket.send_json(message):
                self._stats["errors"] += 1
                self._reset_connection_state()
                return frame
            self._seq += 1
            self._stats["chunks_sent"] += 1
            self._stats["bytes_sent"] += len(chunk)
        return self._take(len(frame)) or frame

    def _take(self, size: int) -> bytes:
        if sum(len(c) for c in self._output) < size:
            return b""
        out = bytearray()
        while len(out) < size:
            chunk = self._output.popleft()
            need = size - len(out)
            out += chunk[:need]
            if len(chunk) > need:
                self._output.appendleft(chunk[need:])
        return bytes(out)

    def _start_connect(self) -> None:
        if self._connect_task is None or self._connect_task.done():
            self._connect_task = self._tasks.spawn(self._connect(), name="inference-denoise-connect")

    async def _connect(self) -> None:
        before = self._socket.connections
        if await self._socket.ensure() is not None and self._socket.connections > before:
            self._errors_since_connect = 0
            if before > 0:
                self._stats["reconnections"] += 1

    def _reset_connection_state(self) -> None:
        self._send_buffer.clear()
        self._pending.clear()
        self._seq = 0

    # ---- server messages -----------------------------------------------------------------

    async def _on_binary(self, data: bytes) -> None:
        self._received(data, None)

    async def _on_text(self, raw: str) -> None:
        message = parse_envelope(raw)
        if message is None:
            self._report(DenoiseError(f"malformed message from the gateway: {raw[:200]!r}"))
            return
        kind = message.get("type")
        if kind == "audio":
            self._received_b64(message.get("data"), message.get("seq"))
        elif kind == "event":
            event, data = event_of(message)
            if event == "DENOISE_AUDIO":
                self._received_b64(data.get("audio"), data.get("seq"))
        elif kind == "error":
            self._stats["errors"] += 1
            self._errors_since_connect += 1
            self._report(DenoiseError(f"inference gateway error: {error_text(message)}"))
            if self._errors_since_connect == 1:
                self._reset_connection_state()
                await self._socket.drop()

    def _received_b64(self, encoded: Any, seq: Any) -> None:
        try:
            audio = base64.b64decode(encoded or "", validate=True)
        except (ValueError, TypeError):
            self._report(DenoiseError("malformed audio from the gateway"))
            return
        self._received(audio, seq if isinstance(seq, int) else None)

    def _received(self, audio: bytes, seq: int | None) -> None:
        if not audio:
            return
        sent_at = self._pending.pop(seq, None) if seq is not None else None
        if sent_at is None and self._pending:
            sent_at = self._pending.pop(min(self._pending))  # FIFO match without a seq echo
        if sent_at is not None:
            self._latencies.append((now() - sent_at) * 1000)
        self._stats["chunks_received"] += 1
        self._stats["bytes_received"] += len(audio)
        self._output.append(audio)
        while len(self._output) > OUTPUT_QUEUE_CHUNKS:
            self._output.popleft()
            self._stats["buffer_drops"] += 1

    # ---- stats and life cycle ------------------------------------------------------------

    def get_latency_stats(self) -> dict[str, Any]:
        """Round-trip latency of the last ``LATENCY_WINDOW`` chunks, in milliseconds."""
        window = list(self._latencies)
        p95 = sorted(window)[int(len(window) * 0.95)] if len(window) >= 2 else 0.0
        return {
            "last_ms": round(window[-1], 2) if window else 0.0,
            "avg_ms": round(sum(window) / len(window), 2) if window else 0.0,
            "min_ms": round(min(window), 2) if window else float("inf"),
            "max_ms": round(max(window), 2) if window else 0.0,
            "p95_ms": round(p95, 2),
            "samples": len(window),
        }

    def get_stats(self) -> dict[str, Any]:
        latency = self.get_latency_stats()
        return {
            **self._stats,
            "latency_last_ms": latency["last_ms"], "latency_avg_ms": latency["avg_ms"],
            "latency_min_ms": latency["min_ms"], "latency_max_ms": latency["max_ms"],
            "latency_p95_ms": latency["p95_ms"],
            "buffer_size": len(self._send_buffer), "pending_chunks": len(self._pending),
            "provider": self.provider, "model": self.model_id, "sample_rate": self.sample_rate,
            "channels": self.channels, "connected": self._socket.connected,
        }

    async def prewarm(self) -> None:
        await self._connect()

    async def aclose(self) -> None:
        self._closing = True
        logger.info("%s: latency %s", self.label, self.get_latency_stats())
        await self._tasks.aclose()
        await self._socket.aclose({"type": "stop"})
        self._output.clear()

    def _report(self, error: Exception) -> None:
        logger.warning("%s: %s", self.label, error)
        self.emit("error", error)
