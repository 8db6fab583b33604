"""Heavy models load once per process and are shared by every session in it.

``shared_model(key, loader)`` returns the cached instance for ``key`` or builds it with
``loader`` exactly once, even when many sessions (or threads) ask at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_models: dict[str, Any] = {}
_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()
_loading = 0


def shared_model(key: str, loader: Callable[[], T]) -> T:
    """The process-wide instance for ``key``, built by ``loader`` on first use."""
    model = _models.get(key)
    if model is not None:
        return model
    with _registry_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        model = _models.get(key)
        if model is None:
            _count_loading(+1)
            try:
                model = loader()
            finally:
                _count_loading(-1)
            _models[key] = model
        return model


def _count_loading(step: int) -> None:
    global _loading
    with _registry_lock:
        _loading += step


def models_loading() -> bool:
    """Whether a model is being loaded now (admission control does not read the load a cold
    start causes as the calls' overload)."""
    return _loading > 0


def loaded_models() -> list[str]:
    """Keys of the models loaded in this process (for diagnostics and memory reports)."""
    return sorted(_models)


def unload_model(key: str) -> None:
    """Forget a model so the next ``shared_model`` call loads it again."""
    with _registry_lock:
        _models.pop(key, None)
