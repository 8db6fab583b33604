"""``AdaptiveInterruptionDetector``: is the user's speech over the agent a real interruption
(barge-in) or a backchannel ("mm-hmm")? LiveKit's remote classifier, over HTTP or WebSocket.

It is the ``vocalis.interruption`` detector with a remote backend: the same stream protocol
(sentinels in, ``OverlappingSpeechEvent``s out), events and metrics, so it plugs into
``Pipeline(interruption_detector=...)`` like the local model. While the agent speaks and the
user's voice overlaps it, the stream keeps a window of user audio (16 kHz mono, at most
``max_audio_duration``, from ``audio_prefix_duration`` before the overlap) and sends it for
inference every ``detection_interval`` of new audio; the server's barge-in verdict decides.
"""

from __future__ import annotations

import os
import weakref

import aiohttp
import numpy as np

from ..interruption import (
    AgentSpeechEnded,
    AgentSpeechStarted,
    Flush,
    InterruptionBackend,
    InterruptionDetectionError,
    InterruptionDetector,
    InterruptionMetrics,
    InterruptionOptions,
    InterruptionStream,
    OverlappingSpeechEvent,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
    Prediction,
    PredictionRecord,
    conservative_probability,
)
from .interruption_transport import (
    Endpoint,
    HTTPBargeinSession,
    RemoteSession,
    WebSocketBargeinSession,
)
from .livekit.auth import DEFAULT_INFERENCE_URL, STAGING_INFERENCE_URL, resolve_credentials
from .livekit.errors import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions

__all__ = [
    "AdaptiveInterruptionDetector",
    "AgentSpeechEnded",
    "AgentSpeechStarted",
    "Flush",
    "InterruptionDetectionError",
    "InterruptionMetrics",
    "InterruptionStream",
    "OverlapSpeechEnded",
    "OverlapSpeechStarted",
    "OverlappingSpeechEvent",
    "PredictionRecord",
    "RemoteInterruptionBackend",
    "conservative_probability",
]


class RemoteInterruptionBackend(InterruptionBackend):
    """Scores windows at a ``/bargein`` endpoint: one session per stream, WebSocket through
    LiveKit's gateway (``use_proxy``), HTTP elsewhere."""

    model = "adaptive interruption"
    provider = "livekit"
    handles_timeout = True

    def __init__(self, base_url: str, *, use_proxy: bool, api_key: str | None,
                 api_secret: str | None, http_session: aiohttp.ClientSession | None,
                 conn_options: APIConnectOptions) -> None:
        self.use_proxy = use_proxy
        self.conn_options = conn_options
        self._http_session = http_session
        self._own_session: aiohttp.ClientSession | None = None
        self._options = InterruptionOptions()
        self._sessions: weakref.WeakSet[RemoteSession] = weakref.WeakSet()
        self.endpoint = Endpoint(base_url, api_key, api_secret, self.http)

    def http(self) -> aiohttp.ClientSession:
        """The caller's HTTP session, else one of our own (opened on first use)."""
        if self._http_session is not None:
            return self._http_session
        if self._own_session is None or self._own_session.closed:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    def configure(self, options: InterruptionOptions) -> None:
        """New options; a WebSocket session reconnects to send them (as the reference)."""
        self._options = options
        for session in list(self._sessions):
            session.reconfigure()

    def open_session(self, conn_options: APIConnectOptions | None = None) -> RemoteSession:
        kind = WebSocketBargeinSession if self.use_proxy else HTTPBargeinSession
        session = kind(self.endpoint, lambda: self._options, conn_options or self.conn_options)
        self._sessions.add(session)
        return session

    async def predict(self, window: np.ndarray) -> Prediction:
        """One window outside any stream, on a session of its own."""
        session = self.open_session()
        try:
            return await session.predict(window)
        finally:
            await session.aclose()

    async def aclose(self) -> None:
        for session in list(self._sessions):
            await session.aclose()
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None


class AdaptiveInterruptionDetector(InterruptionDetector):
    """Barge-in vs. backchannel classification through a remote model.

    Parameters and defaults follow LiveKit's code (plugins-and-gateways §8.12: its docstring
    says 0.5 s prefix and 1 s timeout; the code's 1.0 s and 0.7 s are authoritative and used
    here). ``base_url`` defaults to ``$LIVEKIT_REMOTE_EOT_URL``, else LiveKit's gateway; a
    LiveKit gateway URL needs credentials and uses the WebSocket, any other URL (for instance
    ``vocalis gateway``) uses HTTP and sends a JWT only when credentials are set;
    ``use_proxy`` forces the choice.

    Events: ``"overlapping_speech"`` (``OverlappingSpeechEvent``), ``"metrics_collected"``
    (``InterruptionMetrics``), ``"error"`` (``InterruptionDetectionError``; ``recoverable``
    while ``conn_options`` retries remain).

    Where the reference has bugs, this fixes them: every overlap of an agent turn gets its own
    window (the reference trims only on the first), audio at any rate is resampled (the
    reference takes 16 kHz only), and a stream whose retries ran out goes on with the next
    window instead of ending (a passing quota error must not end detection for the call).
    """

    backend: RemoteInterruptionBackend

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
        self.base_url = base_url or os.environ.get("LIVEKIT_REMOTE_EOT_URL") or DEFAULT_INFERENCE_URL
        if use_proxy is None:
            use_proxy = self.base_url.rstrip("/") in (DEFAULT_INFERENCE_URL, STAGING_INFERENCE_URL)
        self.use_proxy = use_proxy
        api_key, api_secret = resolve_credentials(api_key, api_secret, required=use_proxy)
        self.conn_options = conn_options or DEFAULT_API_CONNECT_OPTIONS
        backend = RemoteInterruptionBackend(
            self.base_url, use_proxy=use_proxy, api_key=api_key, api_secret=api_secret,
            http_session=http_session, conn_options=self.conn_options,
        )
        super().__init__(
            backend,
            threshold=threshold,
            min_interruption_duration=min_interruption_duration,
            max_audio_duration=max_audio_duration,
            audio_prefix_duration=audio_prefix_duration,
            detection_interval=detection_interval,
            inference_timeout=inference_timeout,
        )

    @property
    def label(self) -> str:
        return "livekit.inference.AdaptiveInterruptionDetector"

    def stream(  # type: ignore[override]
        self,
        *,
        conn_options: APIConnectOptions | None = None,
        sample_rate: int = 16000,
        max_queued_frames: int = 500,
    ) -> InterruptionStream:
        """A new stream for one caller, retrying per ``conn_options`` (default: the detector's)."""
        session = self.backend.open_session(conn_options)
        return self._open_stream(session, sample_rate, max_queued_frames)
