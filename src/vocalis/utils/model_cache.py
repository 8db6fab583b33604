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
            model = loader()
            _models[key] = model
        return model


def loaded_models() -> list[str]:
    """Keys of the models loaded in this process (for diagnostics and memory reports)."""
    return sorted(_models)


def unload_model(key: str) -> None:
    """Forget a model so the next ``shared_model`` call loads it again."""
    with _registry_lock:
        _models.pop(key, None)
