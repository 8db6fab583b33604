"""``CallObservers``: what watches every call of a process — its history and its telemetry.

A launcher (``vocalis serve``, ``WorkerJob.start()``; under ``vocalis start``, each pooled
process) opens one, and each ``JobContext`` it makes carries it. When the job's session starts,
``attach`` gives the call an id (``ctx.call_id`` when the launcher named the call; also in
``ctx.metadata["call_id"]``), starts its trace and metrics as the job's observability options
say (``resolve_observability``), and records it in the call history. The live calls are
listed for the dashboard.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..session.call_info import CallInfo
from ..session.observability import LoggingOptions, ObservabilityOptions
from ..storage import CallHistory, CallRecorder, StorageConfig, Write, history_enabled
from ..telemetry import CallTelemetry, TelemetryHub, TelemetrySettings, default_hub
from .options import RoomOptions

logger = logging.getLogger("vocalis.job")


def resolve_observability(options: RoomOptions) -> ObservabilityOptions:
    """The reference's priority: ``observability`` > the flat ``traces``/``metrics``/``logs``
    fields > the defaults (everything off: there is no cloud to send to)."""
    grouped = options.observability or ObservabilityOptions()
    logs = grouped.logs
    if logs is None and (getattr(options.logs, "enabled", False) or options.send_logs_to_dashboard):
        flat = options.logs or LoggingOptions()
        logs = LoggingOptions(
            enabled=True,
            level=flat.level if flat.enabled else options.dashboard_log_level,
            export_url=flat.export_url, export_headers=flat.export_headers,
            send_to_dashboard=flat.send_to_dashboard or options.send_logs_to_dashboard,
        )
    return ObservabilityOptions(
        recording=grouped.recording,
        traces=grouped.traces if grouped.traces is not None else options.traces,
        metrics=grouped.metrics if grouped.metrics is not None else options.metrics,
        logs=logs,
    )


class CallObservers:
    """The call history (optional) and the telemetry hub shared by a process's jobs."""

    def __init__(self, history: CallHistory | None = None,
                 telemetry: TelemetryHub | None = None) -> None:
        self.history = history
        self.telemetry = telemetry or default_hub()
        self._owns_telemetry = telemetry is not None
        self.live: dict[str, CallRecorder] = {}
        self._telemetry: dict[str, CallTelemetry] = {}

    @classmethod
    async def open(cls, storage: StorageConfig | None = None, *, history: bool = True,
                   telemetry: TelemetryHub | None = None) -> CallObservers:
        """Observers with the call history in ``storage`` (default ``StorageConfig()``) unless
        ``history`` is False or ``VOCALIS_HISTORY=off``."""
        store = None
        if history and history_enabled():
            store = await CallHistory.open(storage or StorageConfig())
        return cls(store, telemetry or TelemetryHub())

    def live_calls(self) -> list[dict[str, Any]]:
        """The calls in progress, newest first (for the dashboard)."""
        calls = [recorder.snapshot() for recorder in self.live.values()]
        return sorted(calls, key=lambda c: c["started_at"], reverse=True)

    async def attach(self, session: Any, ctx: Any) -> CallInfo:
        """Observe ``session``, the session of job ``ctx`` (run from the job's task)."""
        room = ctx.room
        metadata = {k: v for k, v in ctx.metadata.items() if k != "call_id"}
        named = {"id": ctx.call_id} if getattr(ctx, "call_id", None) else {}
        info = CallInfo.for_session(
            session, **named,
            transport=getattr(room, "transport", "") or ctx.room_options.mode.value,
            room_id=getattr(room, "room_id", "") or "",
            participant=getattr(room, "participant_id", None) or "",
            info={"metadata": metadata},
            recording_url=_recording_location(ctx),
        )
        ctx.metadata["call_id"] = info.id

        def end_reason() -> str:
            closed = room.close_reason if room is not None and room.closed.is_set() else ""
            return ctx.shutdown_reason or closed or "closed"

        settings = TelemetrySettings.from_options(resolve_observability(ctx.room_options))
        try:
            self.telemetry.observe(session, info, settings, end_reason=end_reason)
        except Exception:
            logger.exception("telemetry for call %s could not start", info.id)
        def ended(recorder: CallRecorder) -> None:
            self.live.pop(recorder.info.id, None)

        if self.history is not None:
            recorder = self.history.record(session, info, end_reason=end_reason,
                                           on_closed=ended)
        else:
            recorder = CallRecorder(info, _discard, end_reason=end_reason,
                                    on_closed=ended).attach(session.bus)
        self.live[info.id] = recorder
        return info

    async def flush(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds each) until what the calls recorded so far is
        written to the history (or spooled when its database is down) and their telemetry is
        exported: a process that crashes later loses neither."""
        if self.history is not None:
            try:
                await asyncio.wait_for(self.history.flush(), timeout)
            except TimeoutError:
                logger.warning("the call history took more than %.0f s to write", timeout)
        try:
            await asyncio.wait_for(asyncio.to_thread(self.telemetry.force_flush, timeout), timeout)
        except TimeoutError:
            logger.warning("exporting the calls' telemetry took more than %.0f s", timeout)
        except Exception:
            logger.exception("exporting the calls' telemetry failed")

    async def aclose(self) -> None:
        """Finish calls still open ("server_shutdown"), write the history, flush telemetry."""
        for recorder in list(self.live.values()):
            recorder.finish("server_shutdown")
        for telemetry in list(self._telemetry.values()):
            telemetry.end("server_shutdown")
        if self.history is not None:
            await self.history.aclose()
        if self._owns_telemetry:
            await asyncio.to_thread(self.telemetry.shutdown)


_telemetry_only: CallObservers | None = None


def observers_for_options(options: RoomOptions) -> CallObservers | None:
    """For a job no launcher gave observers: telemetry alone, when its options turn it on."""
    global _telemetry_only
    if not TelemetrySettings.from_options(resolve_observability(options)).enabled:
        return None
    if _telemetry_only is None:
        _telemetry_only = CallObservers()
    return _telemetry_only


def _discard(write: Write) -> None:
    """Where a live call's rows go when there is no call history."""


def _recording_location(ctx: Any) -> str | None:
    """Where the call's audio is recorded: ``ctx.metadata["recording_url"]`` when the
    entrypoint sets one, else the output file in file mode."""
    url = ctx.metadata.get("recording_url")
    if url:
        return str(url)
    file = getattr(ctx.room_options, "file", None)
    return getattr(file, "output", None) or None
