"""OpenTelemetry for every call: one trace per call (spans per turn and stage, tool calls,
interruptions), metrics (turn latency histograms, interruptions, errors, active calls) and
logs, exported over OTLP/HTTP as the reference's ``ObservabilityOptions`` say.

Off unless configured (``TelemetrySettings.from_options``). ``TelemetryHub.observe`` attaches a
call's telemetry to its session's bus; the job layer does it for every job
(``vocalis.job.observers``).
"""

from .call_metrics import CallMetrics, Instruments
from .call_trace import STAGE_SPANS, CallTrace
from .hub import CallTelemetry, TelemetryHub, default_hub
from .logs import LevelRule
from .settings import Export, LogSettings, TelemetrySettings, signal_url

__all__ = [
    "STAGE_SPANS",
    "CallMetrics",
    "CallTelemetry",
    "CallTrace",
    "Export",
    "Instruments",
    "LevelRule",
    "LogSettings",
    "TelemetryHub",
    "TelemetrySettings",
    "default_hub",
    "signal_url",
]
