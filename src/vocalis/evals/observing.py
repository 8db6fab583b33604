"""Watching the scenario's session: ``EvalObservers`` hands it over before it starts (with
the scripted LLM in, and in text mode the audio components out), and ``TurnCollector`` reads
from its events what each user turn led to: the words the agent committed, its tool calls, its
reply, the turn's figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from ..cli.commands import base_options
from ..cli.loader import AgentFile
from ..job.observers import CallObservers
from ..job.options import RoomOptions, TransportMode
from ..llm.chat_context import ChatContext
from ..llm.items import FunctionCallOutput
from ..llm.llm import LLMError
from ..pipeline.events import (
    AgentStateChanged,
    AgentText,
    ErrorEvent,
    MetricsCollected,
    ToolsExecuted,
    TranscriptReady,
)
from ..pipeline.states import AgentState
from ..testing import FakeLLM, FakeResponse, FakeToolCall
from ..utils.clock import now
from .checks import ToolCallSeen, TurnOutcome
from .scenario import Scenario

QUIET_STATES = (AgentState.IDLE, AgentState.LISTENING)


class EvalError(RuntimeError):
    """The scenario could not be run (the agent never started, a turn never finished)."""


class TurnCollector:
    """Collects, from the session's events, what the current turn produced."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.current: TurnOutcome | None = None
        self._committed_at: float | None = None
        self.answered = asyncio.Event()
        self._state_changed = asyncio.Event()
        bus = session.bus
        bus.subscribe(TranscriptReady, self._heard)
        bus.subscribe(AgentText, self._text)
        bus.subscribe(ToolsExecuted, self._tool)
        bus.subscribe(MetricsCollected, self._metrics)
        bus.subscribe(ErrorEvent, self._error)
        bus.subscribe(AgentStateChanged, lambda _: self._state_changed.set())

    def begin(self, user: str) -> TurnOutcome:
        self.current = TurnOutcome(user=user)
        self._committed_at = None
        self.answered.clear()
        return self.current

    def _heard(self, event: TranscriptReady) -> None:
        if self.current is not None:
            self.current.heard = " ".join(filter(None, (self.current.heard, event.text)))
            self._committed_at = now()

    def _text(self, event: AgentText) -> None:
        current = self.current
        if current is not None and current.first_text_ms is None and self._committed_at:
            current.first_text_ms = round((now() - self._committed_at) * 1000.0, 3)

    def _tool(self, event: ToolsExecuted) -> None:
        if self.current is None:
            return
        call = event.summary()
        arguments = call["arguments"]
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                arguments = {"_raw": arguments}
        self.current.tool_calls.append(ToolCallSeen(
            call["name"], dict(arguments or {}), call["output"], call["is_error"]))

    def _metrics(self, event: MetricsCollected) -> None:
        current = self.current
        if current is None:
            return
        if event.metrics.agent_text:
            current.reply = " ".join(filter(None, (current.reply, event.metrics.agent_text)))
        if event.metrics.user_text:
            current.metrics = event.metrics
            self.answered.set()

    def _error(self, event: ErrorEvent) -> None:
        if self.current is not None:
            self.current.errors.append(f"{event.source}: {event.error}")

    async def until_quiet(self, timeout: float) -> None:
        """Wait until the agent says nothing and thinks of nothing."""
        deadline = time.monotonic() + timeout
        while not (self.session.agent_state in QUIET_STATES
                   and self.session.pipeline.current_utterance is None):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EvalError(f"the agent was still busy after {timeout:g} s "
                                f"(state {self.session.agent_state})")
            self._state_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._state_changed.wait(), min(remaining, 0.25))


class EvalObservers(CallObservers):
    """Hands the scenario the job's session before it starts, with its LLM scripted (and, in
    text mode, its audio components removed)."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.session: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.collector: TurnCollector | None = None

    async def attach(self, session: Any, ctx: Any) -> Any:
        info = await super().attach(session, ctx)
        if self.session.done():
            raise EvalError("the scenario talks to one session; the agent started another")
        pipeline = session.pipeline
        if self.scenario.llm is not None:
            await pipeline.change_component(llm=scripted_llm(self.scenario))
        if self.scenario.mode == "text":
            await pipeline.change_pipeline(stt=None, tts=None, vad=None, turn_detector=None,
                                           denoise=None)
        self.collector = TurnCollector(session)
        self.session.set_result(session)
        return info


def scripted_llm(scenario: Scenario) -> FakeLLM:
    """The test kit's ``FakeLLM`` answering with the scenario's steps in order; ``{tool_output}``
    in a step's text becomes the latest tool result, so a reply can carry what a tool said."""
    assert scenario.llm is not None
    steps = list(scenario.llm)

    def respond(ctx: ChatContext) -> FakeResponse:
        if not steps:
            raise LLMError("the scenario's llm script has no step left for this request",
                           retryable=False)
        step = steps.pop(0)
        outputs = [item.output for item in ctx.items if isinstance(item, FunctionCallOutput)]
        text = step.text.replace("{tool_output}", outputs[-1] if outputs else "")
        return FakeResponse(text=text, ttft=step.ttft, tool_calls=[
            FakeToolCall(call.name, dict(call.arguments)) for call in step.tool_calls])

    return FakeLLM(respond=respond)


async def session_of(observers: EvalObservers, timeout: float,
                      job: asyncio.Future[Any] | None = None) -> Any:
    """The job's session once it starts (an error if the job ends first, or on timeout)."""
    waiting = {observers.session} | ({job} if job is not None else set())
    done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if observers.session in done:
        return observers.session.result()
    if job is not None and job in done:
        job.result()
        raise EvalError("the agent's entrypoint returned without starting a session")
    raise EvalError(f"the agent did not start a session within {timeout:g} s")


def room_options_for(agent: AgentFile, mode: TransportMode) -> RoomOptions:
    options = base_options(agent, mode)
    options.host = "127.0.0.1"
    options.access_token = None
    return options
