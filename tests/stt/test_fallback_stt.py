"""FallbackSTT: failover on exceptions and error events, replay of recent audio, recovery."""

import asyncio
from typing import Any

import pytest

from vocalis.stt.fallback import FallbackSTT, RecentAudio
from vocalis.stt.stt import STT, SpeechData, SpeechEventType, STTError, STTResponse
from vocalis.utils import run_virtual

FRAME = 640  # 20 ms of 16 kHz 16-bit mono


def frame(n: int) -> bytes:
    return bytes([n]) * FRAME


class FakeSTT(STT):
    """Records audio; fails while ``broken``; ``say`` pushes a transcript to the callback."""

    def __init__(self, name: str, broken: bool = False) -> None:
        super().__init__()
        self._label = name
        self.broken = broken
        self.received: list[bytes] = []
        self.flushes = 0
        self.closed = False

    async def process_audio(self, audio_frames, language=None, **kwargs):
        if self.broken:
            raise ConnectionError(f"{self._label} down")
        self.received.append(audio_frames)

    async def flush(self):
        if self.broken:
            raise ConnectionError(f"{self._label} down")
        self.flushes += 1

    async def say(self, text: str, final: bool = True) -> None:
        kind = SpeechEventType.FINAL if final else SpeechEventType.INTERIM
        assert self._transcript_callback is not None
        await self._transcript_callback(STTResponse(event_type=kind, data=SpeechData(text=text)))

    async def aclose(self):
        self.closed = True
        await super().aclose()


def _wrapper(*providers: FakeSTT, **kwargs: Any) -> tuple[FallbackSTT, list[str], list[Any]]:
    stt = FallbackSTT(list(providers), **kwargs)
    texts: list[str] = []
    errors: list[Any] = []

    async def on_transcript(response: STTResponse) -> None:
        texts.append(response.data.text)

    stt.on_stt_transcript(on_transcript)
    stt.on("error", errors.append)
    return stt, texts, errors


async def test_audio_and_transcripts_flow_through_the_active_provider():
    a, b = FakeSTT("a"), FakeSTT("b")
    stt, texts, _ = _wrapper(a, b)
    await stt.process_audio(frame(1))
    await a.say("hello")
    await stt.flush()
    assert a.received == [frame(1)]
    assert b.received == []
    assert texts == ["hello"]
    assert a.flushes == 1


async def test_exception_switches_and_replays_audio_since_last_final():
    a, b = FakeSTT("a"), FakeSTT("b")
    stt, texts, errors = _wrapper(a, b)
    await stt.process_audio(frame(1))
    await a.say("first sentence")
    await stt.process_audio(frame(2))
    await stt.process_audio(frame(3))
    a.broken = True
    await stt.process_audio(frame(4))
    assert stt.active_provider is b
    assert b.received == [frame(2), frame(3), frame(4)]
    assert [str(e) for e in errors] == ["a down"]
    await stt.process_audio(frame(5))
    assert b.received[-1] == frame(5)
    await b.say("second sentence")
    await a.say("late result from a")
    assert texts == ["first sentence", "second sentence"]


async def test_replay_is_capped_to_the_buffer_length():
    a, b = FakeSTT("a"), FakeSTT("b")
    stt, _, _ = _wrapper(a, b, replay_buffer_sec=0.06)
    for n in range(10):
        await stt.process_audio(frame(n))
    a.broken = True
    await stt.process_audio(frame(10))
    assert b.received == [frame(8), frame(9), frame(10)]


async def test_error_event_switches_and_next_frame_replays():
    a, b = FakeSTT("a"), FakeSTT("b")
    stt, _, errors = _wrapper(a, b)
    await stt.process_audio(frame(1))
    a.emit("error", ConnectionError("socket closed"))
    assert stt.active_provider is b
    assert len(errors) == 1
    await stt.process_audio(frame(2))
    assert b.received == [frame(1), frame(2)]


async def test_fails_over_more_than_once_in_one_call():
    a, b, c = FakeSTT("a", broken=True), FakeSTT("b", broken=True), FakeSTT("c")
    stt, _, errors = _wrapper(a, b, c)
    await stt.process_audio(frame(1))
    assert stt.active_provider is c
    assert c.received == [frame(1)]
    assert len(errors) == 2


async def test_all_failing_raises_stt_error_and_keeps_audio_for_later():
    a, b = FakeSTT("a", broken=True), FakeSTT("b", broken=True)
    stt, _, _ = _wrapper(a, b)
    with pytest.raises(STTError, match="All STT providers failed"):
        await stt.process_audio(frame(1))
    b.broken = False
    await stt.process_audio(frame(2))
    assert b.received == [frame(1), frame(2)]


async def test_flush_fails_over_after_replaying():
    a, b = FakeSTT("a"), FakeSTT("b")
    stt, _, _ = _wrapper(a, b)
    await stt.process_audio(frame(1))
    a.broken = True
    await stt.flush()
    assert b.received == [frame(1)]
    assert b.flushes == 1


def test_recovery_reattaches_callback_and_replays():
    async def main():
        a, b = FakeSTT("a"), FakeSTT("b")
        stt, texts, _ = _wrapper(a, b, temporary_disable_sec=10.0)
        a.broken = True
        await stt.process_audio(frame(1))
        assert stt.active_provider is b
        a.broken = False
        await asyncio.sleep(10.0)
        await stt.process_audio(frame(2))
        assert stt.active_provider is a
        assert a.received == [frame(1), frame(2)]
        await a.say("back on a")
        assert texts == ["back on a"]

    run_virtual(main())


def test_slow_final_transcripts_switch_provider():
    async def main():
        a, b = FakeSTT("a"), FakeSTT("b")
        stt, _, _ = _wrapper(a, b, latency_threshold_ms=300.0, consecutive_latency_hits=2)
        for _ in range(2):
            await stt.process_audio(frame(1))
            await stt.flush()
            await asyncio.sleep(0.5)
            await a.say("slow")
        assert stt.active_provider is b

    run_virtual(main())


async def test_aclose_closes_all_providers():
    a, b = FakeSTT("a"), FakeSTT("b")
    stt, _, _ = _wrapper(a, b)
    await stt.aclose()
    assert a.closed and b.closed


def test_recent_audio_keeps_whole_chunks_up_to_the_limit():
    buffer = RecentAudio(max_bytes=10)
    for chunk in (b"aaaa", b"bbbb", b"cccc", b""):
        buffer.append(chunk)
    assert buffer.chunks() == [b"bbbb", b"cccc"]
    assert len(buffer) == 8
    buffer.clear()
    assert buffer.chunks() == []


def test_finals_come_with_the_flush_only_when_every_provider_pushes_them_so():
    local_a, local_b, cloud = FakeSTT("a"), FakeSTT("b"), FakeSTT("cloud")
    local_a.final_in_flush = local_b.final_in_flush = True
    assert FallbackSTT([local_a, local_b]).final_in_flush
    assert not FallbackSTT([local_a, cloud]).final_in_flush
