"""Loading an AGENT_FILE: a Python file that defines ``async def entrypoint(ctx: JobContext)``.

Optional module attributes: ``room_options`` (a ``RoomOptions`` the CLI starts from; its
flags override it), ``worker_options`` (a ``vocalis.worker.WorkerOptions`` for ``vocalis
start``), ``prewarm(proc)`` (run once in every pooled worker process before its first call:
load models into ``proc.userdata``) and ``notices()``. The file's folder is put on
``sys.path`` so it can import its neighbours; its ``if __name__ == "__main__":`` block does
not run. Used by the CLI and by pooled worker processes, which load the file themselves.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any


class AgentFileError(Exception):
    """The agent file cannot be used (missing, fails to import, no entrypoint)."""


@dataclass
class AgentFile:
    path: str
    module: ModuleType
    entrypoint: Any
    room_options: Any = None
    notices: Any = None
    prewarm: Any = None
    worker_options: Any = None


def load_agent_file(path: str) -> AgentFile:
    """Import ``path`` and find its ``entrypoint``."""
    full = os.path.abspath(path)
    if not os.path.isfile(full):
        raise AgentFileError(f"agent file not found: {path}")
    folder = os.path.dirname(full)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = "vocalis_agent_" + os.path.splitext(os.path.basename(full))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise AgentFileError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise AgentFileError(f"importing {path} failed: {type(exc).__name__}: {exc}") from exc
    entrypoint = getattr(module, "entrypoint", None)
    if entrypoint is None or not inspect.iscoroutinefunction(entrypoint):
        raise AgentFileError(
            f"{path} must define `async def entrypoint(ctx: JobContext)` "
            "(build the Agent, Pipeline and AgentSession there and `await session.start()`)"
        )
    prewarm = getattr(module, "prewarm", None)
    return AgentFile(
        full,
        module,
        entrypoint,
        getattr(module, "room_options", None),
        getattr(module, "notices", None),
        prewarm if callable(prewarm) else None,
        getattr(module, "worker_options", None),
    )
