"""AudioReplayBuffer: what is kept for a replay, chunking, and the stream timeline."""

from __future__ import annotations

from vocalis.plugins.deepgram.replay import AudioReplayBuffer


def test_sends_once_and_replays_after_restart() -> None:
    buf = AudioReplayBuffer(sample_rate=8000)
    buf.append(b"a" * 100)
    assert buf.take_unsent() == [b"a" * 100]
    assert buf.take_unsent() == []
    buf.restart()
    assert buf.take_unsent() == [b"a" * 100]


def test_acknowledged_audio_is_not_replayed_and_time_stays_continuous() -> None:
    buf = AudioReplayBuffer(sample_rate=8000)  # 16000 bytes per second
    buf.append(bytes(32000))
    buf.take_unsent()
    buf.acknowledge(0.5)
    assert (buf.start, buf.unacknowledged) == (8000, 24000)
    buf.restart()
    assert len(b"".join(buf.take_unsent())) == 24000
    assert buf.stream_time(0.25) == 0.75


def test_cannot_acknowledge_audio_that_was_never_sent() -> None:
    buf = AudioReplayBuffer(sample_rate=8000)
    buf.append(bytes(1000))
    buf.acknowledge(10.0)
    assert buf.unacknowledged == 1000


def test_exact_chunks_hold_back_the_tail_until_final() -> None:
    buf = AudioReplayBuffer(sample_rate=8000)
    buf.append(bytes(250))
    assert [len(c) for c in buf.take_unsent(100)] == [100, 100]
    assert [len(c) for c in buf.take_unsent(100, final=True)] == [50]


def test_bounded_to_max_seconds() -> None:
    buf = AudioReplayBuffer(sample_rate=8000, max_seconds=0.5)
    buf.append(bytes(20000))
    assert buf.unacknowledged == 8000 and buf.start == 12000
