"""A small synchronous event emitter, the base of every component and of the session.

Semantics follow the reference: ``on`` works as a call or a decorator, handlers run
synchronously in registration order, a handler's exception is logged and never reaches the
emitter. Unlike the reference, arguments are fitted to the handler with ``inspect`` so that
partials, builtins and callable objects work too.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

logger = logging.getLogger("vocalis.events")

T = TypeVar("T", bound=str)
Handler = Callable[..., Any]


def _max_positional(func: Handler) -> int | None:
    """How many positional arguments ``func`` accepts; None means any number."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    count = 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


class EventEmitter(Generic[T]):
    """Synchronous publish/subscribe keyed by event name."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._arity: dict[int, int | None] = {}

    def on(self, event: T, callback: Handler | None = None) -> Any:
        """Register ``callback`` for ``event``; without a callback, return a decorator."""
        if callback is None:

            def decorator(func: Handler) -> Handler:
                return self.on(event, func)

            return decorator
        if asyncio.iscoroutinefunction(callback):
            raise ValueError(
                "Async handlers are not supported. Use a sync wrapper that schedules a task."
            )
        handlers = self._handlers.setdefault(event, [])
        if callback not in handlers:
            handlers.append(callback)
            self._arity[id(callback)] = _max_positional(callback)
        return callback

    def once(self, event: T, callback: Handler) -> Handler:
        """Register a handler that removes itself after its first call."""

        def wrapper(*args: Any) -> Any:
            self.off(event, wrapper)
            return _invoke(callback, args)

        return self.on(event, wrapper)

    def off(self, event: T, callback: Handler) -> None:
        """Remove ``callback``; unknown handlers are ignored."""
        handlers = self._handlers.get(event)
        if not handlers:
            return
        if callback in handlers:
            handlers.remove(callback)
            if not any(callback in hs for hs in self._handlers.values()):
                self._arity.pop(id(callback), None)
        if not handlers:
            del self._handlers[event]

    def emit(self, event: T, *args: Any) -> None:
        """Call every handler of ``event``; with no arguments, handlers receive ``{}``."""
        handlers = self._handlers.get(event)
        if not handlers:
            return
        if not args:
            args = ({},)
        for handler in list(handlers):
            limit = self._arity.get(id(handler), len(args))
            try:
                handler(*(args if limit is None else args[:limit]))
            except Exception:
                logger.exception("Handler raised exception on event %r", event)

    def has_listeners(self, event: T) -> bool:
        """Whether any handler is registered for ``event``."""
        return bool(self._handlers.get(event))


def _invoke(handler: Handler, args: tuple[Any, ...]) -> Any:
    """Call ``handler`` with as many of ``args`` as it accepts."""
    limit = _max_positional(handler)
    if limit is not None:
        args = args[:limit]
    return handler(*args)
