"""FallbackLLM: switching on errors and latency, recovery, and no repeated text mid-stream."""

import asyncio
from typing import Any

import pytest

from vocalis.llm.chat_context import ChatContext
from vocalis.llm.fallback import CONTINUE_INSTRUCTION, FallbackLLM
from vocalis.llm.items import ChatMessage, ChatRole
from vocalis.llm.llm import LLM, LLMError, LLMResponse
from vocalis.utils import run_virtual


class ScriptedLLM(LLM):
    """Plays a script per request: strings are chunks, exceptions are raised, floats sleep."""

    def __init__(self, name: str, *scripts: list[Any]) -> None:
        super().__init__()
        self._label = name
        self.scripts = list(scripts)
        self.contexts: list[Any] = []
        self.cancelled = 0
        self.closed = False

    async def chat(self, messages, tools=None, conversational_graph=None, **kwargs):
        self.contexts.append(messages)
        script = self.scripts.pop(0) if len(self.scripts) > 1 else self.scripts[0]
        for step in script:
            if isinstance(step, BaseException):
                raise step
            if isinstance(step, float):
                await asyncio.sleep(step)
            elif isinstance(step, dict):
                yield LLMResponse(content="", metadata={"function_call": step})
            else:
                yield LLMResponse(content=step)

    async def cancel_current_generation(self) -> None:
        self.cancelled += 1

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


def _context() -> ChatContext:
    ctx = ChatContext.empty()
    ctx.add_message(role=ChatRole.SYSTEM, content="Be brief.")
    ctx.add_message(role=ChatRole.USER, content="Weather in Paris?")
    return ctx


async def _collect(llm: LLM, ctx: Any = None) -> list[LLMResponse]:
    return [chunk async for chunk in llm.chat(ctx if ctx is not None else _context())]


def _text(chunks: list[LLMResponse]) -> str:
    return "".join(c.content for c in chunks)


async def test_error_before_first_token_switches_and_reports():
    a = ScriptedLLM("a", [RuntimeError("down")])
    b = ScriptedLLM("b", ["Sunny."])
    llm = FallbackLLM([a, b])
    errors: list[Any] = []
    llm.on("error", errors.append)
    assert _text(await _collect(llm)) == "Sunny."
    assert llm.active_provider is b
    assert [str(e) for e in errors] == ["down"]
    assert len(b.contexts[0].items) == 2


async def test_mid_stream_failure_continues_without_repeating_a_restart():
    a = ScriptedLLM("a", ["It is ", "sunny in Paris", RuntimeError("stream broke")])
    b = ScriptedLLM("b", ["It is sunny ", "in Paris today, ", "about 20 degrees."])
    llm = FallbackLLM([a, b])
    chunks = await _collect(llm)
    assert _text(chunks) == "It is sunny in Paris today, about 20 degrees."
    resumed = b.contexts[0]
    partial, note = resumed.items[-2], resumed.items[-1]
    assert isinstance(partial, ChatMessage)
    assert partial.role == ChatRole.ASSISTANT
    assert partial.text_content == "It is sunny in Paris"
    assert note.role == ChatRole.SYSTEM
    assert note.text_content == CONTINUE_INSTRUCTION


async def test_mid_stream_failure_with_a_true_continuation_passes_it_through():
    a = ScriptedLLM("a", ["It is sunny", RuntimeError("x")])
    b = ScriptedLLM("b", [" in Paris", " today."])
    assert _text(await _collect(FallbackLLM([a, b]))) == "It is sunny in Paris today."


async def test_repeated_tail_of_the_partial_reply_is_trimmed():
    a = ScriptedLLM("a", ["Hello! The weather in Paris", RuntimeError("x")])
    b = ScriptedLLM("b", ["weather in Paris is ", "mild."])
    assert _text(await _collect(FallbackLLM([a, b]))) == "Hello! The weather in Paris is mild."


async def test_short_coincidental_overlap_is_not_trimmed():
    a = ScriptedLLM("a", ["It is", RuntimeError("x")])
    b = ScriptedLLM("b", [" sunny."])
    assert _text(await _collect(FallbackLLM([a, b]))) == "It is sunny."


async def test_tool_call_already_yielded_is_not_repeated():
    call = {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "1"}
    a = ScriptedLLM("a", [call, RuntimeError("x")])
    b = ScriptedLLM("b", [dict(call, id="2"), "Done."])
    chunks = await _collect(FallbackLLM([a, b]))
    calls = [c.function_call for c in chunks if c.function_call]
    assert len(calls) == 1
    assert _text(chunks) == "Done."


async def test_all_providers_failing_raises_llm_error_with_causes():
    a = ScriptedLLM("a", [RuntimeError("a broke")])
    b = ScriptedLLM("b", [TimeoutError("b timed out")])
    llm = FallbackLLM([a, b])
    with pytest.raises(LLMError) as info:
        await _collect(llm)
    assert "a broke" in str(info.value)
    assert "b timed out" in str(info.value)


def test_failed_provider_rests_then_recovers():
    async def main():
        a = ScriptedLLM("a", [RuntimeError("x")], ["from a"])
        b = ScriptedLLM("b", ["from b"])
        llm = FallbackLLM([a, b], temporary_disable_sec=60.0)
        assert _text(await _collect(llm)) == "from b"
        await asyncio.sleep(30.0)
        assert _text(await _collect(llm)) == "from b"
        await asyncio.sleep(30.0)
        assert _text(await _collect(llm)) == "from a"
        assert llm.active_provider is a

    run_virtual(main())


def test_provider_permanently_disabled_after_repeated_failures():
    async def main():
        a = ScriptedLLM("a", [RuntimeError("x")])
        b = ScriptedLLM("b", ["ok"])
        llm = FallbackLLM([a, b], temporary_disable_sec=1.0, permanent_disable_after_attempts=2)
        for _ in range(2):
            assert _text(await _collect(llm)) == "ok"
            await asyncio.sleep(1.0)
        assert llm.failover.health(a).permanent
        await asyncio.sleep(100.0)
        assert _text(await _collect(llm)) == "ok"
        assert len(a.contexts) == 2

    run_virtual(main())


def test_slow_time_to_first_token_switches_provider():
    async def main():
        a = ScriptedLLM("a", [0.8, "slow"])
        b = ScriptedLLM("b", [0.1, "fast"])
        llm = FallbackLLM([a, b], latency_threshold_ms=500.0, consecutive_latency_hits=2)
        assert _text(await _collect(llm)) == "slow"
        assert llm.active_provider is a
        assert _text(await _collect(llm)) == "slow"
        assert llm.active_provider is b
        assert _text(await _collect(llm)) == "fast"

    run_virtual(main())


async def test_async_error_event_switches_and_is_re_emitted_once():
    a = ScriptedLLM("a", ["a"])
    b = ScriptedLLM("b", ["b"])
    llm = FallbackLLM([a, b])
    errors: list[Any] = []
    llm.on("error", errors.append)
    boom = ConnectionError("socket closed")
    a.emit("error", boom)
    assert llm.active_provider is b
    assert errors == [boom]
    a.emit("error", ConnectionError("late"))
    assert llm.active_provider is b
    assert _text(await _collect(llm)) == "b"


async def test_cancel_and_close_are_forwarded():
    a, b = ScriptedLLM("a", ["x"]), ScriptedLLM("b", ["y"])
    llm = FallbackLLM([a, b])
    await llm.cancel_current_generation()
    assert (a.cancelled, b.cancelled) == (1, 0)
    await llm.aclose()
    assert a.closed and b.closed


def test_needs_at_least_one_provider():
    with pytest.raises(ValueError):
        FallbackLLM([])
