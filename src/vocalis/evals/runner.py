"""Running a scenario against an agent file: its entrypoint runs as a real job, and each user
turn goes in either as a text-mode turn (``session.run``) or over the real ``/ws`` transport
(typed text, or an audio file played in real time like a microphone, silence in between).

What each turn led to is read from the session's events (``TurnCollector``): the transcript
the agent committed, its tool calls, its reply and the turn's measured figures. A scripted
``llm`` replaces the agent's language model before the session starts; text mode also drops
the audio components, so no speech model loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from ..audio.files import load_audio_file
from ..cli.commands import base_options
from ..cli.loader import AgentFile
from ..job.context import JobContext
from ..job.observers import CallObservers
from ..job.options import RoomOptions, TransportMode, WebSocketConfig
from ..job.runner import run_job
from ..job.serving import observed_contexts
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
from ..transports.base import RoomConnection
from ..transports.server import build_server
from ..utils.clock import now
from .checks import Check, ToolCallSeen, TurnOutcome, check_turn
from .judge import judge_conversation
from .scenario import Scenario

QUIET_STATES = (AgentState.IDLE, AgentState.LISTENING)
FRAME_SECONDS = 0.02
INPUT_RATE = 16000


class EvalError(RuntimeError):
    """The scenario could not be run (the agent never started, a turn never finished)."""


@dataclass
class ScenarioResult:
    scenario: Scenario
    turns: list[tuple[TurnOutcome, list[Check]]] = field(default_factory=list)
    judge: Check | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def checks(self) -> list[Check]:
        found = [check for _, checks in self.turns for check in checks]
        return found + ([self.judge] if self.judge is not None else [])

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed or c.skipped for c in self.checks)


# ---- observing the session ----------------------------------------------------------------------


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


class EvalRoom(RoomConnection):
    """Text mode's connection: a participant who is there, no audio in or out."""

    transport = "eval"

    async def connect(self) -> None:
        self._mark_joined("eval_user")

    def _on_session_attached(self, session: Any) -> None:
        """Nothing to pump: text-mode turns go straight to the session."""


# ---- running ------------------------------------------------------------------------------------


async def run_scenario(scenario: Scenario, agent: AgentFile, *, judge: bool = True,
                       mode: str | None = None) -> ScenarioResult:
    """Run ``scenario`` on ``agent`` and check every turn (and the judge's verdict)."""
    result = ScenarioResult(scenario)
    if mode is not None and mode != scenario.mode:
        try:
            scenario = Scenario.model_validate(
                {**scenario.model_dump(), "mode": mode, "path": scenario.path})
        except ValueError as exc:
            result.error = str(exc)
            return result
        result.scenario = scenario
    started = time.monotonic()
    try:
        with scenario_env(scenario.env):
            run = _run_text if scenario.mode == "text" else _run_websocket
            outcomes = await run(scenario, agent)
        for turn, outcome in zip(scenario.turns, outcomes, strict=True):
            result.turns.append((outcome, check_turn(turn.expect, outcome)))
        if scenario.judge is not None:
            result.judge = (await judge_conversation(scenario.judge, outcomes) if judge
                            else Check("judge", True, "skipped (--no-judge)", skipped=True))
    except (EvalError, TimeoutError, OSError, ValueError) as exc:
        result.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    result.seconds = time.monotonic() - started
    return result


async def _run_text(scenario: Scenario, agent: AgentFile) -> list[TurnOutcome]:
    observers = EvalObservers(scenario)
    options = _options(agent, TransportMode.CONSOLE)
    ctx = JobContext(room_options=options, metadata={"eval": scenario.name})
    ctx.observers = observers
    ctx.bind_room(EvalRoom())
    job = asyncio.ensure_future(run_job(agent.entrypoint, ctx))
    try:
        session = await _session_of(observers, scenario.turn_timeout, job)
        collector = observers.collector
        assert collector is not None
        await collector.until_quiet(scenario.turn_timeout)
        outcomes = []
        for turn in scenario.turns:
            assert turn.user is not None
            outcome = collector.begin(turn.user)
            await asyncio.wait_for(session.run(user_input=turn.user), scenario.turn_timeout)
            outcomes.append(outcome)
        return outcomes
    finally:
        ctx.shutdown("eval_finished")
        await _finish(job)


async def _run_websocket(scenario: Scenario, agent: AgentFile) -> list[TurnOutcome]:
    observers = EvalObservers(scenario)
    options = _options(agent, TransportMode.WEBSOCKET)
    options.websocket = WebSocketConfig(port=0, path=options.websocket.path)  # type: ignore[union-attr]
    server = build_server(agent.entrypoint, room_options=options,
                          jobctx=observed_contexts(agent.jobctx, options, observers))
    await server.start()
    url = server.url(options.websocket.path, "ws")  # type: ignore[union-attr]
    url += f"?sample_rate={INPUT_RATE}&output_sample_rate={INPUT_RATE}"
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            microphone = Microphone(ws)
            tasks = [asyncio.ensure_future(microphone.run()),
                     asyncio.ensure_future(_drain(ws))]
            try:
                return await _talk(scenario, observers, ws, microphone)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await server.aclose()


async def _talk(scenario: Scenario, observers: EvalObservers, ws: Any,
                microphone: Microphone) -> list[TurnOutcome]:
    await _session_of(observers, scenario.turn_timeout)
    collector = observers.collector
    assert collector is not None
    await collector.until_quiet(scenario.turn_timeout)
    outcomes = []
    for turn in scenario.turns:
        if turn.user is not None:
            outcome = collector.begin(turn.user)
            await ws.send_json({"type": "text", "text": turn.user})
        else:
            assert turn.audio is not None
            path = scenario.resolve(turn.audio)
            outcome = collector.begin(f"[audio] {path.name}")
            pcm = await asyncio.to_thread(load_audio_file, path, INPUT_RATE)
            await microphone.play(pcm)
        try:
            await asyncio.wait_for(collector.answered.wait(), scenario.turn_timeout)
        except TimeoutError:
            raise EvalError(f"turn {len(outcomes) + 1} got no answer within "
                            f"{scenario.turn_timeout:g} s (heard: {outcome.heard!r})") from None
        await collector.until_quiet(scenario.turn_timeout)
        outcomes.append(outcome)
    return outcomes


class Microphone:
    """Sends 20 ms PCM frames in real time, as a client's microphone does: queued clips, then
    silence."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._clip = b""
        self._played = asyncio.Event()
        self._played.set()

    async def play(self, pcm: bytes) -> None:
        """Queue ``pcm`` (16 kHz mono) and wait until it has been sent."""
        self._clip += pcm
        self._played.clear()
        await self._played.wait()

    async def run(self) -> None:
        frame_bytes = int(INPUT_RATE * FRAME_SECONDS) * 2
        silence = bytes(frame_bytes)
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            if self._clip:
                frame, self._clip = self._clip[:frame_bytes], self._clip[frame_bytes:]
                frame = frame.ljust(frame_bytes, b"\0")
                if not self._clip:
                    self._played.set()
            else:
                frame = silence
            await self.ws.send_bytes(frame)
            next_at += FRAME_SECONDS
            await asyncio.sleep(max(0.0, next_at - loop.time()))


async def _drain(ws: Any) -> None:
    """Read (and drop) what the server sends: the agent's voice and its events."""
    async for _ in ws:
        pass


async def _session_of(observers: EvalObservers, timeout: float,
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


async def _finish(job: asyncio.Future[Any]) -> None:
    try:
        await asyncio.wait_for(job, 20.0)
    except TimeoutError:
        job.cancel()


def _options(agent: AgentFile, mode: TransportMode) -> RoomOptions:
    options = base_options(agent, mode)
    options.host = "127.0.0.1"
    options.access_token = None
    return options


@contextlib.contextmanager
def scenario_env(env: dict[str, str]) -> Iterator[None]:
    """Set ``env`` for the run (``{tmp}`` is a fresh directory), then restore."""
    if not env:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="vocalis-eval-") as tmp:
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update({name: value.replace("{tmp}", tmp) for name, value in env.items()})
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
