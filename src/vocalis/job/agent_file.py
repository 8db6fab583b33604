"""Loading an AGENT_FILE: a Python file that says which coroutine runs each job.

Used by the CLI and by pooled worker processes, which load the file themselves.

The entrypoint is found, in this order: an ``async def entrypoint(ctx)``; a module-level
``WorkerJob``; the ``WorkerJob(entrypoint=..., jobctx=...)`` the file builds (usually under
``if __name__ == "__main__":``, read from its source without running it, as reference agents
are written); else the file's only ``async def`` taking one argument (a ``JobContext``). The
``jobctx`` of that ``WorkerJob`` (a ``JobContext`` or a function making one) is kept, so each
job starts from it. Optional module attributes: ``room_options`` (a ``RoomOptions`` the CLI
starts from; its flags override it), ``worker_options`` (a ``vocalis.worker.WorkerOptions`` for
``vocalis start``), ``prewarm(proc)`` (run once in every pooled worker process before its first
call: load models into ``proc.userdata``) and ``notices()``. The file's folder is put on
``sys.path`` so it can import its neighbours; its ``__main__`` block does not run.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .context import JobContext
from .worker import WorkerJob


class AgentFileError(Exception):
    """The agent file cannot be used (missing, fails to import, no entrypoint)."""


@dataclass
class AgentFile:
    path: str
    module: ModuleType
    entrypoint: Any
    room_options: Any = None
    notices: Any = None
    jobctx: Any = None
    """The file's ``JobContext`` or ``JobContext`` factory (from its ``WorkerJob``), if any."""
    prewarm: Any = None
    worker_options: Any = None


def load_agent_file(path: str) -> AgentFile:
    """Import ``path`` and find its entrypoint (see the module docstring)."""
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
    entrypoint, jobctx = _find_entrypoint(module, full)
    prewarm = getattr(module, "prewarm", None)
    return AgentFile(
        full,
        module,
        entrypoint,
        getattr(module, "room_options", None),
        getattr(module, "notices", None),
        jobctx,
        prewarm if callable(prewarm) else None,
        getattr(module, "worker_options", None),
    )


def _find_entrypoint(module: ModuleType, path: str) -> tuple[Any, Any]:
    entrypoint = getattr(module, "entrypoint", None)
    if inspect.iscoroutinefunction(entrypoint):
        return entrypoint, _jobctx_from_source(module, path)
    jobs = [v for v in vars(module).values() if isinstance(v, WorkerJob)]
    if len(jobs) == 1:
        return jobs[0].entrypoint, jobs[0].jobctx
    declared = _worker_job_in_source(module, path)
    if declared is not None:
        return declared
    candidates = [
        value for value in vars(module).values()
        if inspect.iscoroutinefunction(value) and value.__module__ == module.__name__
        and _takes_one_argument(value)
    ]
    if len(candidates) == 1:
        return candidates[0], None
    raise AgentFileError(
        f"{path} must define `async def entrypoint(ctx: JobContext)`, or build "
        "`WorkerJob(entrypoint=..., jobctx=...)` (found "
        f"{len(candidates)} async functions taking one argument)"
    )


def _takes_one_argument(func: Any) -> bool:
    params = [p for p in inspect.signature(func).parameters.values()
              if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(params) == 1


def _worker_job_call(path: str) -> ast.Call | None:
    """The ``WorkerJob(...)`` call in the file's source (the first one), if any."""
    try:
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read(), path)
    except (OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "WorkerJob":
                return node
    return None


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _worker_job_in_source(module: ModuleType, path: str) -> tuple[Any, Any] | None:
    call = _worker_job_call(path)
    if call is None:
        return None
    target = _argument(call, "entrypoint", 0)
    entrypoint = getattr(module, target.id, None) if isinstance(target, ast.Name) else None
    if not inspect.iscoroutinefunction(entrypoint):
        return None
    return entrypoint, _jobctx_of(module, call)


def _jobctx_from_source(module: ModuleType, path: str) -> Any:
    call = _worker_job_call(path)
    return _jobctx_of(module, call) if call is not None else None


def _jobctx_of(module: ModuleType, call: ast.Call) -> Any:
    """``jobctx=make_context`` or ``jobctx=make_context()`` → the factory; a module-level
    ``JobContext`` by name → that context."""
    value = _argument(call, "jobctx", 1)
    if isinstance(value, ast.Call) and not value.args and not value.keywords:
        value = value.func
    if not isinstance(value, ast.Name):
        return None
    found = getattr(module, value.id, None)
    if isinstance(found, JobContext) or callable(found):
        return found
    return None
