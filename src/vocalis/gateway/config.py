"""``GatewayConfig``: what ``vocalis gateway`` serves, to whom, and how much at once."""

from __future__ import annotations

from dataclasses import dataclass

from ..job.options import is_loopback_host


@dataclass
class GatewayConfig:
    """Settings of one gateway process; defaults keep it on this machine only.

    Every STT session is one more stream of the process-wide Whisper service (``stt_workers``
    decoding workers of ``stt_threads`` threads, batches of up to ``stt_max_batch``), as in
    ``vocalis serve``; barge-in
    windows go through the interruption model's own scheduler. Sessions beyond
    ``max_*_sessions`` are refused with the protocol's own overload error
    (an ``error`` envelope for VideoSDK clients, HTTP 429 for LiveKit clients) rather than
    making every session slow. ``max_message_bytes`` bounds each WebSocket message and
    ``max_text_chars`` the text a TTS session may hold unflushed.
    """

    host: str = "127.0.0.1"
    port: int = 8090
    token: str | None = None
    llm_url: str | None = None  #: an OpenAI-compatible server, e.g. http://localhost:11434/v1
    llm_api_key: str | None = None
    stt_model: str = "tiny.en"
    stt_workers: int = 0  #: Whisper decoding workers (0: one per core)
    stt_threads: int = 0  #: CTranslate2 threads per worker (0: the cores divided among them)
    stt_max_batch: int = 4  #: decodes of different sessions that may share one model call
    tts_voice: str = "en_US-joe-medium"
    device: str = "cpu"
    max_stt_sessions: int = 8
    max_tts_sessions: int = 8
    max_denoise_sessions: int = 8
    max_bargein_sessions: int = 32  #: barge-in WebSockets plus HTTP windows being scored
    max_llm_requests: int = 16
    max_message_bytes: int = 1 << 20
    max_text_chars: int = 20_000

    def __post_init__(self) -> None:
        if not is_loopback_host(self.host) and not self.token:
            raise ValueError(
                f"--host {self.host} exposes the gateway to the network: pass --token SECRET "
                "(VideoSDK clients send it as VIDEOSDK_AUTH_TOKEN, LiveKit clients sign their "
                "JWT with it as LIVEKIT_API_SECRET)")
        for name in ("max_stt_sessions", "max_tts_sessions", "max_denoise_sessions",
                     "max_bargein_sessions", "max_llm_requests", "stt_max_batch"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.stt_workers < 0 or self.stt_threads < 0:
            raise ValueError("stt_workers and stt_threads must be >= 0 (0: automatic)")
