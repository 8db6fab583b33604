import numpy as np
import pytest

from vocalis.audio import OutputTrack, fade_out_gain
from vocalis.utils import run_virtual

from .helpers import constant_pcm
from .track_helpers import pull


def speech_pcm(frames: list) -> np.ndarray:
    return np.frombuffer(b"".join(f.pcm for f, _ in frames if f.is_speech), "<i2")


def test_fade_gain_follows_the_reference_curve():
    gain = fade_out_gain(1001)
    assert gain[0] == 1.0
    assert gain[500] == pytest.approx(10**-1.5, rel=1e-4)
    assert gain[-2] == pytest.approx(10 ** (-3 * 999 / 1000), rel=1e-3)
    assert gain[-1] == 0.0
    assert np.all(np.diff(gain) < 0)


def test_interrupt_fades_the_next_400_ms_and_drops_the_rest():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(10000, 24000))
        await pull(track, 5)
        track.interrupt()
        return await pull(track, 40)

    frames = run_virtual(main())
    tail = speech_pcm(frames)
    assert len(tail) == int(0.4 * 24000)
    expected = 10000 * fade_out_gain(len(tail))
    assert np.max(np.abs(tail - expected)) <= 1
    assert tail[-1] == 0
    assert all(not f.is_speech for f, _ in frames[20:])


def test_fade_of_a_short_pending_tail_spans_what_is_left():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(10000, 480 * 5 + 100))
        track.interrupt()
        return track.read_available()

    frames = run_virtual(main())
    assert len(frames) == 6
    pcm = np.frombuffer(b"".join(f.pcm for f in frames), "<i2")
    assert pcm[0] == 10000
    assert pcm[480 * 5 + 99] == 0
    assert not np.any(pcm[480 * 5 + 100 :])


def test_zero_fade_duration_clears_at_once():
    async def main():
        track = OutputTrack(interrupt_fade_duration=0)
        await track.add_new_bytes(constant_pcm(10000, 24000))
        await pull(track, 2)
        track.interrupt()
        return await pull(track, 3), track.is_speaking

    frames, speaking = run_virtual(main())
    assert all(f.is_silence for f, _ in frames)
    assert not speaking


def test_second_interrupt_keeps_the_faded_tail():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(10000, 24000))
        track.interrupt()
        track.interrupt()
        return track.read_available()

    assert len(run_virtual(main())) == 20


def test_played_accounting_after_an_interrupt():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(500, 4800))
        track.read_available()
        track.mark_synthesis_start()
        await track.add_new_bytes(constant_pcm(1000, 24000))
        await pull(track, 10)
        track.interrupt()
        at_interrupt = track.snapshot_playback()
        await pull(track, 30)
        return at_interrupt, track.snapshot_playback()

    at_interrupt, after_tail = run_virtual(main())
    assert at_interrupt == (4800, 24000)
    assert after_tail == (4800 + 9600, 24000)


def test_manual_intake_gating_drops_late_bytes_until_enabled():
    async def main():
        track = OutputTrack(interrupt_fade_duration=0)
        track.enable_audio_input(manual_control=True)
        await track.add_new_bytes(constant_pcm(1000, 480))
        track.interrupt()
        await track.add_new_bytes(constant_pcm(2000, 480 * 3))
        dropped = track.read_available()
        track.enable_audio_input(manual_control=True)
        await track.add_new_bytes(constant_pcm(3000, 480))
        return dropped, track.dropped_bytes, track.read_available()

    dropped, dropped_bytes, accepted = run_virtual(main())
    assert dropped == []
    assert dropped_bytes == 960 * 3
    assert len(accepted) == 1 and accepted[0].pcm == constant_pcm(3000, 480)


def test_automatic_intake_reopens_after_an_interrupt():
    async def main():
        track = OutputTrack(interrupt_fade_duration=0)
        track.interrupt()
        await track.add_new_bytes(constant_pcm(1000, 480))
        return track.read_available()

    assert len(run_virtual(main())) == 1


def test_pause_emits_silence_and_keeps_audio_for_resume():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(1000, 480 * 4))
        before = await pull(track, 2)
        track.pause()
        await track.add_new_bytes(constant_pcm(2000, 480))
        paused = await pull(track, 20)
        speaking_while_paused = track.is_speaking
        track.resume()
        after = await pull(track, 4)
        return before, paused, speaking_while_paused, after

    before, paused, speaking_while_paused, after = run_virtual(main())
    assert all(f.is_speech for f, _ in before)
    assert all(f.is_silence for f, _ in paused)
    assert speaking_while_paused
    assert [f.pcm for f, _ in after[:3]] == [constant_pcm(1000, 480)] * 2 + [
        constant_pcm(2000, 480)
    ]
    assert after[3][0].is_silence


def test_interrupt_while_paused_unpauses_and_clears_without_a_tail():
    """A paused voice is already silent: fading a tail back in would be heard as the agent
    starting to talk again. (The reference fades here.)"""

    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(1000, 480 * 4))
        track.pause()
        track.interrupt()
        return track.is_paused, track.read_available(), track.is_speaking

    paused, frames, speaking = run_virtual(main())
    assert not paused
    assert frames == []
    assert not speaking
