import asyncio

import numpy as np
import pytest

from vocalis.audio import BackgroundAudioConfig, OutputTrack
from vocalis.audio.mixer import DUCK_GAIN
from vocalis.utils import now, run_virtual

from .helpers import constant_pcm
from .track_helpers import pull, start_reader


def test_last_audio_callback_fires_after_drain_and_grace():
    async def main():
        track = OutputTrack()
        fired = []

        async def on_last():
            fired.append(now())

        track.on_last_audio_byte(on_last)
        track.mark_synthesis_start()
        await track.add_new_bytes(constant_pcm(1000, 480 * 3))
        track.mark_synthesis_complete()
        log = []
        reader = start_reader(track, log)
        await asyncio.sleep(1.0)
        reader.cancel()
        last_speech = max(t for f, t in log if f.is_speech)
        return fired, last_speech

    fired, last_speech = run_virtual(main())
    assert len(fired) == 1
    assert fired[0] - last_speech == pytest.approx(0.2)


def test_completion_after_a_gap_fires_at_once():
    async def main():
        track = OutputTrack()
        fired = []
        track.on_last_audio_byte(lambda: fired.append(now()))
        track.mark_synthesis_start()
        await track.add_new_bytes(constant_pcm(1000, 480))
        await pull(track, 15)
        assert fired == []
        completed_at = now()
        track.mark_synthesis_complete()
        return fired, completed_at

    fired, completed_at = run_virtual(main())
    assert fired == [completed_at]


def test_gap_shorter_than_grace_does_not_end_speech():
    async def main():
        track = OutputTrack()
        fired = []
        track.on_last_audio_byte(lambda: fired.append(now()))
        await track.add_new_bytes(constant_pcm(1000, 480))
        await pull(track, 5)
        speaking_in_gap = track.is_speaking
        await track.add_new_bytes(constant_pcm(1000, 480))
        track.mark_synthesis_complete()
        await pull(track, 20)
        return speaking_in_gap, fired

    speaking_in_gap, fired = run_virtual(main())
    assert speaking_in_gap
    assert len(fired) == 1


def test_trailing_partial_frame_is_played_on_completion():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(1000, 480 + 100))
        before = len(track.read_available())
        track.mark_synthesis_complete()
        return before, track.read_available()

    before, frames = run_virtual(main())
    assert before == 1
    assert len(frames) == 1
    assert frames[0].pcm == constant_pcm(1000, 100) + bytes(760)


def test_empty_synthesis_completes_at_once():
    async def main():
        track = OutputTrack()
        fired = []
        track.on_last_audio_byte(lambda: fired.append(True))
        track.mark_synthesis_start()
        track.mark_synthesis_complete()
        return fired

    assert run_virtual(main()) == [True]


def test_first_audio_out_skips_leading_silence_and_the_previous_utterance():
    async def main():
        track = OutputTrack()
        firsts = []
        track.on_first_audio_out(lambda frame, t: firsts.append((frame.pts, t)))
        await track.add_new_bytes(constant_pcm(1000, 480 * 2))
        frames = await pull(track, 1)
        track.mark_synthesis_start()
        await track.add_new_bytes(bytes(960) + constant_pcm(2000, 480))
        frames += await pull(track, 3)
        return firsts, frames

    firsts, frames = run_virtual(main())
    assert len(firsts) == 2
    assert firsts[0] == (frames[0][0].pts, frames[0][1])
    assert firsts[1] == (frames[3][0].pts, frames[3][1])


def test_audio_out_sees_every_frame_and_a_failing_callback_is_contained():
    async def main():
        track = OutputTrack()
        seen = []

        def broken(frame, t):
            raise RuntimeError("boom")

        track.on_audio_out(broken)
        track.on_audio_out(lambda frame, t: seen.append(t))
        await pull(track, 3)
        track.remove_audio_out_callback(broken)
        return seen

    assert len(run_virtual(main())) == 3


def test_thinking_audio_fills_idle_frames_until_stopped():
    async def main():
        track = OutputTrack()
        await track.start_thinking_audio()
        thinking = await pull(track, 50)
        assert track.stop_thinking_audio()
        quiet = await pull(track, 2)
        return thinking, quiet

    thinking, quiet = run_virtual(main())
    assert any(not f.is_silence for f, _ in thinking)
    assert not any(f.is_speech for f, _ in thinking)
    assert all(f.is_silence for f, _ in quiet)


def test_background_is_mixed_under_speech():
    async def main():
        track = OutputTrack()
        track.add_background_bytes(constant_pcm(100, 480))
        await track.add_new_bytes(constant_pcm(1000, 480))
        return track.read_available()

    frames = run_virtual(main())
    samples = np.frombuffer(frames[0].pcm, "<i2")
    assert samples[0] == 1100  # the background starts at full level, then ducks under speech
    assert 1000 + 100 * DUCK_GAIN <= samples[-1] < 1100 and np.all(np.diff(samples) <= 0)
    assert frames[0].is_speech


def test_stopping_a_loading_background_wins(tmp_path):
    async def main():
        track = OutputTrack()
        loading = asyncio.get_running_loop().create_task(
            track.start_background(BackgroundAudioConfig(looping=True))
        )
        await asyncio.sleep(0)
        track.stop_background()
        await loading
        return track.is_background_playing()

    assert run_virtual(main()) is False
