"""User hooks into the pipeline: ``@pipeline.on("llm")`` and friends.

- ``"stt"``: ``hook(text) -> str | None`` rewrites a final user transcript (None keeps it).
- ``"llm"``: ``hook(text) -> str | None`` rewrites each sentence the LLM produced before it is
  spoken and recorded (for example to redact numbers); None only observes.
- ``"tts"``: ``hook(text) -> str | None`` rewrites the text handed to TTS only (what is spoken,
  not what is recorded), for pronunciation fixes.
- ``"user_turn_start"``, ``"user_turn_end"``, ``"agent_turn_start"``, ``"agent_turn_end"``:
  observers called with a dict payload.
Hooks may be sync or async. A failing hook is logged and skipped: it never ends the call.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("vocalis.pipeline.hooks")

TEXT_HOOKS = ("stt", "llm", "tts")
OBSERVER_HOOKS = ("user_turn_start", "user_turn_end", "agent_turn_start", "agent_turn_end")
HOOK_NAMES = frozenset(TEXT_HOOKS + OBSERVER_HOOKS + ("vision_frame",))


class PipelineHooks:
    """Registered hooks by name, run in registration order."""

    def __init__(self) -> None:
        self._hooks: dict[str, list[Callable[..., Any]]] = {}

    def register(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        if name not in HOOK_NAMES:
            raise ValueError(f"Unknown hook {name!r}; expected one of {sorted(HOOK_NAMES)}")
        self._hooks.setdefault(name, []).append(func)
        return func

    def has(self, name: str) -> bool:
        return bool(self._hooks.get(name))

    async def transform_text(self, name: str, text: str) -> str:
        """Run the text hooks of ``name`` in order; each may return a replacement."""
        for hook in self._hooks.get(name, ()):
            try:
                result = hook(text)
                if inspect.isawaitable(result):
                    result = await result
            except Exception:
                logger.exception("%s hook failed; text left unchanged", name)
                continue
            if isinstance(result, str):
                text = result
        return text

    async def notify(self, name: str, payload: dict[str, Any]) -> None:
        """Call the observer hooks of ``name`` with ``payload``."""
        for hook in self._hooks.get(name, ()):
            try:
                result = hook(payload)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("%s hook failed", name)
