"""How a job connects to its user: ``RoomOptions`` and the per-transport configs.

The reference's ``RoomOptions`` describes a VideoSDK cloud meeting; self-hosted, the "room" is a
transport connection (browser WebRTC, raw-PCM WebSocket, a Twilio media stream, the local
console, or a WAV file). Field names and defaults follow the reference where they make sense;
cloud-only fields are accepted (so ported code runs) and documented as unused.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..transports.sip.config import SIPConfig

from ..transports.admission import AdmissionConfig

logger = logging.getLogger("vocalis.job")

DEFAULT_ICE_SERVERS: list[dict[str, Any]] = [{"urls": "stun:stun.l.google.com:19302"}]
"""The reference's default ICE list (``WebRTCConfig.ice_servers``)."""

DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
"""1 MiB: a client message larger than this closes that connection (WebSocket code 1009)."""

DEFAULT_MAX_TEXT_CHARS = 4000
"""Longest typed user message; a longer one gets an error and the call goes on."""


class TransportMode(str, Enum):
    """Where the agent's user is. The reference's cloud ``VIDEOSDK`` mode maps to ``WEBRTC``."""

    WEBRTC = "webrtc"
    WEBSOCKET = "websocket"
    TELEPHONY = "telephony"
    CONSOLE = "console"
    FILE = "file"

    @classmethod
    def parse(cls, value: TransportMode | str) -> TransportMode:
        """A member from a member or a case-insensitive string; unknown strings raise ValueError
        (the reference ignored them silently and kept its default)."""
        if isinstance(value, TransportMode):
            return value
        text = str(value).strip().lower()
        if text == "videosdk":
            return cls.WEBRTC
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown transport_mode {value!r}; expected one of: {names}") from None

    @property
    def is_server(self) -> bool:
        """Served over HTTP: each incoming connection becomes one job."""
        return self in (TransportMode.WEBRTC, TransportMode.WEBSOCKET, TransportMode.TELEPHONY)


@dataclass
class WebSocketConfig:
    """The raw-PCM WebSocket transport: ``ws://host:port/path`` (reference defaults)."""

    port: int = 8080
    path: str = "/ws"

    def __post_init__(self) -> None:
        _check_port(self.port)
        _check_path(self.path, "websocket.path")


@dataclass
class WebRTCConfig:
    """Browser WebRTC: ``signaling_url`` is the HTTP path (or URL) offers are posted to; the
    reference required it, Vocalis serves its own signaling when it is None."""

    signaling_url: str | None = None
    signaling_type: str = "websocket"
    ice_servers: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.ice_servers is None:
            self.ice_servers = [dict(s) for s in DEFAULT_ICE_SERVERS]


@dataclass
class TelephonyConfig:
    """Twilio Media Streams over WebSocket: point TwiML ``<Stream url="wss://host/twilio">``
    here. ``mark_interval`` adds a ``mark`` every so many seconds of agent audio (0: only at the
    end of each stretch of speech). ``account_sid`` / ``auth_token`` (default: the
    ``TWILIO_ACCOUNT_SID`` / ``TWILIO_AUTH_TOKEN`` environment variables) let the agent transfer
    and hang up calls through Twilio's REST API; ``api_url`` overrides its address."""

    path: str = "/twilio"
    mark_interval: float = 0.0
    account_sid: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    api_url: str | None = None

    def __post_init__(self) -> None:
        _check_path(self.path, "telephony.path")
        if self.mark_interval < 0:
            raise ValueError("telephony.mark_interval must be >= 0")


@dataclass
class FileConfig:
    """File mode: run the agent on ``input`` (any audio file), write the agent's audio (24 kHz
    WAV, full timeline) to ``output`` and the turns to ``transcript`` (JSON). ``tail_seconds``
    of quiet after the input ends finish the run; ``max_tail_seconds`` caps the wait."""

    input: str = ""
    output: str | None = None
    transcript: str | None = None
    tail_seconds: float = 1.5
    max_tail_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.tail_seconds < 0 or self.max_tail_seconds < self.tail_seconds:
            raise ValueError("file: need 0 <= tail_seconds <= max_tail_seconds")


@dataclass
class RoomOptions:
    """How a job reaches its user, and the session lifetime rules.

    Self-hosted fields: ``transport_mode`` (default ``WEBRTC``, the counterpart of the
    reference's cloud meeting), ``host`` (``"127.0.0.1"``), ``access_token`` (required, and
    checked on every connection, when ``host`` is not a loopback address), ``websocket``,
    ``webrtc``, ``telephony``, ``file``, ``max_message_bytes`` (1 MiB), ``max_sessions``
    (100 concurrent connections per server, a hard cap) and ``admission`` (how many calls the
    server takes given its measured load, and how it turns the rest away: ``AdmissionConfig``).
    ``sip`` (a ``SIPConfig``) makes the agent server answer SIP calls too (``vocalis[sip]``).

    Limits of served connections (Vocalis additions; ``None`` disables one):
    ``max_text_chars`` (4000): longest typed message, longer ones get an error and the call goes
    on. ``media_timeout_seconds`` (60): a ``/ws`` or ``/twilio`` client that sends no audio or
    message for this long is disconnected (1008). ``max_call_duration_seconds`` (3600): any call
    is ended (1000) when it reaches this length. ``handshake_timeout_seconds`` (10): a TCP
    connection must send a complete request head within this long (and may idle this long
    between requests). ``max_connections_per_ip`` (64): open connections per client address,
    more get HTTP 503; raise it behind a reverse proxy, or for Twilio at volume, where many
    calls share one address.

    Lifetime (reference names and defaults): with ``auto_end_session`` a job ends
    ``session_timeout_seconds`` (5) after its participant leaves, and
    ``no_participant_timeout_seconds`` (90) after it started if nobody joined. ``None``
    disables a timeout.

    Telemetry (the reference's names; off unless set, as there is no cloud): ``traces``,
    ``metrics``, ``logs`` and ``observability`` (which takes precedence), exported over
    OTLP/HTTP to their ``export_url`` (``vocalis.job.observers.resolve_observability``);
    ``send_logs_to_dashboard`` / ``dashboard_log_level`` turn log export on as in the reference.

    Accepted for compatibility but unused self-hosted: ``auth_token``, ``playground``,
    ``signaling_base_url``, ``recording``/``recording_options``, ``avatar``, ``join_meeting``.
    Unlike the reference, unknown keyword arguments raise ``TypeError``.
    """

    room_id: str | None = None
    auth_token: str | None = None
    name: str | None = "Agent"
    agent_participant_id: str | None = None
    playground: bool = True
    vision: bool = False
    recording: bool = False
    recording_options: Any = None
    avatar: Any = None
    join_meeting: bool | None = True
    on_room_error: Callable[[Any], None] | None = None
    auto_end_session: bool = True
    session_timeout_seconds: float | None = 5
    no_participant_timeout_seconds: float | None = 90
    signaling_base_url: str | None = "api.videosdk.live"
    background_audio: bool = False
    send_logs_to_dashboard: bool = False
    dashboard_log_level: str = "INFO"
    traces: Any = None
    metrics: Any = None
    logs: Any = None
    observability: Any = None
    transport_mode: TransportMode | str = TransportMode.WEBRTC
    websocket: WebSocketConfig | None = None
    webrtc: WebRTCConfig | None = None
    telephony: TelephonyConfig | None = None
    file: FileConfig | None = None
    sip: SIPConfig | None = None
    host: str = "127.0.0.1"
    access_token: str | None = None
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_sessions: int = 100
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    media_timeout_seconds: float | None = 60.0
    max_call_duration_seconds: float | None = 3600.0
    handshake_timeout_seconds: float = 10.0
    max_connections_per_ip: int | None = 64
    admission: AdmissionConfig | None = None

    def __post_init__(self) -> None:
        self.transport_mode = TransportMode.parse(self.transport_mode)
        self.admission = self.admission or AdmissionConfig()
        self.websocket = self.websocket or WebSocketConfig()
        self.webrtc = self.webrtc or WebRTCConfig()
        self.telephony = self.telephony or TelephonyConfig()
        for name in ("session_timeout_seconds", "no_participant_timeout_seconds"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0 or None")
        for name in ("media_timeout_seconds", "max_call_duration_seconds"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0 or None")
        if not self.handshake_timeout_seconds > 0:
            raise ValueError("handshake_timeout_seconds must be > 0")
        if self.max_text_chars < 1:
            raise ValueError("max_text_chars must be >= 1")
        if self.max_connections_per_ip is not None and self.max_connections_per_ip < 1:
            raise ValueError("max_connections_per_ip must be >= 1 or None")
        if self.max_message_bytes < 1024:
            raise ValueError("max_message_bytes must be at least 1024")
        if self.max_sessions < 1:
            raise ValueError("max_sessions must be >= 1")
        if self.access_token == "":
            self.access_token = None
        if not is_loopback_host(self.host) and self.access_token is None:
            raise ValueError(
                f"RoomOptions(host={self.host!r}) exposes the agent beyond this machine: set "
                "access_token (clients then send ?token=... or 'Authorization: Bearer ...'), "
                "or bind host='127.0.0.1'"
            )

    @property
    def mode(self) -> TransportMode:
        """``transport_mode`` as a ``TransportMode`` (always parsed in ``__post_init__``)."""
        return TransportMode.parse(self.transport_mode)


def is_loopback_host(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be in 0..65535 (0 picks a free port), got {port}")


def _check_path(path: str, name: str) -> None:
    if not path.startswith("/"):
        raise ValueError(f"{name} must start with '/', got {path!r}")
