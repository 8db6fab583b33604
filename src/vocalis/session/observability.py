"""The reference's recording and telemetry options.

In the reference these send recordings, traces, metrics and logs to the VideoSDK cloud (traces
and metrics by default). Vocalis records calls to local files (``RecordingOptions``, see
``session.recording``) and exports traces, metrics and logs to any OpenTelemetry collector over
OTLP/HTTP (``export_url``, ``export_headers``; ``vocalis.telemetry``), only when configured:
with no cloud, the default is off. Give them on ``RoomOptions`` or to
``AgentSession.start(observability=...)``. Asking for what only the cloud did
(``send_to_dashboard``) logs one line naming what Vocalis offers instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

logger = logging.getLogger("vocalis.session")

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass
class RecordingOptions:
    """How calls are recorded (``RoomOptions(recording=True, recording_options=...)``,
    ``ObservabilityOptions(recording=...)`` or ``session.start_recording(...)``).

    ``video`` / ``screen_share`` are the reference's (video is not recorded self-hosted). Both
    sides of the call go to ``path`` (default ``directory/<call id>.<format>``) as ``"wav"`` or
    ``"ogg"`` (Opus), ``layout="stereo"`` (caller left, agent right) or ``"mixed"``, at
    ``sample_rate``, written every ``flush_interval`` seconds; with ``transcript`` a
    ``.jsonl`` file beside it gets each turn's text and its start and end in the recording.
    """

    video: bool = False
    screen_share: bool = False
    directory: str = "recordings"
    path: str | None = None
    format: Literal["wav", "ogg"] = "wav"
    layout: Literal["stereo", "mixed"] = "stereo"
    sample_rate: int = 16000
    flush_interval: float = 1.0
    transcript: bool = True

    def __post_init__(self) -> None:
        if self.format not in ("wav", "ogg"):
            raise ValueError(f"format must be 'wav' or 'ogg', got {self.format!r}")
        if self.layout not in ("stereo", "mixed"):
            raise ValueError(f"layout must be 'stereo' or 'mixed', got {self.layout!r}")
        if self.sample_rate not in (8000, 16000, 24000, 48000):
            raise ValueError("sample_rate must be 8000, 16000, 24000 or 48000")
        if not 0.05 <= self.flush_interval <= 10:
            raise ValueError("flush_interval must be between 0.05 and 10 seconds")


@dataclass
class TracesOptions:
    """OpenTelemetry trace export: one trace per call (``vocalis.telemetry.call_trace``).
    ``export_url`` is the collector's OTLP/HTTP URL (a base URL gets ``/v1/traces``)."""

    enabled: bool = True
    export_url: str | None = None
    export_headers: dict[str, str] | None = None


@dataclass
class MetricsOptions:
    """OpenTelemetry metrics export (turn latency histograms, interruptions, errors, active
    calls; ``vocalis.telemetry.call_metrics``)."""

    enabled: bool = True
    export_url: str | None = None
    export_headers: dict[str, str] | None = None


@dataclass
class LoggingOptions:
    """Log export over OTLP: ``level`` is a threshold (a string) or an allowlist (a list of
    levels). Set in ``ObservabilityOptions`` it is on whatever ``enabled`` says, as in the
    reference; as ``RoomOptions(logs=...)`` it needs ``enabled=True``."""

    enabled: bool = False
    level: str | list[str] = "INFO"
    export_url: str | None = None
    export_headers: dict[str, str] | None = None
    send_to_dashboard: bool = False

    def __post_init__(self) -> None:
        levels = [self.level] if isinstance(self.level, str) else self.level
        if not isinstance(levels, list) or not all(isinstance(v, str) for v in levels):
            raise ValueError("level must be a log level name or a list of them")
        upper = [v.upper() for v in levels]
        unknown = [v for v in upper if v not in _LOG_LEVELS]
        if unknown:
            raise ValueError(f"unknown log level(s) {unknown}; expected {list(_LOG_LEVELS)}")
        self.level = upper[0] if isinstance(self.level, str) else upper


@dataclass
class ObservabilityOptions:
    """Recording, traces, metrics and logs in one place (each None: the default, off)."""

    recording: RecordingOptions | None = None
    traces: TracesOptions | None = None
    metrics: MetricsOptions | None = None
    logs: LoggingOptions | None = None


def warn_cloud_observability(options: Any) -> None:
    """Log one line for each part of ``options`` only the VideoSDK cloud provided."""
    if options is None:
        return
    logs = getattr(options, "logs", None)
    if logs is not None and getattr(logs, "send_to_dashboard", False):
        logger.warning("the VideoSDK dashboard is a cloud feature; Vocalis exports logs over "
                       "OTLP (export_url) and shows calls at /dashboard on vocalis serve")
