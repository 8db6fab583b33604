"""Traces, metrics and logs of a call, exported over OTLP/HTTP to a real receiver and decoded
with the collector's protobuf messages: span names, parents, times and attributes."""

from __future__ import annotations

import asyncio
import logging

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
    function_tool,
)
from vocalis.job.observers import CallObservers
from vocalis.session.call_info import CallInfo
from vocalis.telemetry import TelemetryHub, TelemetrySettings
from vocalis.testing import FakeLLM, FakeResponse, FakeToolCall, ScriptedCall, UserScript
from vocalis.utils import run_virtual
from vocalis.utils.current_job import reset_current_job, set_current_job

LONG = ("Our restaurant opens at noon every day. We serve lunch until three. Dinner starts at "
        "six and the kitchen closes at ten.")


class Booking(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You book tables.")

    async def on_enter(self) -> None:
        await self.session.say("Hello, Luigi's.")

    @function_tool
    async def book_table(self, people: int) -> str:
        """Book a table.

        Args:
            people: how many people
        """
        await asyncio.sleep(0.25)
        return f"Booked for {people}."


@pytest.fixture
def receiver():
    server = OTLPReceiver().start()
    yield server
    server.stop()


def run_call(hub: TelemetryHub, settings: TelemetrySettings) -> CallInfo:
    """Greeting, a booking with a tool call, a long answer the user cuts off."""
    user = (UserScript().says("A table for two please", at=2.0)
            .says("When are you open", at=6.0).says("Actually never mind", at=9.0))
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("book_table", {"people": 2})], ttft=0.2),
        FakeResponse("Booked for two.", ttft=0.3),
        FakeResponse(LONG, ttft=0.3),
        FakeResponse("Alright.", ttft=0.1),
    ])

    async def main() -> CallInfo:
        call = ScriptedCall(Booking(), user, llm=llm)
        info = CallInfo.for_session(call.session, transport="test", room_id="room-1")
        telemetry = hub.observe(call.session, info, settings, end_reason=lambda: "user_left")
        assert telemetry is not None and telemetry.trace_id == info.trace_id
        await call.run(until=14.0)
        return info

    info = run_virtual(main())
    hub.shutdown()
    return info


def test_a_call_is_one_trace_with_turn_stage_tool_and_interruption_spans(receiver):
    options = ObservabilityOptions(traces=TracesOptions(export_url=receiver.url),
                                   metrics=MetricsOptions(export_url=receiver.url))
    info = run_call(TelemetryHub(), TelemetrySettings.from_options(options, env={}))
    spans = receiver.spans()
    assert {s.trace_id for s in spans} == {info.trace_id}
    (call,) = [s for s in spans if s.name == "call"]
    assert call.parent_id == ""
    assert call.resource["service.name"] == "vocalis"
    assert call.attributes["vocalis.call.id"] == info.id
    assert call.attributes["vocalis.transport"] == "test"
    assert call.attributes["vocalis.agent"] == "Booking"
    assert call.attributes["vocalis.call.end_reason"] == "user_left"
    assert 13.5 < call.seconds < 15.0

    turns = sorted((s for s in spans if s.name == "turn"), key=lambda s: s.start_ns)
    assert [t.parent_id for t in turns] == [call.span_id] * len(turns)
    assert call.attributes["vocalis.call.turns"] == len(turns) == 4
    greeting, booking, hours, never_mind = turns
    assert never_mind.attributes["vocalis.turn.interrupted"] is False
    assert greeting.attributes["vocalis.turn.answers_user"] is False
    assert booking.attributes["vocalis.turn.answers_user"] is True
    assert hours.attributes["vocalis.turn.interrupted"] is True
    for turn in turns:
        assert call.start_ns <= turn.start_ns <= turn.end_ns <= call.end_ns

    def children(parent):
        return {s.name: s for s in spans if s.parent_id == parent.span_id}

    stages = children(booking)
    assert {"user.speech", "vad.end", "stt.final", "eou.decision", "llm.first_token",
            "tool.call", "tts.first_byte", "audio.first_out", "agent.speech"} <= set(stages)
    for span in stages.values():
        assert booking.start_ns <= span.start_ns <= span.end_ns <= booking.end_ns
    assert stages["tool.call"].attributes == {"vocalis.tool.name": "book_table",
                                              "vocalis.tool.error": False}
    assert stages["tool.call"].seconds == pytest.approx(0.25, abs=0.01)
    assert stages["llm.first_token"].seconds == pytest.approx(0.2, abs=0.01)
    # The user's speech ends where the end-of-turn wait begins; the e2e latency is measured
    # from there to the first audio out.
    assert stages["user.speech"].end_ns == stages["eou.decision"].start_ns
    e2e = booking.attributes["vocalis.latency.e2e_latency_ms"]
    assert (stages["agent.speech"].start_ns - stages["eou.decision"].start_ns) / 1e6 == \
        pytest.approx(e2e, abs=1.0)
    assert [s.attributes["vocalis.kind"] for s in children(hours).values()
            if s.name == "interruption"] == ["interrupted"]
    assert "user.speech" not in children(greeting)

    metrics = receiver.metrics()
    (e2e_points,) = metrics["vocalis.turn.e2e_latency"]
    assert e2e_points.count == 3
    assert sum(p.as_int for p in metrics["vocalis.turns"]) == 4
    assert sum(p.as_int for p in metrics["vocalis.interruptions"]) == 1
    assert sum(p.as_int for p in metrics["vocalis.tool_calls"]) == 1
    assert sum(p.as_int for p in metrics["vocalis.calls.active"]) == 0


def test_export_headers_reach_the_collector_and_a_base_url_gets_the_signal_path(receiver):
    options = ObservabilityOptions(traces=TracesOptions(
        export_url=receiver.url, export_headers={"Authorization": "Bearer s3cret"}))
    run_call(TelemetryHub(), TelemetrySettings.from_options(options, env={}))
    assert receiver.requests["/v1/traces"] and not receiver.requests["/v1/metrics"]
    assert all(h.get("Authorization") == "Bearer s3cret" for h in receiver.headers)


@pytest.mark.parametrize(("level", "exported"), [
    ("WARNING", ["ERROR", "WARN"]),
    (["ERROR", "DEBUG"], ["DEBUG", "ERROR"]),
])
def test_logs_follow_the_level_threshold_or_allowlist_and_carry_the_call(receiver, level,
                                                                          exported):
    hub = TelemetryHub()
    options = ObservabilityOptions(
        traces=TracesOptions(export_url=receiver.url),
        logs=LoggingOptions(level=level, export_url=receiver.url))
    settings = TelemetrySettings.from_options(options, env={})
    log = logging.getLogger("vocalis.test_call")

    async def main() -> CallInfo:
        call = ScriptedCall(Booking(), UserScript(), llm=FakeLLM())
        info = CallInfo.for_session(call.session)
        hub.observe(call.session, info, settings)
        for name in ("DEBUG", "INFO", "WARNING", "ERROR"):
            log.log(logging.getLevelName(name), "a %s line", name.lower())
        await call.run(until=1.0)
        return info

    try:
        info = run_virtual(main())
    finally:
        hub.shutdown()
    ours = [r for r in receiver.logs() if r.body.string_value.startswith("a ")]
    assert sorted(r.severity_text for r in ours) == exported
    for record in ours:
        attrs = {kv.key: kv.value.string_value for kv in record.attributes}
        assert attrs["vocalis.call_id"] == info.id
        assert record.trace_id.hex() == info.trace_id
    # The hub removed its handler on shutdown.
    assert all(type(h).__name__ != "LoggingHandler" for h in logging.getLogger().handlers)


def test_nothing_is_exported_unless_configured():
    assert not TelemetrySettings.from_options(None, env={}).enabled
    assert not TelemetrySettings.from_options(ObservabilityOptions(), env={}).enabled
    off = ObservabilityOptions(traces=TracesOptions(enabled=False),
                               metrics=MetricsOptions(enabled=False))
    assert not TelemetrySettings.from_options(off, env={}).enabled
    from_env = TelemetrySettings.from_options(
        None, env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert from_env.traces is not None and from_env.metrics is not None
    assert from_env.logs is None
    hub = TelemetryHub()
    call = ScriptedCall(Booking(), UserScript(), llm=FakeLLM())
    assert hub.observe(call.session, CallInfo(), TelemetrySettings()) is None


def test_a_bad_export_url_is_refused_clearly():
    with pytest.raises(ValueError, match="http"):
        TelemetrySettings.from_options(
            ObservabilityOptions(traces=TracesOptions(export_url="collector:4318")), env={})


async def test_observability_given_to_session_start_traces_the_job(receiver):
    hub = TelemetryHub()
    ctx = JobContext(room_options=RoomOptions())
    ctx.observers = CallObservers(None, hub)
    token = set_current_job(ctx)
    session = AgentSession(Agent(instructions="x"), Pipeline(llm=FakeLLM()))
    try:
        await session.start(observability=ObservabilityOptions(
            traces=TracesOptions(export_url=receiver.url)))
        await session.run(user_input="hello")
    finally:
        reset_current_job(token)
        await session.close()
    await asyncio.to_thread(hub.shutdown)
    spans = receiver.spans()
    (call,) = [s for s in spans if s.name == "call"]
    assert call.attributes["vocalis.call.id"] == ctx.metadata["call_id"]
    assert [s.parent_id for s in spans if s.name == "turn"] == [call.span_id]
