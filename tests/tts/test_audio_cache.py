"""TTSAudioCache: LRU eviction, single-flight synthesis, errors reach every waiter."""

import asyncio

import pytest

from vocalis.tts import TTS, TTSAudioCache, TTSError
from vocalis.utils import run_virtual


class CountingTTS(TTS):
    """Fake TTS: PCM is the UTF-8 of voice and text; counts syntheses; can fail or be slow."""

    def __init__(self, *, delay: float = 0.0, fail_times: int = 0) -> None:
        super().__init__(sample_rate=16000)
        self.calls: list[tuple[str, str | None]] = []
        self.delay = delay
        self.fail_times = fail_times

    async def synthesize(self, text, voice_id=None, **kwargs):
        if isinstance(text, str):
            phrase = text
        else:
            phrase = "".join([t async for t in text if isinstance(t, str)])
        self.calls.append((phrase, voice_id))
        await asyncio.sleep(self.delay)
        if self.fail_times:
            self.fail_times -= 1
            raise TTSError("provider down")
        payload = f"{voice_id or ''}|{phrase}".encode()
        await self.audio_track.add_new_bytes(payload[:3])
        await self.audio_track.add_new_bytes(payload[3:])

    async def interrupt(self):
        pass


def test_rejects_max_entries_below_one():
    with pytest.raises(ValueError, match="max_entries must be >= 1"):
        TTSAudioCache(CountingTTS(), max_entries=0)


async def test_fetch_synthesizes_once_then_serves_from_cache():
    tts = CountingTTS()
    cache = TTSAudioCache(tts)
    first = await cache.fetch("One moment.")
    second = await cache.fetch("One moment.")
    assert first == second == b"|One moment."
    assert tts.calls == [("One moment.", None)]
    assert "One moment." in cache
    assert len(cache) == 1


async def test_voice_is_part_of_the_key():
    tts = CountingTTS()
    cache = TTSAudioCache(tts)
    assert await cache.fetch("Hi", voice_id="a") == b"a|Hi"
    assert await cache.fetch("Hi", voice_id="b") == b"b|Hi"
    assert len(tts.calls) == 2
    assert "Hi" not in cache  # membership checks the default voice only


async def test_least_recently_used_entry_is_evicted():
    tts = CountingTTS()
    cache = TTSAudioCache(tts, max_entries=2)
    await cache.fetch("a")
    await cache.fetch("b")
    await cache.fetch("a")  # "a" is now the most recent
    await cache.fetch("c")  # evicts "b"
    assert "a" in cache and "c" in cache and "b" not in cache
    assert len(cache) == 2
    await cache.fetch("b")
    assert [c[0] for c in tts.calls] == ["a", "b", "c", "b"]


def test_concurrent_fetches_share_one_synthesis():
    async def main():
        tts = CountingTTS(delay=0.5)
        cache = TTSAudioCache(tts)
        results = await asyncio.gather(*(cache.fetch("Please hold.") for _ in range(5)))
        return tts.calls, results

    calls, results = run_virtual(main())
    assert calls == [("Please hold.", None)]
    assert set(results) == {b"|Please hold."}


def test_failure_reaches_every_waiter_and_is_not_cached():
    async def main():
        tts = CountingTTS(delay=0.1, fail_times=1)
        cache = TTSAudioCache(tts)
        outcomes = await asyncio.gather(
            cache.fetch("Sorry."), cache.fetch("Sorry."), return_exceptions=True
        )
        assert len(cache) == 0 and "Sorry." not in cache
        retry = await cache.fetch("Sorry.")
        return outcomes, retry, len(tts.calls)

    outcomes, retry, calls = run_virtual(main())
    assert all(isinstance(o, TTSError) for o in outcomes)
    assert retry == b"|Sorry."
    assert calls == 2


def test_cancelled_waiter_does_not_cancel_shared_synthesis():
    async def main():
        tts = CountingTTS(delay=1.0)
        cache = TTSAudioCache(tts)
        impatient = asyncio.create_task(cache.fetch("Hello"))
        patient = asyncio.create_task(cache.fetch("Hello"))
        await asyncio.sleep(0.1)
        impatient.cancel()
        audio = await patient
        return impatient.cancelled(), audio, len(tts.calls)

    cancelled, audio, calls = run_virtual(main())
    assert cancelled
    assert audio == b"|Hello"
    assert calls == 1


async def test_preload_and_clear():
    tts = CountingTTS()
    cache = TTSAudioCache(tts)
    await cache.preload(["One moment.", "Let me check."])
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0
    await cache.fetch("One moment.")
    assert len(tts.calls) == 3


def test_clear_during_synthesis_does_not_store_the_late_result():
    async def main():
        tts = CountingTTS(delay=1.0)
        cache = TTSAudioCache(tts)
        task = asyncio.create_task(cache.fetch("late"))
        await asyncio.sleep(0.1)
        cache.clear()
        audio = await task
        return audio, len(cache)

    audio, size = run_virtual(main())
    assert audio == b"|late"
    assert size == 0
