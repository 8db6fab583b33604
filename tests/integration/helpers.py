"""A live call for integration tests: a real ``AgentSession`` on real (loopback) sockets.

Unlike ``ScriptedCall`` (virtual clock, fake components), the providers here talk to the fake
servers in ``tests/fakes`` over TCP, so the call runs on the normal asyncio loop in real time.
It ends as soon as a condition holds (not after a fixed length), which keeps the tests fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from vocalis import Agent, AgentSession, ChatRole, Pipeline, function_tool
from vocalis.audio import OutputTrack
from vocalis.llm.items import FunctionCall, FunctionCallOutput
from vocalis.testing import CallRecord, LoopbackInput, LoopbackOutput, OutputRecord, UserScript
from vocalis.utils.clock import now

QUESTION = "What's the weather in Paris?"

RECORDED = (
    "agent_state_changed", "user_state_changed", "user_transcript", "agent_text",
    "metrics_collected", "function_tools_executed", "interrupted", "false_interruption",
    "error",
)


class LiveCall:
    """Runs ``agent`` on ``pipeline``, feeding ``user``'s script in real time and pulling the
    output track like a transport. Events are recorded with call-relative times."""

    def __init__(self, agent: Any, pipeline: Pipeline, user: UserScript) -> None:
        self.agent = agent
        self.pipeline = pipeline
        self.user = user
        self.track = OutputTrack()
        self.session = AgentSession(agent, pipeline, output_track=self.track)
        self.events: list[tuple[float, str, Any]] = []
        self._t0 = now()
        self.output = LoopbackOutput(self.track)
        for name in RECORDED:
            self.session.on(name, lambda payload=None, _n=name: self._record(_n, payload))

    def _record(self, name: str, payload: Any) -> None:
        self.events.append((now() - self._t0, name, payload))

    def states(self) -> list[str]:
        return [p["state"] for _, n, p in self.events if n == "agent_state_changed"]

    def finished_speaking(self, replies: int = 1) -> bool:
        """The agent went back to idle after speaking ``replies`` times."""
        states = self.states()
        spoke = 0
        for before, after in itertools.pairwise(states):
            if before == "speaking" and after in ("idle", "listening"):
                spoke += 1
        return spoke >= replies

    async def run(
        self,
        until: Callable[[], bool],
        *,
        timeout: float = 8.0,
        director: Callable[[], Awaitable[None]] | None = None,
        settle: float = 0.1,
    ) -> CallRecord:
        """Run until ``until()`` holds (then ``settle`` seconds more), close, and return the
        record. ``director`` runs beside the call (to script a fake server as audio arrives).
        Times in the record count from the moment the user's script starts playing."""
        self._t0 = now()
        reader = asyncio.ensure_future(self.output.run(timeout + 1.0))
        await self.session.start()
        self._t0 = now()  # call time 0 is where the user's script starts playing
        feeder = asyncio.ensure_future(LoopbackInput(self.session, self.user).run(timeout))
        helpers = [reader, feeder]
        if director is not None:
            helpers.append(asyncio.ensure_future(director()))
        try:
            async with asyncio.timeout(timeout):
                while not until():
                    for task in helpers[2:]:
                        if task.done() and task.exception() is not None:
                            raise task.exception()  # type: ignore[misc]
                    await asyncio.sleep(0.01)
            await asyncio.sleep(settle)
        except TimeoutError:
            raise AssertionError(
                f"the call did not reach its end condition in {timeout}s; events: {self.events}"
            ) from None
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.session.close()
        frames = [(t - self._t0, s) for t, s in self.output.record.frames]
        return CallRecord(self.session, OutputRecord(frames), self.events)


def speech_bytes(seconds: float, rate: int = 16000) -> int:
    """Bytes of 16-bit mono PCM in ``seconds`` at ``rate``."""
    return int(seconds * rate) * 2


class WeatherAgent(Agent):
    """The agent of the integration calls: one tool, ``get_weather``, that records its city."""

    def __init__(self) -> None:
        super().__init__(instructions="You are a weather assistant. Answer briefly.")
        self.cities: list[str] = []

    @function_tool
    async def get_weather(self, city: str) -> str:
        """Get the current weather for a city."""
        self.cities.append(city)
        return f"Sunny and warm in {city}"


def assert_weather_tool_in_context(record: CallRecord) -> None:
    """The chat context holds the user's words, one ``get_weather("Paris")`` call with id
    ``call_paris``, its successful output, then the answer (system messages aside)."""
    items = [i for i in record.chat_context.items if not (
        i.type == "message" and i.role is ChatRole.SYSTEM)]
    assert [i.type for i in items] == [
        "message", "function_call", "function_call_output", "message",
    ]
    call_item, output_item = items[1], items[2]
    assert isinstance(call_item, FunctionCall) and isinstance(output_item, FunctionCallOutput)
    assert call_item.name == "get_weather" and call_item.call_id == "call_paris"
    assert json.loads(call_item.arguments) == {"city": "Paris"}
    assert output_item.call_id == "call_paris"
    assert output_item.output == "Sunny and warm in Paris" and not output_item.is_error
