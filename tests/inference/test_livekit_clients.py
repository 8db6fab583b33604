"""LiveKit inference clients (STT, TTS, LLM) against the fake LiveKit gateway: model strings,
JWT per connection, session.create first on every connection, 50 ms frames, finalize, pooled
TTS connections, fallback lists, retries and typed errors."""

from __future__ import annotations

import asyncio
import base64
import json

import jwt
import pytest
from tests.fakes.livekit_gateway import API_KEY, API_SECRET, FakeLiveKitGateway
from tests.fakes.openai_http import (
    DONE,
    Drop,
    FakeOpenAIHTTP,
    Status,
    chat_chunk,
    chat_text_reply,
    tool_call_fragments,
)
from tests.inference.conftest import RecordingTrack, until

from vocalis import ChatContext, ChatRole, function_tool
from vocalis.inference.livekit import (
    LLM,
    STT,
    TTS,
    APIConnectOptions,
    APIStatusError,
    create_access_token,
    parse_model_string,
)
from vocalis.llm import LLMError
from vocalis.stt import SpeechEventType, STTResponse
from vocalis.tts import TTSError

FAST = APIConnectOptions(max_retry=2, retry_interval=0.05, timeout=2.0)


def test_model_strings_and_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_model_string("deepgram/nova-3:en") == ("deepgram/nova-3", "en")
    assert parse_model_string("cartesia/sonic-2:a:b") == ("cartesia/sonic-2:a", "b")
    assert STT("deepgram/nova-3:en").language == "en"
    assert STT("deepgram/nova-3:en", language="fr").language == "fr"
    tts = TTS.from_model_string("cartesia/sonic-2:voice-1")
    assert (tts.model, tts.voice, tts.sample_rate) == ("cartesia/sonic-2", "voice-1", 24000)
    assert STT().model == "unknown" and STT().provider == "livekit"
    assert STT().base_url == "https://agent-gateway.livekit.cloud/v1"
    monkeypatch.setenv("LIVEKIT_URL", "wss://x.staging.livekit.cloud")
    assert STT().base_url == "https://agent-gateway.staging.livekit.cloud/v1"
    monkeypatch.delenv("LIVEKIT_API_SECRET")
    with pytest.raises(ValueError, match="api_secret"):
        STT("deepgram/nova-3")
    claims = jwt.decode(create_access_token(API_KEY, API_SECRET), API_SECRET,
                        algorithms=["HS256"])
    assert claims["sub"] == "agent" and claims["iss"] == API_KEY
    assert claims["inference"] == {"perform": True} and claims["exp"] - claims["nbf"] == 600


class Results:
    def __init__(self, stt: STT) -> None:
        self.items: list[STTResponse] = []
        self.errors: list[Exception] = []
        stt.on_stt_transcript(self.add)
        stt.on("error", self.errors.append)

    async def add(self, response: STTResponse) -> None:
        self.items.append(response)

    def kinds(self) -> list[SpeechEventType]:
        return [r.event_type for r in self.items]


async def test_stt_session_frames_transcripts_and_finalize(lk: FakeLiveKitGateway) -> None:
    stt = STT("deepgram/nova-3:en", base_url=lk.base_url, extra_kwargs={"smart_format": True},
              fallback=["assemblyai/universal-streaming", {"model": "cartesia/ink-whisper",
                                                           "extra_kwargs": {"x": 1}}])
    got = Results(stt)
    for _ in range(20):
        await stt.process_audio(b"\x00\x10" * 480)  # 30 ms chunks: re-framed to 50 ms
    await until(lambda: SpeechEventType.FINAL in got.kinds())
    await stt.process_audio(b"\x00\x10" * 100)
    await stt.flush()
    await until(lambda: got.kinds().count(SpeechEventType.FINAL) == 2)
    (conn,) = lk.of("/stt")
    assert conn.query == {"model": "deepgram/nova-3"}
    assert conn.messages[0] == {
        "type": "session.create",
        "settings": {"sample_rate": "16000", "encoding": "pcm_s16le",
                     "extra": {"smart_format": True}, "language": "en"},
        "model": "deepgram/nova-3",
        "fallback": {"models": [{"model": "assemblyai/universal-streaming", "extra": {}},
                                {"model": "cartesia/ink-whisper", "extra": {"x": 1}}]},
        "connection": {"timeout": 10.0, "retries": 3},
    }
    sizes = [len(base64.b64decode(m["audio"])) for m in conn.messages if m["type"] == "input_audio"]
    assert set(sizes[:-1]) == {1600} and sizes[-1] == (20 * 960 + 200) % 1600
    assert conn.types()[-1] == "session.finalize"
    assert got.kinds()[:4] == [SpeechEventType.START, SpeechEventType.INTERIM,
                               SpeechEventType.FINAL, SpeechEventType.END]
    final = got.items[2]
    assert final.data.text == "hello from the gateway" and final.data.confidence == 0.87
    assert final.data.words[0] == {"word": "hello", "start": 0.5, "end": 0.6,
                                   "confidence": 0.9, "speaker_id": "S1"}
    assert 0.5 <= final.metadata["recognition_usage"]["audio_duration"] <= 0.6
    assert final.metadata["request_id"] == "req-1"
    await stt.aclose()


async def test_stt_reconnects_after_a_drop_and_resends_session_create(
    lk: FakeLiveKitGateway,
) -> None:
    lk.drop_after_frames = {0: 3}
    stt = STT("deepgram/nova-3", base_url=lk.base_url, conn_options=FAST)
    got = Results(stt)
    for _ in range(40):
        await stt.process_audio(b"\x00\x10" * 800)
        await asyncio.sleep(0.002)
    await until(lambda: SpeechEventType.FINAL in got.kinds())
    assert len(lk.of("/stt")) == 2
    assert lk.of("/stt")[1].types()[0] == "session.create"
    assert not got.errors
    await stt.aclose()


async def test_stt_gateway_error_retries_then_surfaces_a_typed_error(
    lk: FakeLiveKitGateway,
) -> None:
    lk.error_after_frames = 1
    stt = STT("deepgram/nova-3", base_url=lk.base_url, conn_options=FAST)
    got = Results(stt)
    async with asyncio.timeout(5):
        while not got.errors:  # audio keeps coming, as from a live caller
            await stt.process_audio(b"\x00\x10" * 800)
            await asyncio.sleep(0.01)
    (error,) = got.errors
    assert isinstance(error, APIStatusError) and error.status_code == 503
    # Retried max_retry times, then surfaced; audio that kept coming meanwhile may already have
    # opened the next stream (the session goes on after an error).
    assert FAST.max_retry + 1 <= len(lk.of("/stt")) <= FAST.max_retry + 2
    await stt.aclose()


async def test_stt_quota_refusal_is_not_retried(lk: FakeLiveKitGateway) -> None:
    lk.reject_status = {"/stt": 429}
    lk.reject_times = {"/stt": 99}
    stt = STT("deepgram/nova-3", base_url=lk.base_url, conn_options=FAST)
    got = Results(stt)
    await stt.process_audio(b"\x00\x10" * 800)
    await until(lambda: got.errors)
    assert isinstance(got.errors[0], APIStatusError) and got.errors[0].status_code == 429
    assert not lk.of("/stt")
    await stt.aclose()


def make_tts(lk: FakeLiveKitGateway, track: RecordingTrack, **kwargs) -> TTS:
    tts = TTS("cartesia/sonic-2:voice-1", base_url=lk.base_url, conn_options=FAST, **kwargs)
    tts.audio_track = track
    tts.loop = asyncio.get_running_loop()
    return tts


async def test_tts_pooled_connection_session_create_sentences_and_done(
    lk: FakeLiveKitGateway, track: RecordingTrack
) -> None:
    tts = make_tts(lk, track, language="en", fallback="elevenlabs/flash:v9")
    first = []

    async def on_first() -> None:
        first.append(1)

    tts.on_first_audio_byte(on_first)

    async def text():
        for piece in ["Hello there. ", "How are", " you?"]:
            yield piece

    await tts.synthesize(text())
    await tts.synthesize("Again.")
    (conn,) = lk.of("/tts")  # reused from the pool
    assert conn.query == {"model": "cartesia/sonic-2"}
    assert conn.messages[0] == {
        "type": "session.create", "sample_rate": "24000", "encoding": "pcm_s16le", "extra": {},
        "voice": "voice-1", "model": "cartesia/sonic-2", "language": "en",
        "fallback": {"models": [{"model": "elevenlabs/flash", "voice": "v9", "extra": {}}]},
        "connection": {"timeout": 2.0, "retries": 2},
    }
    transcripts = [m["transcript"] for m in conn.messages if m["type"] == "input_transcript"]
    assert transcripts == ["Hello there. ", "How are you? ", "Again. "]
    assert conn.messages[1]["generation_config"] == {
        "voice": "voice-1", "model": "cartesia/sonic-2", "language": "en"}
    assert conn.types().count("session.flush") == 2
    assert len(first) == 2 and track.audio
    await tts.aclose()


async def test_tts_slow_gateway_times_out_and_errors_are_typed(
    lk: FakeLiveKitGateway, track: RecordingTrack
) -> None:
    lk.tts_error = "voice not found"
    tts = make_tts(lk, track)
    with pytest.raises(TTSError, match="voice not found"):
        await tts.synthesize("Hello.")
    lk.tts_error = None
    lk.tts_delay = 0.5
    tts.conn_options = APIConnectOptions(max_retry=0, timeout=0.2)
    with pytest.raises(TTSError, match="no message from the gateway"):
        await tts.synthesize("Hello.")
    await tts.aclose()


async def test_tts_interrupt_closes_the_connection_instead_of_pooling_it(
    lk: FakeLiveKitGateway, track: RecordingTrack
) -> None:
    lk.tts_delay = 0.3
    tts = make_tts(lk, track)
    task = asyncio.ensure_future(tts.synthesize("A long sentence."))
    await until(lambda: lk.of("/tts") and "session.flush" in lk.of("/tts")[0].types())
    await tts.interrupt()
    await task
    assert track.interrupts == 1
    await until(lambda: lk.of("/tts")[0].closed)
    lk.tts_delay = 0
    await tts.synthesize("Next.")
    assert len(lk.of("/tts")) == 2
    await tts.aclose()


@pytest.fixture
async def openai_http():
    async with FakeOpenAIHTTP() as fake:
        yield fake


@function_tool
async def get_weather(city: str, unit: str = "C") -> str:
    """Weather.

    Args:
        city: the city
        unit: C or F
    """
    return "sunny"


def context() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "Hi")
    return ctx


async def test_llm_request_headers_strict_tools_usage_and_thinking(openai_http) -> None:
    steps = [chat_chunk({"role": "assistant", "content": "<thi"}),
             chat_chunk({"content": "nk>plan</think>Hel"}), chat_chunk({"content": "lo"})]
    steps += tool_call_fragments(0, "call_1", "get_weather", json.dumps({"city": "Oslo",
                                                                         "unit": "C"}))
    steps += [chat_chunk({}, finish_reason="tool_calls"),
              chat_chunk(no_choices=True, usage={"prompt_tokens": 5, "completion_tokens": 2,
                                                 "total_tokens": 7}), DONE]
    openai_http.chat_replies.append(steps)
    llm = LLM("openai/gpt-4o-mini", provider="openai", base_url=openai_http.base_url,
              extra_kwargs={"temperature": 0.2})
    out = [r async for r in llm.chat(chat_ctx=context(), tools=[get_weather],
                                     tool_choice={"name": "get_weather"},
                                     parallel_tool_calls=False)]
    assert "".join(r.content for r in out) == "Hello"
    calls = [r.function_call for r in out if r.function_call]
    assert calls == [{"name": "get_weather", "arguments": {"city": "Oslo", "unit": "C"},
                      "id": "call_1"}]
    assert [r.metadata["usage"]["total_tokens"] for r in out if r.metadata and "usage" in
            r.metadata] == [7]
    (request,) = openai_http.of("/chat/completions")
    token = request.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, API_SECRET, algorithms=["HS256"])["sub"] == "agent"
    assert request.headers["X-LiveKit-Inference-Provider"] == "openai"
    body = request.json
    assert body["stream_options"] == {"include_usage": True} and body["temperature"] == 0.2
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["parallel_tool_calls"] is False
    schema = body["tools"][0]["function"]
    assert schema["strict"] is True
    assert schema["parameters"]["required"] == ["city", "unit"]
    assert schema["parameters"]["additionalProperties"] is False
    await llm.aclose()


async def test_llm_retries_only_before_anything_was_emitted(openai_http) -> None:
    openai_http.chat_replies += [[Status(503)], chat_text_reply("ok")]
    llm = LLM("openai/gpt-4o-mini", base_url=openai_http.base_url)
    out = [r.content async for r in llm.chat(context(), conn_options=FAST)]
    assert "".join(out) == "ok" and len(openai_http.of("/chat/completions")) == 2
    openai_http.chat_replies += [[chat_chunk({"content": "par"}), Drop()]]
    with pytest.raises(LLMError) as failure:
        [r async for r in llm.chat(context(), conn_options=FAST)]
    assert not failure.value.retryable
    assert len(openai_http.of("/chat/completions")) == 3  # not retried: text was emitted
    openai_http.chat_replies += [[Status(400)]]
    with pytest.raises(LLMError) as bad:
        [r async for r in llm.chat(context(), conn_options=FAST)]
    assert isinstance(bad.value.__cause__, APIStatusError)
    assert bad.value.__cause__.status_code == 400
    await llm.aclose()
