"""``vocalis gateway`` end to end with the real local models, driven by Vocalis's own
gateway clients (the same code a VideoSDK or LiveKit client runs): Whisper hears Piper's
speech, Piper speaks, the LLM relay, auth, admission control and bad input."""

from __future__ import annotations

import asyncio
import base64
import json

import aiohttp
import numpy as np
import pytest
from tests.fakes.openai_http import FakeOpenAIHTTP, chat_text_reply
from tests.gateway.conftest import SENTENCE, TOKEN
from tests.inference.conftest import RecordingTrack, until
from tests.plugins.conftest import word_error_rate

from vocalis import ChatContext, ChatRole
from vocalis.gateway import GatewayConfig, GatewayServer
from vocalis.inference import STT as VideoSDKSTT
from vocalis.inference import TTS as VideoSDKTTS
from vocalis.inference.livekit import LLM as LiveKitLLM
from vocalis.inference.livekit import STT as LiveKitSTT
from vocalis.inference.livekit import TTS as LiveKitTTS
from vocalis.inference.livekit import APIConnectOptions, APIStatusError
from vocalis.stt import SpeechEventType, STTError, STTResponse


def ws_base(server: GatewayServer) -> str:
    return f"ws://127.0.0.1:{server.port}"


class Finals:
    def __init__(self, stt) -> None:
        self.texts: list[str] = []
        self.interims: list[str] = []
        self.errors: list[Exception] = []
        stt.on_stt_transcript(self.add)
        stt.on("error", self.errors.append)

    async def add(self, response: STTResponse) -> None:
        if response.event_type is SpeechEventType.FINAL:
            self.texts.append(response.data.text)
        elif response.event_type is SpeechEventType.INTERIM:
            self.interims.append(response.data.text)


async def feed(stt, pcm: bytes, chunk: int) -> None:
    for start in range(0, len(pcm), chunk):
        await stt.process_audio(pcm[start : start + chunk])
        await asyncio.sleep(0)
    await stt.flush()


async def test_videosdk_stt_client_is_transcribed_by_whisper(gateway, sentence_16k) -> None:
    # A client that asks for no interim results costs only its finals.
    stt = VideoSDKSTT.deepgram(base_url=ws_base(gateway), input_sample_rate=16000,
                               interim_results=False)
    finals = Finals(stt)
    await feed(stt, sentence_16k, 640)
    await until(lambda: finals.texts, timeout=30)
    assert word_error_rate(SENTENCE, finals.texts[0]) <= 0.2
    assert not finals.errors and not finals.interims
    await stt.aclose()


async def test_livekit_stt_client_is_transcribed_and_admission_refuses_a_second(
    gateway, sentence_16k
) -> None:
    stt = LiveKitSTT("whisper/tiny.en:en", base_url=gateway.base_url)
    finals = Finals(stt)
    await feed(stt, sentence_16k, 640)
    await until(lambda: finals.texts, timeout=30)
    assert word_error_rate(SENTENCE, finals.texts[0]) <= 0.2
    # The only STT slot is taken: a LiveKit client gets the protocol's 429, not a slow session.
    second = LiveKitSTT("whisper/tiny.en", base_url=gateway.base_url,
                        conn_options=APIConnectOptions(max_retry=0))
    refused = Finals(second)
    await second.process_audio(sentence_16k[:3200])
    await until(lambda: refused.errors)
    assert isinstance(refused.errors[0], APIStatusError) and refused.errors[0].status_code == 429
    # ... and a VideoSDK client gets the protocol's error envelope.
    third = VideoSDKSTT.deepgram(base_url=ws_base(gateway), input_sample_rate=16000)
    overloaded = Finals(third)
    await third.process_audio(sentence_16k[:3200])
    await until(lambda: overloaded.errors)
    assert isinstance(overloaded.errors[0], STTError)
    assert "capacity" in str(overloaded.errors[0])
    assert gateway.admission.stats()["stt"]["refused"] == 2
    for client in (stt, second, third):
        await client.aclose()


@pytest.mark.parametrize("protocol", ["videosdk", "livekit"])
async def test_tts_clients_get_piper_speech_at_their_rate(gateway, protocol: str) -> None:
    track = RecordingTrack()
    if protocol == "videosdk":
        tts = VideoSDKTTS.cartesia(base_url=ws_base(gateway), sample_rate=16000)
    else:
        tts = LiveKitTTS("piper/joe:en_US-joe-medium", base_url=gateway.base_url,
                         sample_rate=16000)
    tts.audio_track = track
    tts.loop = asyncio.get_running_loop()
    await tts.synthesize("Hello there. How are you today?")
    samples = np.frombuffer(track.audio, "<i2")
    seconds = len(samples) / 16000
    assert 1.0 < seconds < 4.0
    assert float(np.sqrt(np.mean(samples.astype(np.float32) ** 2))) > 500
    await tts.aclose()


async def test_llm_relay_to_an_openai_compatible_server() -> None:
    async with FakeOpenAIHTTP() as upstream:
        upstream.chat_replies.append(chat_text_reply("Hi ", "there"))
        server = GatewayServer(GatewayConfig(port=0, token=TOKEN, llm_url=upstream.base_url,
                                             llm_api_key="sk-upstream"))
        await server.start()
        try:
            llm = LiveKitLLM("llama3", base_url=server.base_url, api_key="k", api_secret=TOKEN)
            ctx = ChatContext()
            ctx.add_message(ChatRole.USER, "Hello")
            assert "".join([r.content async for r in llm.chat(ctx)]) == "Hi there"
            (request,) = upstream.of("/chat/completions")
            assert request.headers["Authorization"] == "Bearer sk-upstream"
            assert request.json["model"] == "llama3"
            await llm.aclose()
        finally:
            await server.aclose()


async def test_auth_bad_input_and_unsupported_routes(gateway, monkeypatch) -> None:
    base = f"http://127.0.0.1:{gateway.port}"
    async with aiohttp.ClientSession() as session:
        for url in (f"{base}/v1/stt?provider=x&modelId=y&secret=wrong", f"{base}/v1/tts"):
            async with session.get(url) as response:
                assert response.status == 401
        async with session.post(f"{base}/v1/chat/completions?secret={TOKEN}", json={}) as r:
            assert r.status == 503  # no --llm-url: a clear OpenAI-style error
            assert "--llm-url" in (await r.json())["error"]["message"]
        async with session.post(f"{base}/v1/bargein?secret={TOKEN}") as r:
            assert r.status == 400  # served now: no window, a clear error
        # Bad input on a live session: errors in the protocol, the session goes on.
        url = f"ws://127.0.0.1:{gateway.port}/v1/tts?provider=p&modelId=m&secret={TOKEN}"
        async with session.ws_connect(url) as ws:
            await ws.send_str("not json")
            assert "not JSON" in (await ws.receive_json())["data"]["error"]
            await ws.send_str(json.dumps({"type": "config", "data": {"sample_rate": 16000}}))
            await ws.send_str(json.dumps({"type": "text", "data": 42}))
            assert "string" in (await ws.receive_json())["data"]["error"]
            await ws.send_str(json.dumps({"type": "text", "data": "x" * 30_000}))
            assert "too much text" in (await ws.receive_json())["data"]["error"]
            await ws.send_str(json.dumps({"type": "text", "data": "Ok."}))
            await ws.send_str(json.dumps({"type": "flush"}))
            first = await ws.receive_json()
            assert first["type"] == "audio" and base64.b64decode(first["data"]["audio"])
        url = f"ws://127.0.0.1:{gateway.port}/v1/denoise?provider=p&modelId=m&secret={TOKEN}"
        async with session.ws_connect(url) as ws:
            await ws.send_str(json.dumps({"type": "audio", "data": "AAAA"}))
            assert "config" in (await ws.receive_json())["data"]["error"]
        url = f"ws://127.0.0.1:{gateway.port}/v1/llm?provider=google&modelId=m&secret={TOKEN}"
        async with session.ws_connect(url) as ws:
            assert "not served" in (await ws.receive_json())["data"]["error"]


def test_exposing_the_gateway_needs_a_token() -> None:
    with pytest.raises(ValueError, match="--token"):
        GatewayConfig(host="0.0.0.0")
    assert GatewayConfig(host="0.0.0.0", token="t").token == "t"


def test_cli_refuses_to_expose_the_gateway_without_a_token(capsys) -> None:
    from vocalis.cli import main

    assert main(["gateway", "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err
