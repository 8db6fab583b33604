"""Measured figures: per-turn latency and stage timings, and per-session summaries."""

from .summary import SessionMetrics, percentile
from .turn import ToolTiming, TurnMetrics

__all__ = ["SessionMetrics", "ToolTiming", "TurnMetrics", "percentile"]
