"""``DedicatedInferenceResource``: one long-lived process that runs inference tasks for every
job of the pool, so a model is loaded once per machine instead of once per job process.

It is a ``ProcessResource`` with the inference settings: ``inference_process_timeout`` to
start (models are slow to load), ``inference_memory_warn_mb``, and many concurrent tasks.
Tasks are plain picklable callables (``TaskType.INFERENCE``); they keep their models in
``current_process().userdata``, which lives as long as the process. The ``Worker`` does not
use it (jobs load their models in ``initialize_process_fnc``), as in the reference.
"""

from __future__ import annotations

from typing import Any

from .process import ProcessResource

RESOURCE_ID = "dedicated-inference"
MAX_CONCURRENT_INFERENCES = 64


class DedicatedInferenceResource(ProcessResource):
    """The shared inference process (see the module docstring). ``config`` keys:
    ``inference_process_timeout`` (30 s), ``inference_memory_warn_mb`` (1000), ``ping_interval``,
    ``close_timeout``, ``initialize_process_fnc``."""

    def __init__(self, resource_id: str = RESOURCE_ID, config: dict[str, Any] | None = None):
        config = dict(config or {})
        config.setdefault("initialize_timeout", config.get("inference_process_timeout", 30.0))
        config.setdefault("memory_warn_mb", config.get("inference_memory_warn_mb", 1000.0))
        config.setdefault("max_concurrent_tasks", MAX_CONCURRENT_INFERENCES)
        super().__init__(resource_id, config)
