"""Every job's session is observed: the reference's observability priority, the call id on the
job, the live list, and a job with no launcher's observers exporting only when configured."""

from __future__ import annotations

import asyncio

import pytest
from tests.telemetry.otlp_receiver import OTLPReceiver

from vocalis import (
    Agent,
    AgentSession,
    JobContext,
    LoggingOptions,
    MetricsOptions,
    ObservabilityOptions,
    Pipeline,
    RoomOptions,
    TracesOptions,
)
from vocalis.job import observers as observers_module
from vocalis.job.observers import CallObservers, observers_for_options, resolve_observability
from vocalis.telemetry import TelemetryHub
from vocalis.testing import FakeLLM
from vocalis.utils.current_job import reset_current_job, set_current_job


def test_observability_resolves_as_in_the_reference():
    grouped = TracesOptions(export_url="http://grouped:4318")
    flat = TracesOptions(export_url="http://flat:4318")
    options = RoomOptions(traces=flat, metrics=MetricsOptions(enabled=False),
                          observability=ObservabilityOptions(traces=grouped))
    resolved = resolve_observability(options)
    assert resolved.traces is grouped and resolved.metrics.enabled is False
    assert resolved.logs is None
    logs = resolve_observability(RoomOptions(logs=LoggingOptions(enabled=True, level="ERROR")))
    assert logs.logs.enabled and logs.logs.level == "ERROR"
    dashboard = resolve_observability(RoomOptions(send_logs_to_dashboard=True,
                                                  dashboard_log_level="DEBUG"))
    assert dashboard.logs.level == "DEBUG" and dashboard.logs.send_to_dashboard
    assert resolve_observability(RoomOptions()) == ObservabilityOptions()


def test_without_configuration_a_job_has_no_observers(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", raising=False)
    assert observers_for_options(RoomOptions()) is None
    configured = RoomOptions(traces=TracesOptions(export_url="http://c:4318"))
    assert observers_for_options(configured) is observers_for_options(configured)


async def run_job_session(ctx: JobContext) -> AgentSession:
    token = set_current_job(ctx)
    session = AgentSession(Agent(instructions="x"), Pipeline(llm=FakeLLM(default="Hi.")))
    try:
        await session.start()
        await session.run(user_input="hello")
    finally:
        reset_current_job(token)
    return session


async def test_a_job_session_is_listed_live_until_it_closes(tmp_path):
    observers = CallObservers()
    ctx = JobContext(room_options=RoomOptions(), metadata={"caller": "+15550100"})
    ctx.observers = observers
    session = await run_job_session(ctx)
    (live,) = observers.live_calls()
    assert live["id"] == ctx.metadata["call_id"] and live["agent"] == "Agent"
    assert live["transport"] == "webrtc" and live["turn_count"] == 1
    assert [line["text"] for line in live["lines"]] == ["hello", "Hi."]
    await session.close()
    assert observers.live_calls() == []


async def test_a_job_without_launcher_exports_what_its_options_configure(monkeypatch):
    receiver = OTLPReceiver().start()
    hub = TelemetryHub()
    monkeypatch.setattr(observers_module, "_telemetry_only", CallObservers(None, hub))
    try:
        ctx = JobContext(room_options=RoomOptions(
            traces=TracesOptions(export_url=receiver.url)))
        session = await run_job_session(ctx)
        await session.close()
        await asyncio.to_thread(hub.shutdown)
        names = {span.name for span in receiver.spans()}
        assert {"call", "turn", "llm.first_token"} <= names
    finally:
        receiver.stop()


@pytest.mark.parametrize("value", ["off", "0", "false"])
async def test_history_can_be_switched_off_by_environment(monkeypatch, value):
    monkeypatch.setenv("VOCALIS_HISTORY", value)
    observers = await CallObservers.open()
    assert observers.history is None
    await observers.aclose()
