"""Running a scenario against an agent file: its entrypoint runs as a real job, each user turn
goes in as a text-mode turn (``session.run``) or over the real ``/ws`` transport
(``over_websocket``), and what each turn led to is checked (``checks``), then judged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..cli.loader import AgentFile
from ..job.context import JobContext
from ..job.options import TransportMode
from ..job.runner import run_job
from ..transports.base import RoomConnection
from .checks import Check, TurnOutcome, check_turn
from .judge import judge_conversation
from .observing import EvalError, EvalObservers, room_options_for, session_of
from .over_websocket import run_over_websocket
from .scenario import Scenario


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


class EvalRoom(RoomConnection):
    """Text mode's connection: a participant who is there, no audio in or out."""

    transport = "eval"

    async def connect(self) -> None:
        self._mark_joined("eval_user")

    def _on_session_attached(self, session: Any) -> None:
        """Nothing to pump: text-mode turns go straight to the session."""


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
            run = _run_text if scenario.mode == "text" else run_over_websocket
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
    options = room_options_for(agent, TransportMode.CONSOLE)
    ctx = JobContext(room_options=options, metadata={"eval": scenario.name})
    ctx.observers = observers
    ctx.bind_room(EvalRoom())
    job = asyncio.ensure_future(run_job(agent.entrypoint, ctx))
    try:
        session = await session_of(observers, scenario.turn_timeout, job)
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


async def _finish(job: asyncio.Future[Any]) -> None:
    try:
        await asyncio.wait_for(job, 20.0)
    except TimeoutError:
        job.cancel()


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
