"""``AgentTarget``: what a pooled process runs, described so that it can cross a process
boundary (an agent file's path, or picklable functions), loaded once per process.

A function given to ``WorkerOptions(entrypoint_fnc=...)`` must be importable by the child (a
module-level function; in a script, guard the start with ``if __name__ == "__main__":``).

Each pooled process (or thread) also opens its own ``CallObservers`` (``observers_of``): one
call-history writer per process into the shared database (``history``; SQLite in WAL mode
takes several processes, PostgreSQL several machines) and one telemetry hub, both flushed and
closed when the process stops.
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
from ..job.observers import CallObservers
from ..job.options import RoomOptions, TransportMode
from ..storage import StorageConfig
from ..utils.gc_tuning import tune_gc_for_realtime
from .execution.job_process import JobProcess, current_process
from .link.stats import hop_report

_LOADED: dict[AgentTarget, LoadedAgent] = {}
OBSERVERS = "vocalis.call_observers"
"""The key of a pooled process's ``CallObservers`` in its ``JobProcess.userdata``."""


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
    """An agent file, or an entrypoint (plus optional prewarm and options); ``history``: where
    the processes record their calls (None: no call history)."""

    agent_file: str | None = None
    entrypoint: Callable[..., Any] | None = None
    prewarm: Callable[[JobProcess], Any] | None = None
    room_options: RoomOptions | None = dataclasses.field(default=None, hash=False, compare=False)
    history: StorageConfig | None = dataclasses.field(default=None, hash=False, compare=False)

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
        """The pool's ``initialize_process_fnc``: open the process's observers, load the agent,
        run its prewarm, tune the garbage collector for realtime audio (once the models are
        loaded), report the media hop's delays in the process's heartbeats."""
        proc.add_reporter("link", hop_report)
        observers = await CallObservers.open(self.history, history=self.history is not None)
        proc.userdata[OBSERVERS] = observers
        proc.add_closer(observers.aclose)
        prewarm = self.load().prewarm
        if prewarm is not None:
            result = prewarm(proc)
            if inspect.isawaitable(result):
                await result
        tune_gc_for_realtime()


def observers_of(proc: JobProcess | None = None) -> CallObservers | None:
    """The ``CallObservers`` of the pooled process running this task (None outside a pool)."""
    proc = proc or current_process()
    return proc.userdata.get(OBSERVERS) if proc is not None else None
