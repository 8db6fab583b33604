"""VideoSDK gateway Denoise (WebSocket) and LLM (HTTP + SSE) against fakes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.fakes.openai_http import (
    DONE,
    FakeOpenAIHTTP,
    Status,
    chat_chunk,
    chat_text_reply,
    tool_call_fragments,
)
from tests.fakes.videosdk_gateway import TOKEN, FakeVideoSDKGateway
from tests.inference.conftest import until

from vocalis import ChatContext, ChatRole, function_tool
from vocalis.inference import LLM, Denoise
from vocalis.llm import LLMError

FRAME = (np.ones(480, dtype="<i2") * 1000).tobytes()  # 10 ms at 48 kHz


async def test_denoise_passes_through_while_connecting_then_returns_denoised_audio(
    vsdk: FakeVideoSDKGateway,
) -> None:
    denoise = Denoise.aicoustics(base_url=vsdk.base_url)
    assert denoise.chunk_size_bytes == 960 and denoise.sample_rate == 48000
    assert await denoise.denoise(FRAME) == FRAME  # connecting: passthrough, nothing sent twice
    await until(lambda: denoise.get_stats()["connected"])
    outputs = []
    for _ in range(30):
        outputs.append(await denoise.denoise(FRAME))
        await until(lambda: True)
    await until(lambda: denoise.get_stats()["chunks_received"] >= 30)
    outputs.append(await denoise.denoise(FRAME))
    assert all(len(o) == len(FRAME) for o in outputs)
    halved = (np.ones(480, dtype="<i2") * 500).tobytes()
    assert outputs[-1] == halved
    (conn,) = vsdk.of("denoise")
    await until(lambda: conn.types().count("audio") == 31)
    assert conn.query == {"provider": "aicoustics", "secret": TOKEN, "modelId": "sparrow-xxs-48khz"}
    assert conn.messages[0] == {"type": "config", "data": {
        "model": "sparrow-xxs-48khz", "sample_rate": 48000, "channels": 1}}
    seqs = [m["seq"] for m in conn.messages if m["type"] == "audio"]
    assert seqs == list(range(31))  # the first frame was not sent twice
    stats = denoise.get_stats()
    assert stats["chunks_sent"] == 31 and stats["latency_p95_ms"] >= 0
    assert denoise.get_latency_stats()["samples"] >= 30
    await denoise.aclose()
    assert conn.types()[-1] == "stop"


async def test_denoise_reconnects_after_an_error(vsdk: FakeVideoSDKGateway) -> None:
    vsdk.error_after_audio = 2
    denoise = Denoise.sanas(base_url=vsdk.base_url)
    frame = b"\x01\x00" * 320
    errors: list[Exception] = []
    denoise.on("error", errors.append)
    await denoise.denoise(frame)
    await until(lambda: denoise.get_stats()["connected"])
    for _ in range(3):
        await denoise.denoise(frame)
    await until(lambda: errors and not denoise.get_stats()["connected"])
    vsdk.error_after_audio = None
    await denoise.denoise(frame)
    await until(lambda: denoise.get_stats()["connected"])
    await denoise.denoise(frame)
    await until(lambda: len(vsdk.of("denoise")) == 2 and vsdk.of("denoise")[1].audio)
    assert vsdk.of("denoise")[1].messages[0]["type"] == "config"
    assert denoise.get_stats()["reconnections"] == 1
    await denoise.aclose()


@pytest.fixture
async def openai_http():
    async with FakeOpenAIHTTP() as fake:
        yield fake


def gateway_llm(fake: FakeOpenAIHTTP, **kwargs) -> LLM:
    return LLM.google(base_url=fake.base_url.removesuffix("/v1"), **kwargs)


@function_tool
async def get_weather(city: str) -> str:
    """Get the weather.

    Args:
        city: the city
    """
    return "sunny"


async def test_llm_streams_text_with_bearer_and_provider_query(openai_http) -> None:
    openai_http.chat_replies.append(chat_text_reply("Hel", "lo!"))
    llm = gateway_llm(openai_http, max_output_tokens=64, top_k=5, config={"seed": 7})
    ctx = ChatContext()
    ctx.add_message(ChatRole.DEVELOPER, "Be brief.")
    ctx.add_message(ChatRole.USER, "Hi")
    texts = [r.content async for r in llm.chat(ctx)]
    assert "".join(texts) == "Hello!"
    (request,) = openai_http.of("/chat/completions")
    assert request.query == {"provider": "google"}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.json == {
        "model": "gemini-2.0-flash", "stream": True, "temperature": 0.7, "max_tokens": 64,
        "top_k": 5, "seed": 7,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
    }
    await llm.aclose()


async def test_llm_assembles_tool_call_fragments_with_their_ids(openai_http) -> None:
    steps = [chat_chunk({"role": "assistant"})]
    steps += tool_call_fragments(0, "call_a", "get_weather", json.dumps({"city": "Paris"}))
    steps += tool_call_fragments(1, "call_b", "get_weather", json.dumps({"city": "Rome"}))
    steps += [chat_chunk({}, finish_reason="tool_calls"), DONE]
    openai_http.chat_replies.append(steps)
    llm = gateway_llm(openai_http)
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "Weather in Paris and Rome?")
    calls = [r.function_call async for r in llm.chat(ctx, tools=[get_weather]) if r.function_call]
    assert calls == [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_a"},
        {"name": "get_weather", "arguments": {"city": "Rome"}, "id": "call_b"},
    ]
    body = openai_http.of("/chat/completions")[0].json
    assert body["tool_choice"] == "auto"
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["tools"][0]["function"]["parameters"]["properties"]["city"]["type"] == "string"
    await llm.aclose()


async def test_llm_http_errors_are_typed_and_retryable_when_transient(openai_http) -> None:
    openai_http.chat_replies += [[Status(429)], [Status(400)]]
    llm = gateway_llm(openai_http)
    errors: list[Exception] = []
    llm.on("error", errors.append)
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "Hi")
    with pytest.raises(LLMError, match="HTTP 429") as busy:
        [r async for r in llm.chat(ctx)]
    assert busy.value.retryable
    with pytest.raises(LLMError, match="HTTP 400") as bad:
        [r async for r in llm.chat(ctx)]
    assert not bad.value.retryable and len(errors) == 2
    await llm.aclose()
