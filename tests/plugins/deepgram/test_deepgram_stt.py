"""DeepgramSTT (/v1/listen) end to end against the local fake server."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.deepgram import LISTEN_V1, FakeDeepgram, Say
from tests.plugins.deepgram.deepgram_sdk_shapes import (
    check_client_messages,
    check_server_messages,
)
from tests.plugins.deepgram.listen_helpers import FRAME, Recorder, send

from vocalis.plugins.deepgram import DeepgramSTT
from vocalis.stt import SpeechEventType, STTError, STTResponse

RATE = 16000


def audio(nbytes: int, seed: int = 0) -> bytes:
    return bytes((i * 13 + seed) % 256 for i in range(nbytes))


def make(fake: FakeDeepgram, **kwargs) -> DeepgramSTT:
    kwargs.setdefault("api_key", "test-key")
    kwargs.setdefault("sample_rate", RATE)
    return DeepgramSTT(base_url=fake.url(LISTEN_V1), **kwargs)


def test_missing_api_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="DEEPGRAM_API_KEY"):
        DeepgramSTT()


def test_api_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", "env-key")
    assert DeepgramSTT()._api_key == "env-key"


def test_defaults_follow_the_reference() -> None:
    stt = DeepgramSTT(api_key="k")
    assert (stt.model, stt.language, stt.sample_rate, stt.endpointing) == (
        "nova-2",
        "en-US",
        48000,
        50,
    )
    assert stt.input_sample_rate == 48000
    assert stt.base_url == "wss://api.deepgram.com/v1/listen"
    assert stt.keepalive_interval == 5.0


async def test_connects_with_token_and_reference_query(fake: FakeDeepgram) -> None:
    stt = make(fake)
    await stt.process_audio(audio(FRAME))
    await fake.wait_for(lambda: fake.connections and fake.connections[0].frames)
    conn = fake.connections[0]
    assert conn.headers["Authorization"] == "Token test-key"
    assert list(conn.query.items()) == [
        ("model", "nova-2"),
        ("language", "en-US"),
        ("interim_results", "true"),
        ("punctuate", "true"),
        ("smart_format", "true"),
        ("encoding", "linear16"),
        ("sample_rate", "16000"),
        ("channels", "1"),
        ("endpointing", "50"),
        ("filler_words", "true"),
        ("vad_events", "true"),
        ("no_delay", "true"),
    ]
    assert stt.input_sample_rate == RATE
    await stt.aclose()


async def test_transcribes_an_utterance_end_to_end(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("Hello there, world.", after_bytes=32000)]
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(32000))
    await fake.wait_for(lambda: SpeechEventType.END in rec.kinds())
    assert rec.kinds() == [
        SpeechEventType.START,
        SpeechEventType.INTERIM,
        SpeechEventType.FINAL,
        SpeechEventType.END,
    ]
    final = rec.finals()[0]
    assert final.data.text == "Hello there, world."
    assert final.data.confidence == pytest.approx(0.93)
    assert final.data.language == "en-US"
    assert final.data.start_time == pytest.approx(0.0)
    assert final.data.end_time == pytest.approx(1.0)
    assert final.data.duration == pytest.approx(1.0)
    assert [w["punctuated_word"] for w in final.data.words] == ["Hello", "there,", "world."]
    assert final.metadata == {"model": "nova-2", "speech_final": True, "from_finalize": False}
    assert rec.responses[1].data.text == "Hello"
    await stt.aclose()
    conn = fake.connections[0]
    assert conn.audio == audio(32000)
    assert conn.types()[-1] == "CloseStream"
    check_client_messages(LISTEN_V1, conn.messages)
    check_server_messages(LISTEN_V1, conn.sent)
    assert rec.errors == []


async def test_flush_sends_finalize_and_gets_a_final(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("Short one.", after_bytes=10**9)]
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(6400))
    await stt.flush()
    await fake.wait_for(lambda: bool(rec.finals()))
    final = rec.finals()[0]
    assert final.data.text == "Short one."
    assert final.metadata["from_finalize"] is True
    assert fake.connections[0].types() == ["Finalize"]
    check_client_messages(LISTEN_V1, fake.connections[0].messages)
    await stt.aclose()


async def test_keepalive_while_idle(fake: FakeDeepgram) -> None:
    stt = make(fake, keepalive_interval=0.05)
    await stt.process_audio(audio(FRAME))
    await fake.wait_for(lambda: fake.connections[0].types().count("KeepAlive") >= 2)
    check_client_messages(LISTEN_V1, fake.connections[0].messages)
    await stt.aclose()


async def test_no_keepalive_while_audio_flows(fake: FakeDeepgram) -> None:
    stt = make(fake, keepalive_interval=0.2)
    for _ in range(30):
        await stt.process_audio(audio(FRAME))
        await asyncio.sleep(0.01)
    await fake.wait_for(lambda: len(fake.connections[0].frames) == 30)
    # A KeepAlive may only follow a real gap in the audio (a stalled machine makes one).
    last_audio = None
    for at, kind in fake.connections[0].timeline:
        if kind == "audio":
            last_audio = at
        elif kind == "KeepAlive":
            assert last_audio is None or at - last_audio >= 0.15, at - last_audio
    await stt.aclose()


async def test_drop_mid_utterance_replays_audio_and_keeps_the_words(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("one two three four", after_bytes=32000)]
    fake.drop_after_bytes = {0: 16000}
    stt = make(fake)
    rec = Recorder(stt)
    pcm = audio(32000)
    await send(stt, pcm)
    await fake.wait_for(lambda: bool(rec.finals()))
    assert rec.finals()[0].data.text == "one two three four"
    assert len(fake.connections) == 2
    first, second = fake.connections
    assert len(first.audio) >= 16000
    # The new connection got everything the server had not finalized, from the first byte.
    assert second.audio == pcm
    assert rec.errors == []
    await stt.aclose()


async def test_replay_starts_after_the_last_final(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("first part", after_bytes=16000), Say("second part", 64000)]
    fake.drop_after_bytes = {0: 24000}
    stt = make(fake)
    rec = Recorder(stt)
    pcm = audio(40000)
    await send(stt, pcm)
    await fake.wait_for(
        lambda: len(fake.connections) == 2 and len(fake.connections[1].audio) >= 24000
    )
    assert fake.connections[1].audio == pcm[16000:]
    await fake.wait_for(lambda: len(rec.finals()) == 2)
    # Timestamps stay on the stream timeline: the second connection's time 0 is 0.5 s.
    assert rec.finals()[1].data.start_time == pytest.approx(0.5)
    await stt.aclose()


async def test_server_error_is_an_event_and_the_session_goes_on(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("still here", after_bytes=6400)]
    fake.error_after_bytes = FRAME
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(6400))
    await fake.wait_for(lambda: bool(rec.finals()))
    assert len(rec.errors) == 1
    assert isinstance(rec.errors[0], STTError)
    assert "boom" in str(rec.errors[0])
    await stt.aclose()


async def test_malformed_message_is_reported_and_ignored(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("still here", after_bytes=6400)]
    fake.malformed_after_bytes = FRAME
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(6400))
    await fake.wait_for(lambda: bool(rec.finals()))
    assert len(rec.errors) == 1 and "malformed" in str(rec.errors[0])
    assert rec.finals()[0].data.text == "still here"
    await stt.aclose()


async def test_rejected_key_is_a_typed_error(fake: FakeDeepgram) -> None:
    stt = make(fake, api_key="wrong")
    rec = Recorder(stt)
    await stt.process_audio(audio(FRAME))
    assert len(rec.errors) == 1
    assert isinstance(rec.errors[0], STTError) and "401" in str(rec.errors[0])
    assert not stt.connected
    await stt.aclose()


async def test_slow_server_times_out_with_a_typed_error(fake: FakeDeepgram) -> None:
    fake.handshake_delay = 0.5
    stt = make(fake, connect_timeout=0.1)
    rec = Recorder(stt)
    await stt.process_audio(audio(FRAME))
    assert len(rec.errors) == 1
    assert isinstance(rec.errors[0], STTError) and "timed out" in str(rec.errors[0])
    await stt.aclose()


async def test_callback_failure_does_not_end_the_session(fake: FakeDeepgram) -> None:
    fake.listen_script = [Say("a b", after_bytes=3200), Say("c d", after_bytes=6400)]
    stt = make(fake)
    seen: list[str] = []

    async def flaky(response: STTResponse) -> None:
        seen.append(response.data.text)
        if response.data.text == "a b":
            raise RuntimeError("consumer bug")

    stt.on_stt_transcript(flaky)
    await send(stt, audio(6400))
    await fake.wait_for(lambda: "c d" in seen)
    await stt.aclose()


async def test_a_server_that_keeps_hanging_up_is_not_hammered(fake: FakeDeepgram) -> None:
    fake.drop_after_bytes = {i: 1 for i in range(50)}
    stt = make(fake)
    await stt.process_audio(audio(FRAME))
    await fake.wait_for(lambda: len(fake.connections) >= 3, timeout=5.0)
    # Immediate reconnect after the first drop, then a backoff of at least 0.5 s.
    opened = [c.opened_at for c in fake.connections[:3]]
    assert opened[2] - opened[1] >= 0.5 > opened[1] - opened[0]
    await stt.aclose()
