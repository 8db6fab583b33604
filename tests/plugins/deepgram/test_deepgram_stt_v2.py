"""DeepgramSTTV2 (Flux, /v2/listen) end to end against the local fake server."""

from __future__ import annotations

import pytest
from tests.fakes.deepgram import LISTEN_V2, FakeDeepgram, Turn
from tests.plugins.deepgram.deepgram_sdk_shapes import (
    check_client_messages,
    check_server_messages,
)
from tests.plugins.deepgram.listen_helpers import FRAME, Recorder, send

from vocalis.plugins.deepgram import DeepgramSTTV2
from vocalis.stt import SpeechEventType, STTError

CHUNK = 3200  # 100 ms


def audio(nbytes: int) -> bytes:
    return bytes((i * 29 + 3) % 256 for i in range(nbytes))


def make(fake: FakeDeepgram, **kwargs) -> DeepgramSTTV2:
    kwargs.setdefault("api_key", "test-key")
    return DeepgramSTTV2(base_url=fake.url(LISTEN_V2), **kwargs)


def test_missing_api_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="DEEPGRAM_API_KEY"):
        DeepgramSTTV2()


def test_defaults_follow_the_reference() -> None:
    stt = DeepgramSTTV2(api_key="k")
    assert stt.model == "flux-general-en"
    assert (stt.eager_eot_threshold, stt.eot_threshold, stt.eot_timeout_ms) == (0.6, 0.8, 7000)
    assert stt.input_sample_rate == 16000  # the pipeline resamples to target_sample_rate
    assert stt.source_sample_rate == 48000
    assert stt.enable_preemptive_generation is False
    assert stt.base_url == "wss://api.deepgram.com/v2/listen"


async def test_query_auth_and_exact_100ms_chunks(fake: FakeDeepgram) -> None:
    stt = make(fake)
    await send(stt, audio(CHUNK * 3 + FRAME))
    await fake.wait_for(lambda: len(fake.connections[0].frames) == 3)
    conn = fake.connections[0]
    assert conn.headers["Authorization"] == "Token test-key"
    assert list(conn.query.items()) == [
        ("model", "flux-general-en"),
        ("encoding", "linear16"),
        ("sample_rate", "16000"),
        ("eot_threshold", "0.8"),
        ("eot_timeout_ms", "7000"),
        ("eager_eot_threshold", "0.6"),
    ]
    assert [len(f) for f in conn.frames] == [CHUNK, CHUNK, CHUNK]
    await stt.aclose()
    # The held-back tail goes out on close, then CloseStream.
    assert [len(f) for f in conn.frames] == [CHUNK, CHUNK, CHUNK, FRAME]
    assert conn.audio == audio(CHUNK * 3 + FRAME)
    assert conn.types()[-1] == "CloseStream"
    check_client_messages(LISTEN_V2, conn.messages)


async def test_turn_events_with_preemptive_generation(fake: FakeDeepgram) -> None:
    fake.flux_script = [Turn("book a table for two", after_bytes=32000, resume=True)]
    stt = make(fake, enable_preemptive_generation=True)
    rec = Recorder(stt)
    await send(stt, audio(32000))
    await fake.wait_for(lambda: SpeechEventType.END in rec.kinds())
    assert rec.kinds() == [
        SpeechEventType.START,
        SpeechEventType.INTERIM,
        SpeechEventType.PREFLIGHT,
        SpeechEventType.INTERIM,
        SpeechEventType.PREFLIGHT,
        SpeechEventType.FINAL,
        SpeechEventType.END,
    ]
    update, preflight, resumed = rec.responses[1], rec.responses[2], rec.responses[3]
    assert update.data.text == "book a" and not (update.metadata or {}).get("turn_resumed")
    assert preflight.data.text == "book a table for two"
    assert preflight.data.confidence == pytest.approx(0.65)
    assert resumed.metadata["turn_resumed"] is True
    final = rec.finals()[0]
    assert final.data.text == "book a table for two"
    assert final.data.confidence == pytest.approx(0.9)
    assert (final.data.start_time, final.data.end_time) == (pytest.approx(0.0), pytest.approx(1.0))
    assert [w["word"] for w in final.data.words] == ["book", "a", "table", "for", "two"]
    assert final.metadata["model"] == "flux-general-en"
    await stt.aclose()
    check_server_messages(LISTEN_V2, fake.connections[0].sent)
    check_client_messages(LISTEN_V2, fake.connections[0].messages)


async def test_without_preemptive_generation_no_preflight(fake: FakeDeepgram) -> None:
    fake.flux_script = [Turn("hello", after_bytes=6400, resume=True)]
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(6400))
    await fake.wait_for(lambda: SpeechEventType.END in rec.kinds())
    assert rec.kinds() == [
        SpeechEventType.START,
        SpeechEventType.INTERIM,
        SpeechEventType.FINAL,
        SpeechEventType.END,
    ]
    await stt.aclose()


async def test_flush_forces_the_end_of_turn(fake: FakeDeepgram) -> None:
    fake.flux_script = [Turn("cut short", after_bytes=10**9)]
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(CHUNK + FRAME))
    await stt.flush()
    await fake.wait_for(lambda: bool(rec.finals()))
    conn = fake.connections[0]
    assert conn.types() == ["ForceEndTurn"]
    assert len(conn.audio) == CHUNK + FRAME  # the tail was sent before ForceEndTurn
    assert rec.finals()[0].data.text == "cut short"
    check_client_messages(LISTEN_V2, conn.messages)
    await stt.aclose()


async def test_close_finalizes_an_open_turn(fake: FakeDeepgram) -> None:
    fake.flux_script = [Turn("unfinished", after_bytes=10**9)]
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(CHUNK))
    await fake.wait_for(lambda: SpeechEventType.START in rec.kinds())
    await stt.aclose()
    assert fake.connections[0].types() == ["ForceEndTurn", "CloseStream"]
    assert [r.data.text for r in rec.finals()] == ["unfinished"]


async def test_silence_keeps_an_idle_stream_open(fake: FakeDeepgram) -> None:
    stt = make(fake, keepalive_interval=0.05)
    await send(stt, audio(CHUNK))
    await fake.wait_for(lambda: len(fake.connections[0].frames) >= 3)
    frames = fake.connections[0].frames
    assert frames[1] == bytes(CHUNK) and frames[2] == bytes(CHUNK)
    await stt.aclose()


async def test_drop_mid_turn_replays_the_turn(fake: FakeDeepgram) -> None:
    fake.flux_script = [Turn("keep my words", after_bytes=32000)]
    fake.drop_after_bytes = {0: 16000}
    stt = make(fake)
    rec = Recorder(stt)
    pcm = audio(32000)
    await send(stt, pcm)
    await fake.wait_for(lambda: bool(rec.finals()))
    assert rec.finals()[0].data.text == "keep my words"
    assert len(fake.connections) == 2
    assert fake.connections[1].audio == pcm
    assert all(len(f) == CHUNK for f in fake.connections[1].frames)
    await stt.aclose()


async def test_errors_and_malformed_messages_are_events(fake: FakeDeepgram) -> None:
    fake.flux_script = [Turn("still fine", after_bytes=12800)]
    fake.error_after_bytes = CHUNK
    fake.malformed_after_bytes = CHUNK
    stt = make(fake)
    rec = Recorder(stt)
    await send(stt, audio(12800))
    await fake.wait_for(lambda: bool(rec.finals()))
    assert len(rec.errors) == 2
    assert all(isinstance(e, STTError) for e in rec.errors)
    assert any("INTERNAL_SERVER_ERROR" in str(e) for e in rec.errors)
    assert any("malformed" in str(e) for e in rec.errors)
    await stt.aclose()


async def test_rejected_key_and_slow_server_are_typed_errors(fake: FakeDeepgram) -> None:
    stt = make(fake, api_key="nope")
    rec = Recorder(stt)
    await stt.process_audio(audio(FRAME))
    assert "401" in str(rec.errors[-1])
    await stt.aclose()
    fake.handshake_delay = 0.5
    stt = make(fake, connect_timeout=0.1)
    rec = Recorder(stt)
    await stt.process_audio(audio(FRAME))
    assert isinstance(rec.errors[-1], STTError) and "timed out" in str(rec.errors[-1])
    await stt.aclose()
