"""VideoSDK gateway STT against the fake gateway: URL, config-first, audio envelope, events,
flush, reconnect with config and replay, errors."""

from __future__ import annotations

import base64

import pytest
from tests.fakes.videosdk_gateway import TOKEN, FakeVideoSDKGateway
from tests.inference.conftest import until

from vocalis.inference import STT
from vocalis.stt import SpeechEventType, STTError, STTResponse

CHUNK = b"\x10\x00" * 960  # 20 ms at 48 kHz


class Collector:
    def __init__(self, stt: STT) -> None:
        self.responses: list[STTResponse] = []
        self.errors: list[Exception] = []
        stt.on_stt_transcript(self.add)
        stt.on("error", self.errors.append)

    async def add(self, response: STTResponse) -> None:
        self.responses.append(response)

    def kinds(self) -> list[SpeechEventType]:
        return [r.event_type for r in self.responses]

    def finals(self) -> list[str]:
        return [r.data.text for r in self.responses if r.event_type is SpeechEventType.FINAL]


def test_requires_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDEOSDK_AUTH_TOKEN")
    with pytest.raises(ValueError, match="VIDEOSDK_AUTH_TOKEN"):
        STT.deepgram()


def test_factories_build_the_reference_configs() -> None:
    google = STT.google(config={"punctuate": False})
    assert google.provider == "google" and google.model_id == "chirp_3"
    assert google.config == {
        "model": "chirp_3", "language": "en-US", "languages": ["en-US"],
        "input_sample_rate": 48000, "output_sample_rate": 16000, "interim_results": True,
        "punctuate": False, "location": "asia-south1",
    }
    sarvam = STT.sarvam()
    assert (sarvam.provider, sarvam.model_id, sarvam.language) == ("sarvam", "saarika:v2.5", "en-IN")
    deepgram = STT.deepgram(input_sample_rate=16000)
    assert "output_sample_rate" not in deepgram.config
    assert deepgram.config["eot_timeout_ms"] == 7000 and deepgram.config["endpointing"] == 50
    assert deepgram.input_sample_rate == 16000
    assert deepgram.label == "videosdk.inference.STT.deepgram.nova-2"


async def test_config_first_then_audio_and_transcripts(vsdk: FakeVideoSDKGateway) -> None:
    vsdk.stt_script = [("hello there friend", len(CHUNK) * 10)]
    stt = STT.deepgram(base_url=vsdk.base_url)
    got = Collector(stt)
    for _ in range(12):
        await stt.process_audio(CHUNK)
    await until(lambda: got.finals())
    await stt.aclose()
    (conn,) = vsdk.of("stt")
    assert conn.query == {"provider": "deepgram", "secret": TOKEN, "modelId": "nova-2"}
    assert conn.messages[0] == {"type": "config", "data": stt.config}
    audio = [m for m in conn.messages if m["type"] == "audio"]
    assert len(audio) == 12 and all(base64.b64decode(m["data"]) == CHUNK for m in audio)
    assert conn.types()[-1] == "stop"
    assert got.kinds() == [SpeechEventType.START, SpeechEventType.INTERIM,
                           SpeechEventType.FINAL, SpeechEventType.END]
    final = got.responses[2]
    assert final.data.text == "hello there friend" and final.data.confidence == 0.9
    assert final.metadata == {"provider": "deepgram", "model": "nova-2"}
    assert not got.errors


async def test_flush_forces_a_final(vsdk: FakeVideoSDKGateway) -> None:
    vsdk.stt_script = [("short", len(CHUNK) * 100)]
    stt = STT.google(base_url=vsdk.base_url)
    got = Collector(stt)
    await stt.process_audio(CHUNK)
    await stt.flush()
    await until(lambda: got.finals())
    assert got.finals() == ["short"]
    assert vsdk.of("stt")[0].types() == ["config", "audio", "flush"]
    await stt.aclose()


async def test_a_drop_mid_utterance_reconnects_with_config_and_replays(
    vsdk: FakeVideoSDKGateway,
) -> None:
    vsdk.stt_script = [("the whole sentence", len(CHUNK) * 8)]
    vsdk.drop_after_audio = {0: 5}
    stt = STT.deepgram(base_url=vsdk.base_url)
    got = Collector(stt)
    for _ in range(6):
        await stt.process_audio(CHUNK)
    await until(lambda: vsdk.connections[0].closed)
    for _ in range(3):
        await stt.process_audio(CHUNK)
    await until(lambda: got.finals())
    _, second = vsdk.of("stt")
    assert second.messages[0]["type"] == "config"
    # The audio of the cut utterance was replayed on the new connection.
    assert len(second.audio) >= len(CHUNK) * 8
    assert got.finals() == ["the whole sentence"]
    assert stt.connections == 2
    await stt.aclose()


async def test_error_envelope_is_emitted_and_the_next_audio_reconnects(
    vsdk: FakeVideoSDKGateway,
) -> None:
    vsdk.error_after_audio = 2
    stt = STT.deepgram(base_url=vsdk.base_url)
    got = Collector(stt)
    for _ in range(2):
        await stt.process_audio(CHUNK)
    await until(lambda: got.errors)
    assert isinstance(got.errors[0], STTError) and "provider failed" in str(got.errors[0])
    await until(lambda: vsdk.connections[0].closed)
    vsdk.error_after_audio = None
    await stt.process_audio(CHUNK)
    await until(lambda: len(vsdk.of("stt")) == 2 and vsdk.of("stt")[1].audio)
    assert vsdk.of("stt")[1].types()[0] == "config"
    await stt.aclose()


async def test_malformed_frames_are_reported_and_the_stream_goes_on(
    vsdk: FakeVideoSDKGateway,
) -> None:
    vsdk.malformed_after_audio = 1
    vsdk.stt_script = [("still works", len(CHUNK) * 3)]
    stt = STT.deepgram(base_url=vsdk.base_url)
    got = Collector(stt)
    for _ in range(3):
        await stt.process_audio(CHUNK)
    await until(lambda: got.finals())
    assert any("malformed" in str(e) for e in got.errors)
    assert stt.connections == 1
    await stt.aclose()


async def test_rejected_token_is_a_clear_error_without_the_secret(
    vsdk: FakeVideoSDKGateway, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIDEOSDK_AUTH_TOKEN", "wrong-secret")
    stt = STT.deepgram(base_url=vsdk.base_url)
    got = Collector(stt)
    await stt.process_audio(CHUNK)
    assert len(got.errors) == 1
    message = str(got.errors[0])
    assert "rejected the token" in message and "wrong-secret" not in message
    # Backing off: the next chunks do not hammer the gateway.
    await stt.process_audio(CHUNK)
    assert len(got.errors) == 1
    await stt.aclose()


async def test_empty_transcripts_are_not_delivered_and_noise_gives_no_end(
    vsdk: FakeVideoSDKGateway,
) -> None:
    vsdk.stt_script = [("", len(CHUNK) * 2)]
    stt = STT.deepgram(base_url=vsdk.base_url)
    got = Collector(stt)
    for _ in range(3):
        await stt.process_audio(CHUNK)
    await until(lambda: any(m.get("data", {}).get("eventType") == "END_SPEECH"
                            for m in vsdk.of("stt")[0].sent if isinstance(m, dict)))
    await stt.aclose()
    assert got.kinds() == [SpeechEventType.START]
