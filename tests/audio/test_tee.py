from vocalis.audio import TeeOutputTrack
from vocalis.utils import run_virtual

from .helpers import constant_pcm


class RecordingSink:
    def __init__(self):
        self.chunks = []

    async def handle_audio_input(self, pcm):
        self.chunks.append(pcm)


def test_sinks_get_the_audio_and_the_track_sends_silence():
    async def main():
        sink = RecordingSink()
        calls = []
        track = TeeOutputTrack(sinks=[sink, sink])
        track.add_sink(calls.append)
        await track.add_new_bytes(constant_pcm(1000, 480))
        frames = track.read_available()
        return sink.chunks, calls, frames, track.snapshot_playback()

    chunks, calls, frames, playback = run_virtual(main())
    assert chunks == [constant_pcm(1000, 480)]
    assert calls == [constant_pcm(1000, 480)]
    assert len(frames) == 1 and frames[0].is_silence and frames[0].pcm == bytes(960)
    assert playback == (480, 480)


def test_without_sinks_audio_goes_out_and_a_failing_sink_is_contained():
    async def main():
        track = TeeOutputTrack()

        def broken(pcm):
            raise RuntimeError("avatar down")

        track.add_sink(broken)
        await track.add_new_bytes(constant_pcm(1000, 480))
        track.remove_sink(broken)
        return track.read_available()

    frames = run_virtual(main())
    assert frames[0].pcm == constant_pcm(1000, 480)
