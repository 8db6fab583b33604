"""User hooks into the pipeline: ``@pipeline.on("llm")`` and friends, as in the reference.

Stream hooks (async generator functions) replace or wrap a stage:

- ``"stt"``: ``hook(audio_stream)`` receives the user's PCM (16-bit mono at the STT's
  ``input_sample_rate``) and yields STT events (``STTResponse``); it replaces the STT stage.
  ``run_stt(audio_stream)`` runs the pipeline's own STT inside it.
- ``"llm"``: ``hook(text_stream)`` receives the reply's text, sentence by sentence (after the
  text filter and the chunker), and yields the text to speak and record.
- ``"tts"``: ``hook(text_stream)`` receives the text to speak and yields PCM at the TTS's
  ``sample_rate``; it replaces the TTS stage (``run_tts(text_stream)`` runs the pipeline's TTS).
- ``"vision_frame"``: accepted; Vocalis transports carry no video, so it never runs.

A plain (not generator) ``"llm"`` hook observes: it is called once per LLM reply, after the
reply was generated, with ``{"text": reply}``. Lifecycle hooks get the reference's arguments:
``user_turn_start(transcript)`` when a user turn is committed, ``user_turn_end()`` when the
agent's answer to it is over, ``agent_turn_start()`` when the agent starts an utterance and
``agent_turn_end()`` when an utterance finished playing (not when it was interrupted).

Vocalis extras, documented in ``docs/porting.md``: a plain ``"stt"`` hook ``hook(text) -> str |
None`` rewrites each final user transcript (None keeps it); a plain ``"tts"`` hook rewrites the
text handed to the TTS only (pronunciation), not what is recorded; a string returned by a plain
``"llm"`` hook replaces the reply in the history (the reference ignores it). Hooks may be sync or
async; a failing hook is reported as an ``error`` event and never ends the call.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

from ..utils.current_job import current_job

logger = logging.getLogger("vocalis.pipeline.hooks")

STREAM_HOOKS = ("stt", "llm", "tts", "vision_frame")
LIFECYCLE_HOOKS = ("user_turn_start", "user_turn_end", "agent_turn_start", "agent_turn_end")
HOOK_NAMES = frozenset(STREAM_HOOKS + LIFECYCLE_HOOKS)

ErrorReporter = Callable[[str, BaseException], None]

_CURRENT_PIPELINE: ContextVar[Any] = ContextVar("vocalis_hook_pipeline", default=None)
"""The pipeline whose stream hook is running in this task (for ``run_stt`` / ``run_tts``)."""


def _is_stream(func: Callable[..., Any]) -> bool:
    target = getattr(func, "__func__", func)
    return inspect.isasyncgenfunction(target)


class PipelineHooks:
    """The hooks registered on one pipeline (see the module docstring)."""

    def __init__(self, owner: Any = None, report_error: ErrorReporter | None = None) -> None:
        self.owner = owner
        self._report_error = report_error
        self._streams: dict[str, Callable[..., Any]] = {}
        self._rewrites: dict[str, list[Callable[..., Any]]] = {"stt": [], "tts": []}
        self._llm_observers: list[Callable[..., Any]] = []
        self._lifecycle: dict[str, list[Callable[..., Any]]] = {n: [] for n in LIFECYCLE_HOOKS}

    # ---- registration ------------------------------------------------------------------------

    def on(self, event: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """The reference's decorator form: ``@hooks.on("llm")``."""
        return lambda func: self.register(event, func)

    def register(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        if name not in HOOK_NAMES:
            raise ValueError(f"Unknown hook {name!r}; expected one of {sorted(HOOK_NAMES)}")
        if name in LIFECYCLE_HOOKS:
            self._lifecycle[name].append(func)
        elif name == "vision_frame":
            logger.warning("vision_frame hook registered: Vocalis carries no video, it never runs")
        elif _is_stream(func):
            if name in self._streams:
                logger.warning("%s stream hook already registered; replacing it", name)
            self._streams[name] = func
        elif name == "llm":
            self._llm_observers.append(func)
        else:
            self._rewrites[name].append(func)
        return func

    def has_stream(self, name: str) -> bool:
        return name in self._streams

    def has(self, name: str) -> bool:
        return (
            name in self._streams
            or bool(self._rewrites.get(name))
            or bool(self._lifecycle.get(name))
            or (name == "llm" and bool(self._llm_observers))
        )

    # ---- stream hooks ------------------------------------------------------------------------

    async def stt_stream(self, audio: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        """The ``stt`` stream hook's events for ``audio`` (nothing without a hook)."""
        async for event in self._run_stream("stt", audio):
            yield event

    async def tts_stream(self, text: AsyncIterator[str]) -> AsyncIterator[bytes]:
        """The ``tts`` stream hook's audio for ``text`` (nothing without a hook)."""
        async for pcm in self._run_stream("tts", text):
            yield pcm

    async def llm_stream(self, text: AsyncIterator[str]) -> AsyncIterator[str]:
        """``text`` through the ``llm`` stream hook (unchanged without one)."""
        if "llm" not in self._streams:
            async for piece in text:
                yield piece
            return
        async for piece in self._run_stream("llm", text):
            if isinstance(piece, str):
                yield piece

    async def _run_stream(self, name: str, source: AsyncIterator[Any]) -> AsyncIterator[Any]:
        hook = self._streams.get(name)
        if hook is None:
            return
        token = _CURRENT_PIPELINE.set(self.owner)
        try:
            async for item in hook(source):
                yield item
        finally:
            # Closed from another context (garbage collection): there is nothing to restore.
            with contextlib.suppress(ValueError):
                _CURRENT_PIPELINE.reset(token)

    # ---- text hooks --------------------------------------------------------------------------

    async def rewrite(self, name: str, text: str) -> str:
        """Run the plain ``stt`` or ``tts`` hooks in order; each may return a replacement."""
        for hook in self._rewrites.get(name, ()):
            result = await self._call(name, hook, text)
            if isinstance(result, str):
                text = result
        return text

    async def llm_generated(self, text: str) -> str | None:
        """Call the plain ``llm`` hooks with ``{"text": text}``; a string one of them returns
        (or yields) replaces the text for the hooks after it, and is returned."""
        replaced: str | None = None
        for hook in self._llm_observers:
            result = await self._call("llm", hook, {"text": text})
            if isinstance(result, str):
                text = replaced = result
        return replaced

    # ---- lifecycle hooks ---------------------------------------------------------------------

    async def user_turn_start(self, transcript: str) -> None:
        await self._notify("user_turn_start", transcript)

    async def user_turn_end(self) -> None:
        await self._notify("user_turn_end")

    async def agent_turn_start(self) -> None:
        await self._notify("agent_turn_start")

    async def agent_turn_end(self) -> None:
        await self._notify("agent_turn_end")

    async def _notify(self, name: str, *args: Any) -> None:
        for hook in self._lifecycle[name]:
            await self._call(name, hook, *args[: _arity(hook, len(args))])

    # ---- calling -----------------------------------------------------------------------------

    async def _call(self, name: str, hook: Callable[..., Any], *args: Any) -> Any:
        try:
            result = hook(*args)
            if inspect.isawaitable(result):
                return await result
            if inspect.isasyncgen(result):
                parts = [part async for part in result if isinstance(part, str)]
                return "".join(parts) if parts else None
            return result
        except Exception as exc:
            self.report(f"{name} hook", exc)
            return None

    def report(self, source: str, error: BaseException) -> None:
        """A hook failed: log it and tell the session (it never ends the call)."""
        logger.warning("%s failed: %s", source, error, exc_info=error)
        if self._report_error is not None:
            self._report_error(source, error)


def _arity(func: Callable[..., Any], available: int) -> int:
    """How many of ``available`` positional arguments ``func`` accepts."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return available
    count = 0
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            return available
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            count += 1
    return min(count, available)


def current_pipeline() -> Any:
    """The pipeline whose stream hook is running in this task, if any."""
    return _CURRENT_PIPELINE.get()


def _hook_pipeline() -> Any:
    pipeline = current_pipeline()
    if pipeline is None:
        job = current_job()
        session = getattr(getattr(job, "room", None), "session", None)
        pipeline = getattr(session, "pipeline", None)
    return pipeline


async def run_stt(audio_stream: AsyncIterator[bytes]) -> AsyncIterator[Any]:
    """Inside an ``stt`` hook: run the pipeline's STT on ``audio_stream``, yielding its events."""
    stt = getattr(_hook_pipeline(), "stt", None)
    if stt is None:
        raise RuntimeError("No STT component available in current context")
    async for event in stt.stream_transcribe(audio_stream):
        yield event


async def run_tts(text_stream: AsyncIterator[str]) -> AsyncIterator[bytes]:
    """Inside a ``tts`` hook: synthesize ``text_stream`` with the pipeline's TTS, yielding PCM
    at its ``sample_rate``."""
    tts = getattr(_hook_pipeline(), "tts", None)
    if tts is None:
        raise RuntimeError("No TTS component available in current context")
    async for pcm in tts.stream_synthesize(text_stream):
        yield pcm
