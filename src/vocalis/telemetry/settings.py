"""Which telemetry is on, and where it goes: ``TelemetrySettings`` from the reference's
``ObservabilityOptions``.

The reference sends traces and metrics to its cloud unless told otherwise; Vocalis has no
cloud, so everything is off unless configured: a ``TracesOptions`` / ``MetricsOptions`` that is
given (and ``enabled``), a ``LoggingOptions`` that is given, or, for traces and metrics, the
standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_`` / ``..._METRICS_ENDPOINT``)
environment variable. Export is OTLP over HTTP (protobuf).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

SIGNAL_PATHS = {"traces": "/v1/traces", "metrics": "/v1/metrics", "logs": "/v1/logs"}


@dataclass(frozen=True)
class Export:
    """Where one signal goes: an OTLP/HTTP URL (None: the exporter's standard environment
    variables, else ``http://localhost:4318``) and extra headers."""

    url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, options: Any, signal: str) -> Export:
        url = getattr(options, "export_url", None)
        headers = getattr(options, "export_headers", None) or {}
        return cls(signal_url(url, signal) if url else None,
                   tuple(sorted((str(k), str(v)) for k, v in headers.items())))


@dataclass(frozen=True)
class LogSettings:
    """Log export: a threshold (``"INFO"``: INFO and above) or an allowlist of levels."""

    export: Export
    level: str | tuple[str, ...] = "INFO"


@dataclass(frozen=True)
class TelemetrySettings:
    """What one call exports (each None: off)."""

    traces: Export | None = None
    metrics: Export | None = None
    logs: LogSettings | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.traces or self.metrics or self.logs)

    @classmethod
    def from_options(
        cls, observability: Any, env: Mapping[str, str] | None = None
    ) -> TelemetrySettings:
        """Settings for ``ObservabilityOptions`` (or None), with the OTLP environment
        variables as the fallback for traces and metrics."""
        env = os.environ if env is None else env
        traces = getattr(observability, "traces", None)
        metrics = getattr(observability, "metrics", None)
        logs = getattr(observability, "logs", None)
        return cls(
            traces=_signal(traces, "traces", env),
            metrics=_signal(metrics, "metrics", env),
            logs=(LogSettings(Export.of(logs, "logs"), _levels(logs.level))
                  if logs is not None else None),
        )


def _signal(options: Any, signal: str, env: Mapping[str, str]) -> Export | None:
    if options is not None:
        return Export.of(options, signal) if getattr(options, "enabled", True) else None
    if env.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT") or env.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    ):
        return Export()
    return None


def _levels(level: str | list[str]) -> str | tuple[str, ...]:
    return level.upper() if isinstance(level, str) else tuple(v.upper() for v in level)


def signal_url(url: str, signal: str) -> str:
    """``url`` for ``signal``: a base URL (no path) gets the signal's standard path, as with
    ``OTEL_EXPORTER_OTLP_ENDPOINT``; a URL with a path is used as it is."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"export_url must be an http(s) URL, got {url!r}")
    if parsed.path in ("", "/"):
        return url.rstrip("/") + SIGNAL_PATHS[signal]
    return url
