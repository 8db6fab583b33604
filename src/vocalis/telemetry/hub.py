"""``TelemetryHub``: the OpenTelemetry providers of one process, and per-call telemetry.

Providers (tracer, meter, logger) are made once per export destination and shared by every
call that exports there: their batching processors export from a background thread, off the
event loop. ``observe(session, info, settings)`` starts one call's trace and metrics on the
session's bus; ``shutdown()`` flushes and stops everything (the launcher calls it on exit).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from ..pipeline.events import SessionClosed, SessionEvent
from ..session.call_info import CallInfo
from .call_metrics import CallMetrics, Instruments
from .call_trace import CallTrace
from .logs import CURRENT_CALL, LevelRule
from .settings import Export, LogSettings, TelemetrySettings

logger = logging.getLogger("vocalis.telemetry")

SCOPE = "vocalis"


class CallTelemetry:
    """One call's trace and metrics, fed by its session's bus until the session closes."""

    def __init__(self, trace_: CallTrace | None, metrics: CallMetrics | None,
                 end_reason: Callable[[], str] | None) -> None:
        self.trace = trace_
        self.metrics = metrics
        self._end_reason = end_reason
        self._bus: Any = None

    @property
    def trace_id(self) -> str | None:
        return self.trace.trace_id if self.trace is not None else None

    def attach(self, bus: Any) -> CallTelemetry:
        self._bus = bus
        bus.subscribe(SessionEvent, self.on_event)
        return self

    def on_event(self, event: SessionEvent) -> None:
        if self.trace is not None:
            self.trace.on_event(event)
        if self.metrics is not None:
            self.metrics.on_event(event)
        if isinstance(event, SessionClosed):
            self.end(self._end_reason() if self._end_reason is not None else "closed")

    def end(self, reason: str) -> None:
        if self._bus is not None:
            self._bus.unsubscribe(SessionEvent, self.on_event)
            self._bus = None
        if self.trace is not None:
            self.trace.end(reason)
        if self.metrics is not None:
            self.metrics.end()


class TelemetryHub:
    """OpenTelemetry providers per destination, for every call of this process.

    ``metric_interval`` is the seconds between metric exports (None: the SDK's default, 60 s,
    or ``OTEL_METRIC_EXPORT_INTERVAL``)."""

    def __init__(self, *, service_name: str = "vocalis", metric_interval: float | None = None,
                 resource_attributes: dict[str, str] | None = None) -> None:
        self.resource = Resource.create({"service.name": service_name,
                                         **(resource_attributes or {})})
        self.metric_interval = metric_interval
        self._tracers: dict[Export, TracerProvider] = {}
        self._meters: dict[Export, tuple[MeterProvider, Instruments]] = {}
        self._loggers: dict[LogSettings, tuple[LoggerProvider, LoggingHandler]] = {}
        self._lock = threading.Lock()

    # ---- providers ---------------------------------------------------------------------------

    def tracer_provider(self, export: Export) -> TracerProvider:
        with self._lock:
            provider = self._tracers.get(export)
            if provider is None:
                provider = TracerProvider(resource=self.resource, shutdown_on_exit=False)
                provider.add_span_processor(BatchSpanProcessor(
                    OTLPSpanExporter(endpoint=export.url, headers=dict(export.headers) or None)
                ))
                self._tracers[export] = provider
            return provider

    def instruments(self, export: Export) -> Instruments:
        with self._lock:
            entry = self._meters.get(export)
            if entry is None:
                interval = (None if self.metric_interval is None
                            else self.metric_interval * 1000.0)
                reader = PeriodicExportingMetricReader(
                    OTLPMetricExporter(endpoint=export.url, headers=dict(export.headers) or None),
                    export_interval_millis=interval,
                )
                provider = MeterProvider(resource=self.resource, metric_readers=[reader],
                                         shutdown_on_exit=False)
                entry = (provider, Instruments.create(provider.get_meter(SCOPE)))
                self._meters[export] = entry
            return entry[1]

    def install_logs(self, settings: LogSettings) -> None:
        """Export the process's log records under ``settings`` (once per settings)."""
        with self._lock:
            if settings in self._loggers:
                return
            provider = LoggerProvider(resource=self.resource, shutdown_on_exit=False)
            export = settings.export
            provider.add_log_record_processor(BatchLogRecordProcessor(
                OTLPLogExporter(endpoint=export.url, headers=dict(export.headers) or None)
            ))
            handler = LoggingHandler(level=logging.NOTSET, logger_provider=provider)
            rule = LevelRule(settings.level)
            handler.addFilter(rule)
            root = logging.getLogger()
            root.addHandler(handler)
            vocalis_logger = logging.getLogger("vocalis")
            if vocalis_logger.getEffectiveLevel() > rule.lowest_level():
                vocalis_logger.setLevel(rule.lowest_level())
            self._loggers[settings] = (provider, handler)

    # ---- calls -------------------------------------------------------------------------------

    def observe(
        self,
        session: Any,
        info: CallInfo,
        settings: TelemetrySettings,
        *,
        end_reason: Callable[[], str] | None = None,
    ) -> CallTelemetry | None:
        """Start ``session``'s telemetry (call before ``session.start()``, from the task that
        runs the call, so that its logs carry the call). None when ``settings`` turn it off."""
        if not settings.enabled:
            return None
        if settings.logs is not None:
            self.install_logs(settings.logs)
        CURRENT_CALL.set(info.id)
        call_trace = None
        if settings.traces is not None:
            tracer = self.tracer_provider(settings.traces).get_tracer(SCOPE)
            call_trace = CallTrace(tracer, info)
            info.trace_id = call_trace.trace_id
            otel_context.attach(trace.set_span_in_context(call_trace.span))
        call_metrics = None
        if settings.metrics is not None:
            call_metrics = CallMetrics(self.instruments(settings.metrics), info)
        return CallTelemetry(call_trace, call_metrics, end_reason).attach(session.bus)

    # ---- lifecycle ---------------------------------------------------------------------------

    def force_flush(self, timeout_s: float = 10.0) -> None:
        """Export everything recorded so far (blocking: call it from a thread)."""
        millis = int(timeout_s * 1000)
        for provider in list(self._tracers.values()):
            provider.force_flush(millis)
        for provider, _ in list(self._meters.values()):
            provider.force_flush(millis)
        for provider, _ in list(self._loggers.values()):
            provider.force_flush(millis)

    def shutdown(self) -> None:
        """Flush and stop every provider (blocking: call it from a thread)."""
        with self._lock:
            tracers, self._tracers = list(self._tracers.values()), {}
            meters, self._meters = list(self._meters.values()), {}
            loggers, self._loggers = list(self._loggers.values()), {}
        for provider, handler in loggers:
            logging.getLogger().removeHandler(handler)
            provider.shutdown()
        for tracer in tracers:
            tracer.shutdown()
        for meter, _ in meters:
            meter.shutdown()


_default: TelemetryHub | None = None


def default_hub() -> TelemetryHub:
    """The process's hub for jobs no launcher gave one (flushed when the process exits)."""
    global _default
    if _default is None:
        _default = TelemetryHub()
        import atexit

        atexit.register(_default.shutdown)
    return _default
