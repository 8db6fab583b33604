"""DeepgramTTS (Aura, /v1/speak) end to end against the local fake server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from tests.fakes.deepgram import SPEAK_V1, FakeDeepgram, speech_pcm
from tests.plugins.deepgram.conftest import FakeTrack
from tests.plugins.deepgram.deepgram_sdk_shapes import (
    check_client_messages,
    check_server_messages,
)

from vocalis.plugins.deepgram import DeepgramTTS
from vocalis.tts import FlushMarker, TTSError


def make(fake: FakeDeepgram, track: FakeTrack, **kwargs) -> DeepgramTTS:
    kwargs.setdefault("api_key", "test-key")
    tts = DeepgramTTS(base_url=fake.url(SPEAK_V1), **kwargs)
    tts.audio_track = track
    tts.loop = asyncio.get_running_loop()
    return tts


class FirstByte:
    def __init__(self, tts: DeepgramTTS) -> None:
        self.count = 0
        tts.on_first_audio_byte(self)

    async def __call__(self) -> None:
        self.count += 1


async def stream(*items: str | FlushMarker) -> AsyncIterator[str | FlushMarker]:
    for item in items:
        await asyncio.sleep(0)
        yield item


def test_missing_api_key_and_bad_encoding() -> None:
    with pytest.raises(ValueError, match="DEEPGRAM_API_KEY"):
        DeepgramTTS()
    with pytest.raises(ValueError, match="linear16"):
        DeepgramTTS(api_key="k", encoding="mulaw")


def test_defaults_follow_the_reference() -> None:
    tts = DeepgramTTS(api_key="k")
    assert (tts.model, tts.encoding, tts.sample_rate, tts.num_channels) == (
        "aura-2-thalia-en",
        "linear16",
        24000,
        1,
    )
    assert tts.base_url == "wss://api.deepgram.com/v1/speak"


async def test_speaks_a_string(fake: FakeDeepgram, track: FakeTrack) -> None:
    tts = make(fake, track)
    first = FirstByte(tts)
    await tts.synthesize("Hello there.")
    assert track.audio == speech_pcm("Hello there.")
    assert first.count == 1
    conn = fake.connections[0]
    assert conn.headers["Authorization"] == "Token test-key"
    assert conn.query == {
        "model": "aura-2-thalia-en",
        "encoding": "linear16",
        "sample_rate": "24000",
    }
    assert conn.messages == [{"type": "Speak", "text": "Hello there."}, {"type": "Flush"}]
    await tts.aclose()
    check_client_messages(SPEAK_V1, conn.messages)
    check_server_messages(SPEAK_V1, conn.sent)
    assert conn.types()[-1] == "Close"


async def test_sentences_and_flush_markers(fake: FakeDeepgram, track: FakeTrack) -> None:
    tts = make(fake, track)
    first = FirstByte(tts)
    await tts.synthesize(
        stream("Hello", " there.", " How", " are you", FlushMarker(), "Bye", " now")
    )
    assert fake.connections[0].messages == [
        {"type": "Speak", "text": "Hello there."},
        {"type": "Speak", "text": "How are you"},
        {"type": "Flush"},
        {"type": "Speak", "text": "Bye now"},
        {"type": "Flush"},
    ]
    assert track.audio == speech_pcm("Hello there. How are you") + speech_pcm("Bye now")
    assert first.count == 1
    # A second synthesis reuses the connection and fires the first-byte callback again.
    await tts.synthesize("Again.")
    assert first.count == 2 and tts.connections == 1
    check_client_messages(SPEAK_V1, fake.connections[0].messages)
    await tts.aclose()


async def test_interrupt_sends_clear_and_drops_late_audio(
    fake: FakeDeepgram, track: FakeTrack
) -> None:
    fake.hold_after_first_chunk = True
    fake.late_frames_on_clear = 2
    tts = make(fake, track)
    task = asyncio.create_task(tts.synthesize("A long answer that will be cut off."))
    await fake.wait_for(lambda: len(track.chunks) == 1)
    await tts.interrupt()
    await asyncio.wait_for(task, 1.0)
    conn = fake.connections[0]
    await fake.wait_for(lambda: "Cleared" in [m["type"] for m in conn.sent])
    assert conn.types()[-1] == "Clear"
    assert len(conn.sent_audio) == 3  # the first chunk, then two in flight when Clear arrived
    assert track.interrupts == [1]
    # The next synthesis plays only its own audio.
    fake.hold_after_first_chunk = False
    await tts.synthesize("Next.")
    assert track.chunks[1:] == [speech_pcm("Next.")]
    check_client_messages(SPEAK_V1, conn.messages)
    check_server_messages(SPEAK_V1, conn.sent)
    await tts.aclose()


async def test_interrupt_while_text_is_streaming(fake: FakeDeepgram, track: FakeTrack) -> None:
    tts = make(fake, track)
    gate = asyncio.Event()

    async def slow_llm() -> AsyncIterator[str]:
        yield "First sentence."
        await gate.wait()
        yield " Never sent."

    task = asyncio.create_task(tts.synthesize(slow_llm()))
    await fake.wait_for(lambda: bool(fake.connections) and bool(fake.connections[0].messages))
    await tts.interrupt()
    await asyncio.wait_for(task, 1.0)
    assert fake.connections[0].types() == ["Speak", "Clear"]
    await tts.aclose()


async def test_server_error_raises_typed_error(fake: FakeDeepgram, track: FakeTrack) -> None:
    fake.speak_error = "bad voice"
    tts = make(fake, track, receive_timeout=1.0)
    errors: list[Exception] = []
    tts.on("error", errors.append)
    with pytest.raises(TTSError, match="bad voice"):
        await tts.synthesize("Hi.")
    assert len(errors) == 1 and isinstance(errors[0], TTSError)
    # The failed synthesis is cleared on the server; its late audio never reaches the track.
    await fake.wait_for(lambda: fake.connections[0].types()[-1] == "Clear")
    fake.speak_error = None
    await tts.synthesize("Hi again.")
    assert track.audio == speech_pcm("Hi again.")
    check_server_messages(SPEAK_V1, fake.connections[0].sent)
    await tts.aclose()


async def test_slow_server_times_out(fake: FakeDeepgram, track: FakeTrack) -> None:
    fake.silent = True
    tts = make(fake, track, receive_timeout=0.1)
    with pytest.raises(TTSError, match="no response"):
        await tts.synthesize("Anyone there?")
    await tts.aclose()


async def test_connect_timeout_and_rejected_key(fake: FakeDeepgram, track: FakeTrack) -> None:
    tts = make(fake, track, api_key="wrong")
    with pytest.raises(TTSError, match="401"):
        await tts.synthesize("Hi.")
    await tts.aclose()
    fake.handshake_delay = 0.5
    tts = make(fake, track, connect_timeout=0.1)
    with pytest.raises(TTSError, match="timed out"):
        await tts.synthesize("Hi.")
    await tts.aclose()


async def test_malformed_message_is_reported_and_ignored(
    fake: FakeDeepgram, track: FakeTrack
) -> None:
    fake.speak_malformed = True
    tts = make(fake, track)
    errors: list[Exception] = []
    tts.on("error", errors.append)
    await tts.synthesize("Still works.")
    assert track.audio == speech_pcm("Still works.")
    assert len(errors) == 1 and "malformed" in str(errors[0])
    await tts.aclose()


async def test_dropped_connection_fails_then_reconnects(
    fake: FakeDeepgram, track: FakeTrack
) -> None:
    fake.drop_on_flush = True
    tts = make(fake, track)
    with pytest.raises(TTSError, match="connection lost"):
        await tts.synthesize("Lost.")
    fake.drop_on_flush = False
    await tts.synthesize("Found.")
    assert track.audio == speech_pcm("Found.")
    assert tts.connections == 2
    await tts.aclose()


async def test_stream_synthesize_yields_the_audio(fake: FakeDeepgram) -> None:
    tts = DeepgramTTS(api_key="test-key", base_url=fake.url(SPEAK_V1))
    chunks = [c async for c in tts.stream_synthesize("Pull style.")]
    assert b"".join(chunks) == speech_pcm("Pull style.")
    await tts.aclose()
