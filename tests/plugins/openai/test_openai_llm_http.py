"""OpenAILLM in HTTP mode against a fake chat-completions server."""

from __future__ import annotations

import json

import pytest
from tests.fakes.openai_http import (
    DONE,
    USAGE,
    Drop,
    Raw,
    Sleep,
    Status,
    chat_chunk,
    chat_text_reply,
    tool_call_fragments,
)
from tests.plugins.openai.openai_types import assert_chat_completion_request

from vocalis.llm import LLMError
from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.llm.tools import function_tool
from vocalis.plugins.openai import LOCAL_PLACEHOLDER_KEY, MissingAPIKeyError, OpenAILLM


@function_tool
async def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return f"sunny in {city}"


@function_tool
async def get_time(zone: str) -> str:
    """Get the time in a time zone."""
    return "noon"


def _ctx() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(role=ChatRole.SYSTEM, content="Be brief.")
    ctx.add_message(role=ChatRole.USER, content="Hi there")
    return ctx


async def _collect(llm: OpenAILLM, ctx: ChatContext, **kw):
    return [r async for r in llm.chat(ctx, **kw)]


async def test_streams_text_and_usage(http_fake):
    llm = OpenAILLM(api_key="sk-test", base_url=http_fake.base_url)
    responses = await _collect(llm, _ctx())
    assert "".join(r.content for r in responses) == "Hello!"
    usage = [r.metadata["usage"] for r in responses if r.metadata and "usage" in r.metadata]
    assert usage[-1]["prompt_tokens"] == 12
    assert usage[-1]["prompt_cached_tokens"] == 4
    assert usage[-1]["request_id"] == "chatcmpl-fake"
    request = http_fake.of("/chat/completions")[0]
    assert request.headers["Authorization"] == "Bearer sk-test"
    body = request.json
    assert_chat_completion_request(body)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.7
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    await llm.aclose()


async def test_tool_call_fragments_are_assembled_by_index(http_fake):
    steps = [chat_chunk({"role": "assistant", "content": None})]
    steps += tool_call_fragments(1, "call_b", "get_time", '{"zone": "UTC"}')
    steps += tool_call_fragments(0, "call_z", "get_weather", '{"city": "Paris"}', parts=6)
    steps += [chat_chunk({}, finish_reason="tool_calls"), chat_chunk(no_choices=True, usage=USAGE)]
    steps.append(DONE)
    http_fake.chat_replies.append(steps)
    llm = OpenAILLM(api_key="sk-test", base_url=http_fake.base_url, parallel_tool_calls=True)
    responses = await _collect(llm, _ctx(), tools=[get_weather, get_time])
    calls = [r.function_call for r in responses if r.function_call]
    assert calls == [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_z"},
        {"name": "get_time", "arguments": {"zone": "UTC"}, "id": "call_b"},
    ]
    body = http_fake.of("/chat/completions")[0].json
    assert_chat_completion_request(body)
    assert body["tools"][0]["type"] == "function"
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["tool_choice"] == "auto" and body["parallel_tool_calls"] is True
    await llm.aclose()


async def test_calls_pending_at_end_of_stream_are_flushed(http_fake):
    steps = tool_call_fragments(0, "call_1", "get_weather", '{"city": "Rome"}')
    steps += [chat_chunk({}, finish_reason="stop"), DONE]
    http_fake.chat_replies.append(steps)
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url)
    responses = await _collect(llm, _ctx(), tools=[get_weather])
    assert [r.function_call["arguments"] for r in responses if r.function_call] == [
        {"city": "Rome"}
    ]
    await llm.aclose()


async def test_invalid_tool_arguments_reach_the_tool_call_as_raw_text(http_fake):
    """Malformed arguments are the model's mistake, not a provider failure: no "error" event
    (which would make a FallbackLLM switch); the raw text goes on, and invoking the tool turns
    it into an error result the LLM can read and correct."""
    from vocalis.llm.tools import invoke_tool

    steps = tool_call_fragments(0, "call_1", "get_weather", '{"city": ')
    steps += [chat_chunk({}, finish_reason="tool_calls"), DONE]
    http_fake.chat_replies.append(steps)
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url)
    errors: list[Exception] = []
    llm.on("error", errors.append)
    responses = await _collect(llm, _ctx(), tools=[get_weather])
    calls = [r.function_call for r in responses if r.function_call]
    assert [c["arguments"] for c in calls] == ['{"city": ']
    assert errors == []
    result = await invoke_tool(get_weather, calls[0]["arguments"])
    assert result.is_error and "get_weather" in result.output and "JSON" in result.output
    await llm.aclose()


async def test_reasoning_model_sends_reasoning_params_not_temperature(http_fake):
    llm = OpenAILLM(
        api_key="k",
        base_url=http_fake.base_url,
        model="gpt-5-mini",
        reasoning_effort="low",
        verbosity="low",
        max_completion_tokens=100,
        extra_body={"user": "u1"},
        extra_headers={"X-Trace": "t1"},
        extra_query={"q": "1"},
    )
    await _collect(llm, _ctx(), seed=3)
    request = http_fake.of("/chat/completions")[0]
    body = request.json
    assert_chat_completion_request(body)
    assert "temperature" not in body
    assert body["reasoning_effort"] == "low" and body["verbosity"] == "low"
    assert body["max_completion_tokens"] == 100 and body["seed"] == 3 and body["user"] == "u1"
    assert body["messages"][0]["role"] == "developer"
    assert request.headers["X-Trace"] == "t1" and request.query == {"q": "1"}
    await llm.aclose()


async def test_server_error_raises_llm_error_and_emits(http_fake):
    http_fake.chat_replies.append([Status(500)])
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url)
    errors: list[Exception] = []
    llm.on("error", errors.append)
    with pytest.raises(LLMError, match="HTTP 500") as info:
        await _collect(llm, _ctx())
    assert info.value.retryable and errors == [info.value]
    await llm.aclose()


async def test_dropped_connection_mid_stream_raises_llm_error(http_fake):
    http_fake.chat_replies.append([chat_chunk({"content": "Hel"}), Sleep(0.05), Drop()])
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url)
    with pytest.raises(LLMError):
        await _collect(llm, _ctx())
    await llm.aclose()


async def test_slow_server_times_out_with_llm_error(http_fake):
    http_fake.chat_replies.append([chat_chunk({"content": "Hel"}), Sleep(2.0), DONE])
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url, timeout=0.2)
    with pytest.raises(LLMError, match="timed out"):
        await _collect(llm, _ctx())
    await llm.aclose()


async def test_malformed_stream_data_raises_llm_error(http_fake):
    http_fake.chat_replies.append([chat_chunk({"content": "Hel"}), Raw("data: {not json\n\n")])
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url)
    with pytest.raises(LLMError, match="malformed"):
        await _collect(llm, _ctx())
    await llm.aclose()


async def test_cancel_stops_the_stream(http_fake):
    http_fake.chat_replies.append(
        [chat_chunk({"content": "one"}), Sleep(0.05), chat_chunk({"content": "two"}), Sleep(5)]
    )
    llm = OpenAILLM(api_key="k", base_url=http_fake.base_url)
    seen = []
    async for response in llm.chat(_ctx()):
        seen.append(response.content)
        if response.content == "two":
            await llm.cancel_current_generation()
    assert seen == ["one", "two"]
    await llm.aclose()


def test_missing_key_is_a_clear_error():
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        OpenAILLM()


async def test_local_server_needs_no_key(http_fake):
    llm = OpenAILLM(base_url=http_fake.base_url, model="llama3.2")
    await _collect(llm, _ctx())
    request = http_fake.of("/chat/completions")[0]
    assert request.headers["Authorization"] == f"Bearer {LOCAL_PLACEHOLDER_KEY}"
    assert json.loads(json.dumps(request.json))["model"] == "llama3.2"
    await llm.aclose()


async def test_key_from_environment(http_fake, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    llm = OpenAILLM(base_url=http_fake.base_url)
    assert "".join(r.content for r in await _collect(llm, _ctx())) == "Hello!"
    assert http_fake.of("/chat/completions")[0].headers["Authorization"] == "Bearer sk-env"
    await llm.aclose()


def test_azure_factory_reads_environment(monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "az-key")
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    llm = OpenAILLM.azure(model="gpt-4o")
    assert llm.options.reasoning_effort == "none" and llm.options.verbosity == "low"
    assert "example.openai.azure.com" in str(llm._client.base_url)


def test_azure_factory_requires_endpoint(monkeypatch):
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ValueError, match="AZURE_OPENAI_ENDPOINT"):
        OpenAILLM.azure()


def test_default_text_reply_helper_is_well_formed():
    assert chat_text_reply("a")[-1] is DONE
