"""The media link: frames survive the wire, a stalled peer costs bounded memory, a silent
peer is noticed, and the front's remote track behaves like an output track."""

from __future__ import annotations

import asyncio
import socket

import pytest

from vocalis.audio import TrackEndedError
from vocalis.utils import run_virtual
from vocalis.worker.link.codec import (
    HEADER,
    AudioIn,
    AudioOut,
    LinkProtocolError,
    decode,
    encode_audio_in,
    encode_audio_out,
    encode_control,
)
from vocalis.worker.link.remote_session import MAX_BUFFERED_FRAMES, RemoteSession, RemoteTrack
from vocalis.worker.link.stream import LinkClosed, LinkStream, parse_address


def split(data: bytes) -> tuple[int, bytes]:
    length, kind = HEADER.unpack_from(data)
    assert len(data) == HEADER.size + length
    return kind, data[HEADER.size:]


def test_frames_round_trip() -> None:
    pcm = bytes(range(200)) * 3
    frame = decode(*split(encode_audio_in(pcm, 16000, 12.5, 12.75)))
    assert frame == AudioIn(pcm, 16000, 12.5, 12.75)
    speech = decode(*split(encode_audio_out(pcm, 24000, 300, 1, 3.0)))
    assert isinstance(speech, AudioOut) and speech.pcm == pcm and speech.speech
    silence_bytes = encode_audio_out(b"\x00" * 960, 24000, 480, 2, 3.0)
    assert len(silence_bytes) < 30
    silence = decode(*split(silence_bytes))
    assert isinstance(silence, AudioOut) and silence.silence and silence.pcm == bytes(960)
    assert decode(*split(encode_control({"type": "text", "text": "héllo"}))) == {
        "type": "text", "text": "héllo"}


@pytest.mark.parametrize("kind,payload", [(1, b"not json"), (1, b"[1]"), (2, b"xx"), (9, b"")])
def test_malformed_frames_are_protocol_errors(kind: int, payload: bytes) -> None:
    with pytest.raises(LinkProtocolError):
        decode(kind, payload)


def test_addresses() -> None:
    assert parse_address("unix:/tmp/x.sock") == ("unix", "/tmp/x.sock")
    assert parse_address("tcp:10.0.0.5:7000") == ("tcp", ("10.0.0.5", 7000))
    assert parse_address("tcp:[::1]:7000") == ("tcp", ("::1", 7000))
    with pytest.raises(ValueError):
        parse_address("http://x")


async def stream_pair(**kwargs) -> tuple[LinkStream, LinkStream, socket.socket]:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ra, wa = await asyncio.open_connection(sock=a)
    rb, wb = await asyncio.open_connection(sock=b)
    return LinkStream(ra, wa, **kwargs), LinkStream(rb, wb), b


async def test_a_peer_that_stops_reading_costs_bounded_memory() -> None:
    sender, receiver, _ = await stream_pair(max_buffered_bytes=16 * 1024)
    frame = bytes(640)
    sent = sum(sender.send_audio_in(frame, 16000, 0.0) for _ in range(2000))
    assert sent < 200 and sender.dropped_audio == 2000 - sent
    assert sender.buffered() < 64 * 1024
    sender.send_control({"type": "text", "text": "still delivered"})
    frames = []
    while True:
        item = await asyncio.wait_for(receiver.receive(), 2)
        frames.append(item)
        if isinstance(item, dict):
            break
    assert frames[-1] == {"type": "text", "text": "still delivered"}
    assert len(frames) == sent + 1
    sender.close()
    receiver.close()


def test_a_silent_peer_is_noticed_within_the_timeout() -> None:
    async def scenario() -> float:
        watcher, silent, _ = await stream_pair(timeout=5.0)
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.wait_for(watcher.keepalive(), 30)
        elapsed = loop.time() - start
        assert watcher.closed
        with pytest.raises(LinkClosed):
            await watcher.receive()
        silent.close()
        return elapsed

    assert 5.0 < run_virtual(scenario()) <= 5.5


def test_pings_keep_an_idle_link_alive() -> None:
    async def scenario() -> None:
        a, b, _ = await stream_pair(timeout=5.0)
        keep = [asyncio.ensure_future(a.keepalive()), asyncio.ensure_future(b.keepalive())]
        reads = [asyncio.ensure_future(a.receive()), asyncio.ensure_future(b.receive())]
        await asyncio.sleep(60)
        assert not a.closed and not b.closed
        assert a.frames_in >= 50 and b.frames_in >= 50
        for task in keep + reads:
            task.cancel()
        a.close()
        b.close()

    run_virtual(scenario())


def audio(samples: int = 480, *, speech: bool = True, tag: int = 1) -> AudioOut:
    return AudioOut(bytes([tag]) * samples * 2, 24000, samples, speech, False, 0.0)


async def test_remote_track_relays_frames_in_order_and_ends() -> None:
    track = RemoteTrack(24000)
    for tag in (1, 2, 3):
        track.put(audio(tag=tag))
    frames = [await track.recv() for _ in range(3)]
    assert [f.pcm[0] for f in frames] == [1, 2, 3]
    assert [f.pts for f in frames] == [0, 480, 960]
    waiting = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    track.stop()
    with pytest.raises(TrackEndedError):
        await waiting


async def test_remote_track_is_bounded_and_interruptions_flush_it() -> None:
    a, b, _ = await stream_pair()
    remote = RemoteSession(a, sample_rate=24000)
    for _ in range(MAX_BUFFERED_FRAMES + 20):
        remote.deliver_audio(audio())
    assert remote.output_track.dropped_frames == 20
    seen = []
    remote.on("interrupted", lambda payload=None: seen.append(payload))
    remote.deliver_event("interrupted", {})
    assert seen == [{}]
    remote.output_track.put(audio(tag=7))
    assert (await remote.output_track.recv()).pcm[0] == 7
    remote.deliver_event("agent_state_changed", {"state": "speaking"})
    assert remote.agent_state == "speaking"
    a.close()
    b.close()
