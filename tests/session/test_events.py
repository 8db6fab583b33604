"""One bus per session: typed events emitted once, readable by class or by reference name."""

from __future__ import annotations

from tests.scenarios.agents import Greeter

from vocalis.pipeline import AgentState, EventBus, SessionEvent
from vocalis.pipeline.events import AgentStateChanged, ErrorEvent, MetricsCollected, UserTranscript
from vocalis.testing import FakeLLM, ScriptedCall, UserScript, run_virtual


def test_a_typed_event_reaches_class_base_class_and_name_subscribers_once():
    bus = EventBus()
    by_class, by_base, by_name = [], [], []
    bus.subscribe(AgentStateChanged, by_class.append)
    bus.subscribe(SessionEvent, by_base.append)
    bus.subscribe("agent_state_changed", by_name.append)
    bus.publish(AgentStateChanged(AgentState.THINKING))
    assert by_class == by_base == [AgentStateChanged(AgentState.THINKING)]
    assert by_name == [{"state": "thinking"}]


def test_a_failing_subscriber_does_not_reach_the_publisher():
    bus = EventBus()
    seen = []

    def broken(event):
        raise RuntimeError("subscriber bug")

    bus.subscribe(ErrorEvent, broken)
    bus.subscribe(ErrorEvent, seen.append)
    bus.publish(ErrorEvent("stt", "lost", recoverable=True))
    assert seen and seen[0].payload() == {"source": "stt", "error": "lost", "recoverable": True}


def test_session_subscribers_by_class_and_name_see_the_same_call():
    user = UserScript().says("Hello there", at=1.0)
    call = ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(["Hi, how can I help?"]))
    typed: list[SessionEvent] = []
    call.session.on(SessionEvent, typed.append)
    record = run_virtual(call.run(until=5.0))
    names = [name for _, name, _ in record.events]
    finals = [e for e in typed if isinstance(e, UserTranscript) and e.is_final]
    assert [e.text for e in finals] == ["Hello there"]
    assert sum(isinstance(e, MetricsCollected) for e in typed) == names.count("metrics_collected") == 1
    states = [e.state.value for e in typed if isinstance(e, AgentStateChanged)]
    assert states == [s for _, s in record.states()]
