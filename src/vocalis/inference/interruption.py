"""``AdaptiveInterruptionDetector``: is the user's speech over the agent a real interruption
(barge-in) or a backchannel ("mm-hmm")? LiveKit's remote classifier, over HTTP or WebSocket.

While the agent speaks and the user's voice overlaps it, the stream keeps a rolling window of
user audio (16 kHz mono, at most ``max_audio_duration``, starting ``audio_prefix_duration``
before the overlap) and sends the whole window for inference every ``detection_interval`` of
new audio. A barge-in answer emits an ``OverlappingSpeechEvent`` with ``is_interruption=True``
at once; an overlap that ends without one emits a backchannel event.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..utils.clock import now
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from .interruption_transport import (
    SAMPLE_RATE,
    DetectionSettings,
    HTTPInterruptionBackend,
    InterruptionPrediction,
    WebSocketInterruptionBackend,
)
from .livekit.auth import DEFAULT_INFERENCE_URL, STAGING_INFERENCE_URL, resolve_credentials
from .livekit.errors import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, APIError

_FRAME_SECONDS = 0.025
_MAX_IN_FLIGHT = 4


class OverlappingSpeechEvent(BaseModel):
    """The verdict on one overlap of user speech with agent speech."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: Literal["overlapping_speech"] = "overlapping_speech"
    created_at: float
    detected_at: float
    is_interruption: bool
    total_duration: float = 0.0  #: round trip of the deciding request, seconds
    prediction_duration: float = 0.0  #: model time of the deciding request, seconds
    detection_delay: float = 0.0  #: from overlap onset to the verdict, seconds
    overlap_started_at: float | None = None
    speech_input: np.ndarray | None = Field(default=None, exclude=True, repr=False)
    probabilities: np.ndarray | None = Field(default=None, exclude=True, repr=False)
    probability: float = 0.0  #: the conservative estimate (n-th largest frame probability)
    num_requests: int = 0

    @classmethod
    def from_cache_entry(
        cls, entry: InterruptionCacheEntry, *, is_interruption: bool, started_at: float | None,
        ended_at: float,
    ) -> OverlappingSpeechEvent:
        return cls(
            created_at=entry.created_at, detected_at=ended_at, is_interruption=is_interruption,
            total_duration=entry.total_duration, prediction_duration=entry.prediction_duration,
            detection_delay=ended_at - (started_at if started_at is not None else ended_at),
            overlap_started_at=started_at, speech_input=entry.speech_input,
            probabilities=entry.probabilities, probability=entry.probability,
            num_requests=entry.num_requests,
        )


class InterruptionMetrics(BaseModel):
    """One per emitted verdict."""

    type: Literal["interruption_metrics"] = "interruption_metrics"
    timestamp: float
    total_duration: float
    prediction_duration: float
    detection_delay: float
    num_interruptions: int
    num_backchannels: int
    num_requests: int
    metadata: dict[str, str] = Field(default_factory=lambda: {
        "model_name": "adaptive interruption", "model_provider": "livekit"})


class InterruptionDetectionError(BaseModel):
    """A failed request or session; ``recoverable`` is False once retries are exhausted."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: Literal["interruption_detection_error"] = "interruption_detection_error"
    timestamp: float
    label: str
    error: Exception = Field(exclude=True)
    recoverable: bool


@dataclass
class InterruptionCacheEntry:
    """The latest answer during an overlap."""

    created_at: float
    total_duration: float
    prediction_duration: float
    probabilities: np.ndarray
    probability: float
    is_interruption: bool
    speech_input: np.ndarray
    num_requests: int


# ---- stream input sentinels (LiveKit's names) ---------------------------------------------

@dataclass
class AgentSpeechStarted:
    pass


@dataclass
class AgentSpeechEnded:
    pass


@dataclass
class OverlapSpeechStarted:
    speech_duration: float  #: seconds of user speech already heard when the overlap is reported
    started_at: float | None = None


@dataclass
class OverlapSpeechEnded:
    ended_at: float | None = None


@dataclass
class Flush:
    pass


def conservative_probability(probabilities: np.ndarray, min_frames: int) -> float:
    """The ``min_frames``-th largest probability (0.0 when there are fewer values)."""
    if len(probabilities) < min_frames or min_frames < 1:
        return 0.0
    return float(np.partition(probabilities, -min_frames)[-min_frames])


class AdaptiveInterruptionDetector(EventEmitter[str]):
    """Barge-in vs. backchannel classification through a remote model.

    Parameters and defaults follow LiveKit's code (plugins-and-gateways §8.12: its docstring
    says 0.5 s prefix and 1 s timeout; the code's 1.0 s and 0.7 s are authoritative and used
    here). ``base_url`` defaults to ``$LIVEKIT_REMOTE_EOT_URL``, else LiveKit's gateway; a
    LiveKit gateway URL needs credentials and uses the WebSocket, any other URL (for instance
    ``vocalis gateway``) uses HTTP and sends a JWT only when credentials are set.

    Events: ``"overlapping_speech"`` (``OverlappingSpeechEvent``), ``"metrics_collected"``
    (``InterruptionMetrics``), ``"error"`` (``InterruptionDetectionError``).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        min_interruption_duration: float = 0.05,
        max_audio_duration: float = 3.0,
        audio_prefix_duration: float = 1.0,
        detection_interval: float = 0.1,
        inference_timeout: float = 0.7,
        base_url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        http_session: aiohttp.ClientSession | None = None,
        conn_options: APIConnectOptions | None = None,
        use_proxy: bool | None = None,
    ) -> None:
        super().__init__()
        if max_audio_duration > 3.0:
            raise ValueError("max_audio_duration must be at most 3.0 seconds")
        if not 0.0 < threshold < 1.0:
            raise ValueError("threshold must be between 0 and 1")
        self.threshold = threshold
        self.min_interruption_duration = min_interruption_duration
        self.max_audio_duration = max_audio_duration
        self.audio_prefix_duration = audio_prefix_duration
        self.detection_interval = detection_interval
        self.inference_timeout = inference_timeout
        self.base_url = (base_url or os.environ.get("LIVEKIT_REMOTE_EOT_URL")
                         or DEFAULT_INFERENCE_URL)
        self.use_proxy = (self.base_url.rstrip("/") in (DEFAULT_INFERENCE_URL,
                                                        STAGING_INFERENCE_URL)
                          if use_proxy is None else use_proxy)
        self._api_key, self._api_secret = resolve_credentials(
            api_key, api_secret, required=self.use_proxy)
        self._http_session = http_session
        self._own_session: aiohttp.ClientSession | None = None
        self.conn_options = conn_options or DEFAULT_API_CONNECT_OPTIONS
        self._streams: set[InterruptionStream] = set()

    @property
    def min_frames(self) -> int:
        return max(1, math.ceil(round(self.min_interruption_duration / _FRAME_SECONDS, 6)))

    @property
    def model(self) -> str:
        return "adaptive interruption"

    @property
    def provider(self) -> str:
        return "livekit"

    @property
    def label(self) -> str:
        return "livekit.inference.AdaptiveInterruptionDetector"

    @property
    def sample_rate(self) -> int:
        return SAMPLE_RATE

    def session(self) -> aiohttp.ClientSession:
        if self._http_session is not None:
            return self._http_session
        if self._own_session is None:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    def settings(self) -> DetectionSettings:
        return DetectionSettings(threshold=self.threshold, min_frames=self.min_frames)

    def make_backend(self) -> HTTPInterruptionBackend | WebSocketInterruptionBackend:
        """The transport for one stream: WebSocket through LiveKit's gateway, else HTTP."""
        common = {"api_key": self._api_key, "api_secret": self._api_secret,
                  "inference_timeout": self.inference_timeout, "session": self.session()}
        if self.use_proxy:
            return WebSocketInterruptionBackend(self.base_url, self.settings(),
                                                connect_timeout=self.conn_options.timeout,
                                                **common)
        return HTTPInterruptionBackend(self.base_url, self.settings(), **common)

    def stream(self, *, conn_options: APIConnectOptions | None = None) -> InterruptionStream:
        stream = InterruptionStream(self, conn_options or self.conn_options)
        self._streams.add(stream)
        return stream

    def update_options(
        self, *, threshold: float | None = None, min_interruption_duration: float | None = None
    ) -> None:
        """New settings for every live stream (a WebSocket stream reconnects to apply them)."""
        if threshold is not None:
            self.threshold = threshold
        if min_interruption_duration is not None:
            self.min_interruption_duration = min_interruption_duration
        for stream in list(self._streams):
            stream.reconfigure()

    async def aclose(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None


class InterruptionStream:
    """One conversation's detection: push 16 kHz audio and the sentinels, iterate events."""

    def __init__(self, detector: AdaptiveInterruptionDetector, conn_options: APIConnectOptions):
        self._detector = detector
        self.conn_options = conn_options
        self._max_samples = int(detector.max_audio_duration * SAMPLE_RATE)
        self._interval_samples = int(detector.detection_interval * SAMPLE_RATE)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._agent_speaking = False
        self._first_overlap = True
        self._overlap_started_at: float | None = None
        self._in_overlap = False
        self._detected = False
        self._new_samples = 0
        self._num_requests = 0
        self._cache: InterruptionCacheEntry | None = None
        self._backend: Any = None
        self._backend_lock = asyncio.Lock()
        self._retries = 0
        self._tasks = TaskGroup("interruption")
        self._events: asyncio.Queue[OverlappingSpeechEvent | None] = asyncio.Queue(maxsize=256)
        self._closed = False

    # ---- input -------------------------------------------------------------------------------

    def push_frame(self, frame: Any) -> None:
        """16-bit mono PCM at 16 kHz (bytes, an ``AudioFrame``) or a sentinel."""
        if self._closed:
            return
        if isinstance(frame, AgentSpeechStarted):
            self._reset(agent_speaking=True)
        elif isinstance(frame, AgentSpeechEnded):
            self._reset(agent_speaking=False)
        elif isinstance(frame, OverlapSpeechStarted):
            self._overlap_started(frame)
        elif isinstance(frame, OverlapSpeechEnded):
            self._overlap_ended(frame)
        elif isinstance(frame, Flush):
            self._new_samples = 0
        else:
            self._push_audio(frame)

    def flush(self) -> None:
        self.push_frame(Flush())

    def end_input(self) -> None:
        self._closed = True
        self._put(None)

    def _push_audio(self, frame: Any) -> None:
        rate = getattr(frame, "sample_rate", SAMPLE_RATE)
        if rate != SAMPLE_RATE:
            raise ValueError(f"the interruption detector takes 16 kHz audio, not {rate} Hz")
        samples = np.frombuffer(bytes(getattr(frame, "data", frame)), dtype="<i2")
        self._buffer = np.concatenate([self._buffer, samples])[-self._max_samples :]
        if not (self._in_overlap and self._agent_speaking) or self._detected:
            return
        self._new_samples += len(samples)
        if self._new_samples >= self._interval_samples:
            self._new_samples = 0
            if len(self._tasks) < _MAX_IN_FLIGHT:
                self._tasks.spawn(self._request(self._buffer.copy()), name="interruption-predict")

    def _reset(self, *, agent_speaking: bool) -> None:
        self._agent_speaking = agent_speaking
        self._first_overlap = True
        self._in_overlap = False
        self._detected = False
        self._overlap_started_at = None
        self._new_samples = 0
        self._num_requests = 0
        self._cache = None

    def _overlap_started(self, sentinel: OverlapSpeechStarted) -> None:
        if not self._agent_speaking:
            return
        if self._first_overlap:
            keep = int((sentinel.speech_duration + self._detector.audio_prefix_duration)
                       * SAMPLE_RATE)
            self._buffer = self._buffer[-keep:] if keep > 0 else self._buffer[:0]
            self._first_overlap = False
        self._in_overlap = True
        self._detected = False
        self._num_requests = 0
        self._cache = None
        self._overlap_started_at = (sentinel.started_at if sentinel.started_at is not None
                                    else now() - sentinel.speech_duration)
        self._new_samples = self._interval_samples  # the first request goes out at once

    def _overlap_ended(self, sentinel: OverlapSpeechEnded) -> None:
        if not self._in_overlap:
            return
        self._in_overlap = False
        if not self._detected and self._cache is not None:
            ended_at = sentinel.ended_at if sentinel.ended_at is not None else now()
            self._emit(OverlappingSpeechEvent.from_cache_entry(
                self._cache, is_interruption=False, started_at=self._overlap_started_at,
                ended_at=ended_at))

    # ---- inference ---------------------------------------------------------------------------

    def reconfigure(self) -> None:
        """Apply the detector's new settings: the next request opens a fresh backend."""
        self._tasks.spawn(self._drop_backend(), name="interruption-reconfigure")

    async def _drop_backend(self) -> None:
        async with self._backend_lock:
            backend, self._backend = self._backend, None
        if backend is not None:
            await backend.aclose()

    async def _ready_backend(self) -> Any:
        async with self._backend_lock:
            if self._backend is None:
                backend = self._detector.make_backend()
                await backend.start()
                self._backend = backend
            return self._backend

    async def _request(self, window: np.ndarray) -> None:
        overlap_at = self._overlap_started_at
        self._num_requests += 1
        try:
            backend = await self._ready_backend()
            prediction = await backend.predict(window)
        except APIError as exc:
            await self._on_failure(exc)
            return
        self._retries = 0
        if not self._in_overlap or self._overlap_started_at != overlap_at or self._detected:
            return  # the overlap this window belonged to is over
        self._on_prediction(prediction, window)

    def _on_prediction(self, prediction: InterruptionPrediction, window: np.ndarray) -> None:
        entry = InterruptionCacheEntry(
            created_at=now() - prediction.total_duration,
            total_duration=prediction.total_duration,
            prediction_duration=prediction.prediction_duration,
            probabilities=prediction.probabilities,
            probability=conservative_probability(prediction.probabilities,
                                                 self._detector.min_frames),
            is_interruption=prediction.is_bargein, speech_input=window,
            num_requests=self._num_requests,
        )
        self._cache = entry
        if prediction.is_bargein:
            self._detected = True
            self._emit(OverlappingSpeechEvent.from_cache_entry(
                entry, is_interruption=True, started_at=self._overlap_started_at,
                ended_at=now()))

    async def _on_failure(self, exc: APIError) -> None:
        """Retry the session per ``conn_options``: recoverable errors while retries remain."""
        await self._drop_backend()
        self._retries += 1
        recoverable = exc.retryable and self._retries <= self.conn_options.max_retry
        self._detector.emit("error", InterruptionDetectionError(
            timestamp=now(), label=self._detector.label, error=exc, recoverable=recoverable))
        if recoverable:
            await asyncio.sleep(self.conn_options.interval_for_retry(self._retries - 1))
        else:
            self._retries = 0

    def _emit(self, event: OverlappingSpeechEvent) -> None:
        self._detector.emit("overlapping_speech", event)
        self._detector.emit("metrics_collected", InterruptionMetrics(
            timestamp=event.detected_at, total_duration=event.total_duration,
            prediction_duration=event.prediction_duration, detection_delay=event.detection_delay,
            num_interruptions=int(event.is_interruption),
            num_backchannels=int(not event.is_interruption), num_requests=event.num_requests))
        self._put(event)

    def _put(self, event: OverlappingSpeechEvent | None) -> None:
        if self._events.full():
            self._events.get_nowait()
        self._events.put_nowait(event)

    def __aiter__(self) -> Any:
        return self._iterate()

    async def _iterate(self) -> Any:
        while (event := await self._events.get()) is not None:
            yield event

    async def aclose(self) -> None:
        self._closed = True
        await self._tasks.aclose()
        await self._drop_backend()
        self._detector._streams.discard(self)
        with contextlib.suppress(asyncio.QueueFull):
            self._put(None)
