"""OpenAILLM in WebSocket Responses mode (``streaming=True``) against a fake socket."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.openai_ws import Drop, Raw, Sleep, responses_error, responses_reply
from tests.plugins.openai.openai_types import assert_responses_client_event

from vocalis.llm import LLMError
from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.llm.tools import function_tool
from vocalis.plugins.openai import OpenAILLM


@function_tool
async def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return f"sunny in {city}"


def _ctx() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(role=ChatRole.SYSTEM, content="Be brief.")
    ctx.add_message(role=ChatRole.USER, content="Hi there")
    return ctx


def _llm(fake, **kw) -> OpenAILLM:
    kw.setdefault("timeout", 2.0)
    return OpenAILLM(api_key="sk-ws", streaming=True, wss_url=fake.ws_url("/v1/responses"), **kw)


async def _collect(llm, ctx, **kw):
    return [r async for r in llm.chat(ctx, **kw)]


def _sent_creates(fake) -> list[dict]:
    creates = fake.of("response.create")
    for event in creates:
        assert_responses_client_event(event)
    return creates


async def test_happy_path_text_usage_and_auth(ws_fake):
    llm = _llm(ws_fake)
    responses = await _collect(llm, _ctx())
    assert "".join(r.content for r in responses) == "Hello there"
    usage = [r.metadata["usage"] for r in responses if r.metadata and "usage" in r.metadata]
    assert usage == [
        {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26,
         "prompt_cached_tokens": 8, "reasoning_tokens": 2, "request_id": usage[0]["request_id"],
         "model": "gpt-4o-mini"}
    ]
    assert ws_fake.connections[0].headers["Authorization"] == "Bearer sk-ws"
    (create,) = _sent_creates(ws_fake)
    assert create["model"] == "gpt-4o-mini" and create["store"] is False
    assert "previous_response_id" not in create and create["temperature"] == 0.7
    assert [i["role"] for i in create["input"]] == ["system", "user"]
    await llm.aclose()


async def test_chaining_sends_only_new_items(ws_fake):
    llm = _llm(ws_fake)
    ctx = _ctx()
    await _collect(llm, ctx)
    ctx.add_message(role=ChatRole.ASSISTANT, content="Hello there")
    ctx.add_message(role=ChatRole.USER, content="Weather?")
    await _collect(llm, ctx)
    _first, second = _sent_creates(ws_fake)
    assert second["previous_response_id"].startswith("resp_")
    assert second["input"] == [{"type": "message", "role": "user", "content": "Weather?"}]
    assert len(ws_fake.connections) == 1
    await llm.aclose()


async def test_tool_call_with_fragmented_arguments(ws_fake):
    ws_fake.replies["response.create"].append(
        responses_reply(calls=[("get_weather", "call_1", '{"city": "Paris, France"}')])
    )
    llm = _llm(ws_fake, parallel_tool_calls=False)
    responses = await _collect(llm, _ctx(), tools=[get_weather])
    calls = [r.function_call for r in responses if r.function_call]
    assert calls == [
        {"name": "get_weather", "arguments": {"city": "Paris, France"}, "id": "call_1"}
    ]
    (create,) = _sent_creates(ws_fake)
    assert create["tools"][0]["name"] == "get_weather"
    assert create["tools"][0]["type"] == "function" and create["parallel_tool_calls"] is False
    # The tool output goes up alone on the next, chained turn.
    ctx = _ctx()
    ctx.add_function_call(name="get_weather", arguments='{"city": "Paris, France"}',
                          call_id="call_1")
    ctx.add_function_output(name="get_weather", call_id="call_1", output="sunny")
    await _collect(llm, ctx, tools=[get_weather])
    second = _sent_creates(ws_fake)[1]
    assert second["input"] == [{"type": "function_call_output", "call_id": "call_1",
                                "output": "sunny"}]
    await llm.aclose()


async def test_previous_response_not_found_resends_full_context(ws_fake):
    llm = _llm(ws_fake)
    ctx = _ctx()
    await _collect(llm, ctx)
    ctx.add_message(role=ChatRole.USER, content="Again")
    ws_fake.replies["response.create"].append([responses_error("previous_response_not_found")])
    responses = await _collect(llm, ctx)
    assert "".join(r.content for r in responses) == "Hello there"
    _, chained, fallback = _sent_creates(ws_fake)
    assert "previous_response_id" in chained
    assert "previous_response_id" not in fallback
    assert [i["content"] for i in fallback["input"]] == ["Be brief.", "Hi there", "Again"]
    await llm.aclose()


async def test_cancel_drains_stale_events_of_the_cancelled_response(ws_fake):
    slow = responses_reply("stale-1", "stale-2", "stale-3")
    slow.insert(3, Sleep(0.2))
    ws_fake.replies["response.create"].append(slow)
    llm = _llm(ws_fake)
    got = []
    async for response in llm.chat(_ctx()):
        got.append(response.content)
        await llm.cancel_current_generation()
        break
    assert got == ["stale-1"]
    await ws_fake.wait_for("response.cancel")
    responses = await _collect(llm, _ctx())
    assert "".join(r.content for r in responses) == "Hello there"
    _, second = _sent_creates(ws_fake)
    assert "previous_response_id" not in second
    await llm.aclose()


async def test_cancel_before_the_old_response_created_is_not_misattributed(ws_fake):
    ws_fake.replies["response.create"].append([Sleep(0.1), *responses_reply("stale")])
    llm = _llm(ws_fake)
    gen = llm.chat(_ctx())
    task = asyncio.ensure_future(gen.__anext__())
    await ws_fake.wait_for("response.create")
    await llm.cancel_current_generation()
    with pytest.raises(StopAsyncIteration):
        await task
    responses = await _collect(llm, _ctx())
    assert "".join(r.content for r in responses) == "Hello there"
    await llm.aclose()


async def test_server_error_raises_and_emits(ws_fake):
    ws_fake.replies["response.create"].append([responses_error("server_error", "boom")])
    llm = _llm(ws_fake)
    errors = []
    llm.on("error", errors.append)
    with pytest.raises(LLMError, match="boom"):
        await _collect(llm, _ctx())
    assert errors and isinstance(errors[0], LLMError)
    await llm.aclose()


async def test_dropped_connection_before_output_retries_with_full_context(ws_fake):
    ws_fake.replies["response.create"].append([Drop()])
    llm = _llm(ws_fake)
    responses = await _collect(llm, _ctx())
    assert "".join(r.content for r in responses) == "Hello there"
    assert len(ws_fake.connections) == 2
    await llm.aclose()


async def test_dropped_connection_after_output_raises(ws_fake):
    ws_fake.replies["response.create"].append([*responses_reply("partial")[:3], Drop()])
    llm = _llm(ws_fake)
    with pytest.raises(LLMError):
        await _collect(llm, _ctx())
    await llm.aclose()


async def test_slow_server_times_out(ws_fake):
    ws_fake.replies["response.create"].append([Sleep(1.0)])
    llm = _llm(ws_fake, timeout=0.2)
    with pytest.raises(LLMError, match="timed out"):
        await _collect(llm, _ctx())
    await llm.aclose()


async def test_malformed_event_is_reported_and_the_turn_goes_on(ws_fake):
    steps = responses_reply("a", "b")
    steps.insert(3, Raw("{oops"))
    ws_fake.replies["response.create"].append(steps)
    llm = _llm(ws_fake)
    errors = []
    llm.on("error", errors.append)
    responses = await _collect(llm, _ctx())
    assert "".join(r.content for r in responses) == "ab"
    assert len(errors) == 1 and "malformed" in str(errors[0])
    await llm.aclose()


async def test_prewarm_sends_generate_false_and_seeds_the_chain(ws_fake):
    llm = _llm(ws_fake)
    await llm.prewarm(instructions="Be brief.", tools=[get_weather])
    (warm,) = _sent_creates(ws_fake)
    assert warm["generate"] is False and warm["input"][0]["role"] == "system"
    await _collect(llm, _ctx(), tools=[get_weather])
    # As in the reference, the first real turn still sends the full context.
    first_turn = _sent_creates(ws_fake)[1]
    assert "previous_response_id" not in first_turn and len(first_turn["input"]) == 2
    assert len(ws_fake.connections) == 1
    await llm.aclose()


async def test_constructed_in_a_loop_connects_early(ws_fake):
    llm = _llm(ws_fake)
    await ws_fake.wait_connections(1)
    await llm.aclose()


def test_streaming_requires_a_key():
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAILLM(streaming=True)
