"""OpenAITTS against a fake ``/audio/speech`` server streaming raw PCM."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.openai_http import Drop, Sleep, Status

from vocalis.plugins.openai import OpenAITTS
from vocalis.tts.tts import FlushMarker, TTSError


class RecordingTrack:
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.interrupted = 0

    async def add_new_bytes(self, audio: bytes) -> None:
        self.frames.append(audio)

    def interrupt(self) -> None:
        self.interrupted += 1


def _tts(fake, **kw) -> tuple[OpenAITTS, RecordingTrack]:
    tts = OpenAITTS(api_key="sk-t", base_url=fake.base_url, **kw)
    track = RecordingTrack()
    tts.audio_track, tts.loop = track, asyncio.get_running_loop()
    return tts, track


async def test_streams_odd_chunks_as_20ms_frames_with_padded_tail(http_fake):
    http_fake.speech_replies.append([b"\x01" * 1001, b"\x02" * 999, b"\x03" * 10])
    tts, track = _tts(http_fake, instructions="cheerful", language="en")
    first_bytes = []

    async def on_first() -> None:
        first_bytes.append(len(track.frames))

    tts.on_first_audio_byte(on_first)
    await tts.synthesize("Hello world")
    assert tts.sample_rate == 24000
    assert [len(f) for f in track.frames] == [960, 960, 960]
    assert track.frames[-1].endswith(b"\x00" * 800)
    assert first_bytes == [0]
    body = http_fake.of("/audio/speech")[0].json
    assert body == {"model": "gpt-4o-mini-tts", "voice": "ash", "input": "Hello world",
                    "speed": 1.0, "response_format": "pcm", "instructions": "cheerful",
                    "language": "en"}
    await tts.aclose()


async def _stream(*pieces):
    for piece in pieces:
        yield piece


async def test_text_stream_is_one_request_unless_chunked(http_fake):
    tts, _ = _tts(http_fake)
    await tts.synthesize(_stream("Hello ", FlushMarker(), "world."))
    assert [r.json["input"] for r in http_fake.of("/audio/speech")] == ["Hello world."]
    chunked, _ = _tts(http_fake, chunked_synthesis=True)
    await chunked.synthesize(_stream("Hello. ", FlushMarker(), "  ", FlushMarker(), "Bye."))
    assert [r.json["input"] for r in http_fake.of("/audio/speech")][1:] == ["Hello. ", "Bye."]
    await tts.aclose()
    await chunked.aclose()


async def test_interrupt_cancels_the_http_stream(http_fake):
    http_fake.speech_replies.append([b"\x01" * 960, Sleep(5), b"\x01" * 960])
    tts, track = _tts(http_fake)
    task = asyncio.create_task(tts.synthesize("long text"))
    while not track.frames:
        await asyncio.sleep(0.01)
    await tts.interrupt()
    await asyncio.wait_for(task, 1)
    assert len(track.frames) == 1 and track.interrupted == 1
    await asyncio.wait_for(http_fake.speech_cancelled.wait(), 2)
    await tts.aclose()


async def test_server_error_raises_tts_error(http_fake):
    http_fake.speech_replies.append([Status(401, {"error": {"message": "bad key"}})])
    tts, _ = _tts(http_fake)
    errors = []
    tts.on("error", errors.append)
    with pytest.raises(TTSError, match="401"):
        await tts.synthesize("hi")
    assert len(errors) == 1
    await tts.aclose()


async def test_dropped_stream_raises_tts_error(http_fake):
    http_fake.speech_replies.append([b"\x01" * 960, Sleep(0.05), Drop()])
    tts, _ = _tts(http_fake)
    with pytest.raises(TTSError):
        await tts.synthesize("hi")
    await tts.aclose()


async def test_slow_server_times_out(http_fake):
    http_fake.speech_replies.append([Sleep(2)])
    tts, _ = _tts(http_fake, timeout=0.2)
    with pytest.raises(TTSError, match="timed out"):
        await tts.synthesize("hi")
    await tts.aclose()


async def test_needs_a_track():
    tts = OpenAITTS(api_key="k")
    with pytest.raises(TTSError):
        await tts.synthesize("hi")
    await tts.aclose()


def test_missing_key_is_a_clear_error():
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAITTS()
