import asyncio

import pytest

from vocalis.audio import OutputTrack, TrackEndedError
from vocalis.utils import now, run_virtual

from .helpers import constant_pcm
from .track_helpers import FRAME, pull, start_reader


def test_frames_leave_every_20_ms_with_increasing_pts():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(1000, 480 * 10))
        start = now()
        frames = await pull(track, 50)
        return start, frames, track

    start, frames, track = run_virtual(main())
    times = [round(t - start, 6) for _, t in frames]
    assert times == [round(i * 0.02, 6) for i in range(50)]
    assert [f.pts for f, _ in frames] == [i * 480 for i in range(50)]
    assert all(f.is_speech for f, _ in frames[:10])
    assert track.late_frames == 0


def test_idle_track_sends_shared_silence_frames():
    async def main():
        track = OutputTrack(sample_rate=16000)
        return await pull(track, 3)

    frames = run_virtual(main())
    first = frames[0][0]
    assert first.is_silence and not first.is_speech
    assert first.pcm == bytes(640) and first.samples == 320 and first.sample_rate == 16000
    assert frames[1][0].pcm is first.pcm
    assert frames[2][1] - frames[0][1] == pytest.approx(0.04)


def test_speech_arriving_mid_tick_wakes_the_waiting_reader_at_once():
    async def main():
        track = OutputTrack()
        first_out = []
        track.on_first_audio_out(lambda frame, t: first_out.append(t))
        log = []
        reader = start_reader(track, log)
        await asyncio.sleep(0.031)
        spoke_at = now()
        await track.add_new_bytes(constant_pcm(1000, 480 * 3))
        await asyncio.sleep(0.1)
        reader.cancel()
        return spoke_at, log, first_out

    spoke_at, log, first_out = run_virtual(main())
    speech_times = [t for frame, t in log if frame.is_speech]
    assert speech_times[0] == pytest.approx(spoke_at)
    assert speech_times[1] - speech_times[0] == pytest.approx(0.02)
    assert speech_times[2] - speech_times[1] == pytest.approx(0.02)
    assert first_out == [pytest.approx(spoke_at)]


def test_speech_queued_between_reads_leaves_without_waiting_for_the_tick():
    async def main():
        track = OutputTrack()
        await track.recv()
        await asyncio.sleep(0.005)
        await track.add_new_bytes(constant_pcm(1000, 480))
        queued_at = now()
        frame = await track.recv()
        return frame, now() - queued_at

    frame, waited = run_virtual(main())
    assert frame.is_speech
    assert waited == 0


def test_speech_during_ongoing_speech_keeps_the_pace():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(1000, 480 * 2))
        first = await pull(track, 1)
        await asyncio.sleep(0.005)
        await track.add_new_bytes(constant_pcm(1000, 480))
        second = await pull(track, 1)
        return second[0][1] - first[0][1]

    assert run_virtual(main()) == pytest.approx(0.02)


def test_late_reads_are_counted_and_a_long_stall_resyncs():
    async def main():
        track = OutputTrack()
        await track.recv()
        await asyncio.sleep(0.035)  # due at 0.02, read at 0.035: late
        await track.recv()
        late_after_one = track.late_frames
        await asyncio.sleep(0.5)  # a stalled loop
        await track.recv()
        stall_read = now()
        await track.recv()
        return late_after_one, track.late_frames, now() - stall_read

    late_after_one, late_total, gap_after_stall = run_virtual(main())
    assert late_after_one == 1
    assert late_total == 2
    assert gap_after_stall == pytest.approx(0.02)


def test_on_time_reads_are_not_late():
    async def main():
        track = OutputTrack()
        await pull(track, 100)
        return track.late_frames, track.frames_sent

    assert run_virtual(main()) == (0, 100)


def test_unpaced_reads_return_at_once():
    async def main():
        track = OutputTrack()
        await track.add_new_bytes(constant_pcm(1000, 480 * 3) + b"\x01")
        start = now()
        available = track.read_available()
        silent = await track.recv(paced=False)
        return available, silent, now() - start

    available, silent, elapsed = run_virtual(main())
    assert len(available) == 3 and all(f.is_speech for f in available)
    assert silent.is_silence
    assert elapsed == 0


def test_odd_chunks_are_reassembled_into_frames():
    async def main():
        track = OutputTrack()
        pcm = constant_pcm(1234, 480 * 2)
        for start in range(0, len(pcm), 333):
            await track.add_new_bytes(pcm[start : start + 333])
        return track.read_available()

    frames = run_virtual(main())
    assert [len(f.pcm) for f in frames] == [FRAME, FRAME]
    assert b"".join(f.pcm for f in frames) == constant_pcm(1234, 960)


def test_non_bytes_input_is_a_type_error():
    async def main():
        with pytest.raises(TypeError):
            await OutputTrack().add_new_bytes("hello")

    run_virtual(main())


def test_stop_ends_a_waiting_reader_and_later_reads():
    async def main():
        track = OutputTrack()
        await track.recv()
        waiting = asyncio.get_running_loop().create_task(track.recv())
        await asyncio.sleep(0.001)
        track.stop()
        with pytest.raises(TrackEndedError):
            await waiting
        with pytest.raises(TrackEndedError):
            await track.recv()
        assert track.readyState == "ended"
        await track.aclose()

    run_virtual(main())
