"""``AgentTarget``: what a pooled process runs, described so that it can cross a process
boundary (an agent file's path, or picklable functions), loaded once per process.

A function given to ``WorkerOptions(entrypoint_fnc=...)`` must be importable by the child (a
module-level function; in a script, guard the start with ``if __name__ == "__main__":``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..job.agent_file import load_agent_file
from ..job.options import RoomOptions, TransportMode
from ..utils.gc_tuning import tune_gc_for_realtime
from .execution.job_process import JobProcess
from .link.stats import hop_report

_LOADED: dict[AgentTarget, LoadedAgent] = {}


@dataclass(frozen=True)
class LoadedAgent:
    entrypoint: Callable[..., Any]
    prewarm: Callable[[JobProcess], Any] | None
    room_options: RoomOptions | None

    def room_options_for(self, transport: str) -> RoomOptions:
        """A fresh copy of the template options, in the mode of the call's real transport."""
        options = copy.deepcopy(self.room_options) if self.room_options else RoomOptions()
        with contextlib.suppress(ValueError):
            options.transport_mode = TransportMode.parse(transport)
        return options


@dataclass(frozen=True)
class AgentTarget:
    """An agent file, or an entrypoint (plus optional prewarm and options)."""

    agent_file: str | None = None
    entrypoint: Callable[..., Any] | None = None
    prewarm: Callable[[JobProcess], Any] | None = None
    room_options: RoomOptions | None = dataclasses.field(default=None, hash=False, compare=False)

    def __post_init__(self) -> None:
        if (self.agent_file is None) == (self.entrypoint is None):
            raise ValueError("give exactly one of agent_file and entrypoint")
        if self.entrypoint is not None and not inspect.iscoroutinefunction(self.entrypoint):
            raise TypeError("entrypoint must be a coroutine function")
        if self.room_options is not None and self.room_options.on_room_error is not None:
            object.__setattr__(self, "room_options",
                               dataclasses.replace(self.room_options, on_room_error=None))

    def load(self) -> LoadedAgent:
        """Import the agent (once per process)."""
        loaded = _LOADED.get(self)
        if loaded is None:
            if self.agent_file is not None:
                module = load_agent_file(self.agent_file)
                options = module.room_options if isinstance(module.room_options,
                                                            RoomOptions) else None
                loaded = LoadedAgent(module.entrypoint, self.prewarm or module.prewarm,
                                     self.room_options or options)
            else:
                assert self.entrypoint is not None
                loaded = LoadedAgent(self.entrypoint, self.prewarm, self.room_options)
            _LOADED[self] = loaded
        return loaded

    async def initialize(self, proc: JobProcess) -> None:
        """The pool's ``initialize_process_fnc``: load the agent, run its prewarm, tune the
        garbage collector for realtime audio (once the models are loaded), report the media
        hop's delays in the process's heartbeats."""
        proc.add_reporter("link", hop_report)
        prewarm = self.load().prewarm
        if prewarm is not None:
            result = prewarm(proc)
            if inspect.isawaitable(result):
                await result
        tune_gc_for_realtime()
