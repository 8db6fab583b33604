"""File mode (WAV in → agent WAV + transcript JSON) and the console's text mode."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time

import numpy as np
import pytest
from tests.transports.fake_agent import SESSIONS, entrypoint

from vocalis.audio import read_wav, write_wav
from vocalis.job import FileConfig, JobContext, RoomOptions, run_job
from vocalis.transports.console import ConsoleAudioRoom, ConsoleTextRoom, load_sounddevice
from vocalis.transports.file import FileRoom
from vocalis.utils.clock import run_virtual


def test_file_mode_writes_agent_audio_and_transcript(tmp_path):
    from tests.transports.fake_agent import user_script

    source = tmp_path / "in.wav"
    write_wav(source, user_script("book a table for two").audio(0, 3.0, 22050), 22050)
    out, transcript = tmp_path / "out" / "agent.wav", tmp_path / "t.json"
    options = RoomOptions(transport_mode="file", file=FileConfig(
        input=str(source), output=str(out), transcript=str(transcript)))
    ctx = JobContext(room_options=options, metadata={"say": "book a table for two"})
    run_virtual(run_job(entrypoint, ctx))

    pcm, rate = read_wav(out)
    assert rate == 24000
    data = json.loads(transcript.read_text())
    assert [t["role"] for t in data["turns"]] == ["user", "agent"]
    assert data["turns"][0]["text"] == "book a table for two"
    assert data["turns"][1]["text"] == "You said: book a table for two."
    user_time = data["turns"][0]["time"]
    assert 1.4 < user_time < 2.6  # speech 0.2-1.4 s, then end of turn
    (start, end), = data["agent_speech"]
    assert start >= user_time and end - start > 1.0
    samples = np.frombuffer(pcm, dtype="<i2")
    # the full timeline: silence before the reply, the reply where the transcript says
    assert len(samples) / rate >= 3.0
    assert np.abs(samples[: int(start * rate) - 480]).max() == 0
    assert np.abs(samples[int(start * rate): int(end * rate)]).max() > 1000
    assert isinstance(ctx.room, FileRoom) and ctx.room.result.input_seconds == 3.0
    assert SESSIONS[-1]._closed


async def lines(*items: str):
    for item in items:
        await asyncio.sleep(0)
        yield item + "\n"


async def test_console_text_mode_driven_with_streams():
    out = io.StringIO()
    room = ConsoleTextRoom(lines=lines("hello there", "", "what time is it", "/quit",
                                       "never read"), out=out)
    ctx = JobContext(room_options=RoomOptions(transport_mode="console"), room=room)
    await asyncio.wait_for(run_job(entrypoint, ctx), 10.0)
    assert out.getvalue().splitlines() == [
        "agent: You said: hello there.",
        "agent: You said: what time is it.",
    ]
    assert room.closed.is_set() and room.close_reason == "eof"
    assert SESSIONS[-1]._closed


class FakeDevices:
    """A stand-in for the ``sounddevice`` module: a microphone that plays a script in real
    time from its own thread (as PortAudio calls back), and a speaker that records."""

    def __init__(self, script) -> None:
        self.script = script
        self.heard = bytearray()

    def RawInputStream(self, *, samplerate, blocksize, callback, **kwargs):
        return FakeStream(lambda t: callback(self.script.audio(t, blocksize / samplerate,
                                                                samplerate), blocksize, None, None),
                          blocksize / samplerate)

    def RawOutputStream(self, *, samplerate, blocksize, callback, **kwargs):
        def play(t):
            out = bytearray(blocksize * 2)
            callback(out, blocksize, None, None)
            self.heard.extend(out)

        return FakeStream(play, blocksize / samplerate)


class FakeStream:
    def __init__(self, tick, period: float) -> None:
        self._tick, self._period = tick, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t, start = 0.0, time.monotonic()
        while not self._stop.is_set():
            self._tick(t)
            t += self._period
            self._stop.wait(max(0.0, start + t - time.monotonic()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._thread.join(timeout=1.0)


@pytest.mark.slow
async def test_console_audio_mode_talks_through_the_devices():
    from tests.transports.fake_agent import build_session, user_script

    devices = FakeDevices(user_script("hello there"))
    out = io.StringIO()
    room = ConsoleAudioRoom(sounddevice=devices, out=out)
    ctx = JobContext(room_options=RoomOptions(transport_mode="console"), room=room,
                     metadata={"say": "hello there"})

    async def entrypoint(ctx):
        session = build_session(ctx)
        await session.start()
        await ctx.room.closed.wait()

    def audible() -> bool:
        speaker = np.frombuffer(bytes(devices.heard), dtype="<i2")
        return speaker.size > 0 and int(np.abs(speaker).max()) > 1000

    job = asyncio.ensure_future(run_job(entrypoint, ctx))
    for _ in range(1000):  # a liveness bound only: a loaded machine may take a while
        await asyncio.sleep(0.02)
        if "You said: hello there." in out.getvalue() and audible():
            break
    await room.aclose("test over")
    await asyncio.wait_for(job, 10.0)
    assert "You said: hello there." in out.getvalue()
    assert audible()  # the agent's voice reached the speaker


def test_console_audio_mode_explains_a_missing_portaudio():
    try:
        load_sounddevice()
    except RuntimeError as exc:
        assert "--text" in str(exc)
    else:
        pytest.skip("sounddevice works here")
