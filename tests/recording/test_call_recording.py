"""Call recording: both sides on one timeline, WAV or Ogg/Opus, two channels or mixed, written
as the call goes, with a time-aligned transcript. Files are decoded with PyAV and compared with
what was sent."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
import soxr
from tests.scenarios.agents import Greeter

from vocalis import RecordingOptions
from vocalis.audio.call_recorder import AGENT, CALLER, CallRecorder
from vocalis.job import JobContext, RoomOptions
from vocalis.testing import FakeLLM, FakeResponse, ScriptedCall, UserScript
from vocalis.utils import run_virtual
from vocalis.utils.current_job import reset_current_job, set_current_job

RATE = 16000


def tone(freq: float, seconds: float, rate: int = RATE, level: float = 8000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * freq * t) * level).astype("<i2").tobytes()


def decode(path: Path) -> tuple[np.ndarray, int]:
    """The file's samples as ``(n, channels)`` int16 at 16 kHz, decoded by PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels
        blocks = [f.to_ndarray().reshape(channels, -1, order="F").T if f.format.is_packed
                  else f.to_ndarray().T for f in container.decode(stream)]
        rate = stream.codec_context.sample_rate
    samples = np.concatenate(blocks).astype(np.float32)
    if samples.dtype.kind == "f" and np.abs(samples).max() <= 1.5:
        samples = samples * 32768
    if rate != RATE:
        samples = soxr.resample(samples, rate, RATE)
    return samples.astype(np.int32), channels


def onsets(channel: np.ndarray, threshold: float = 2000) -> list[float]:
    """Seconds where 10 ms blocks go from quiet to loud."""
    block = RATE // 100
    levels = np.abs(channel[: len(channel) // block * block]).reshape(-1, block).max(axis=1)
    loud = levels > threshold
    return [i / 100 for i in range(1, len(loud)) if loud[i] and not loud[i - 1]] + (
        [0.0] if len(loud) and loud[0] else [])


def record_two_tones(path: Path, fmt: str, layout: str) -> CallRecorder:
    """Caller: 440 Hz from 0.5 s to 1.5 s (in 20 ms chunks); agent: 1 kHz from 2.0 s to 2.6 s."""
    recorder = CallRecorder(path, started_at=100.0, format=fmt, layout=layout)
    caller = tone(440, 1.0)
    for i in range(50):
        recorder.add(CALLER, caller[i * 640:(i + 1) * 640], RATE, 100.5 + i * 0.02)
    agent = tone(1000, 0.6, rate=24000)
    for i in range(30):
        recorder.add(AGENT, agent[i * 960:(i + 1) * 960], 24000, 102.0 + i * 0.02)
    return recorder


@pytest.mark.parametrize("fmt", ["wav", "ogg"])
def test_two_channels_keep_each_side_at_its_time(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"call.{fmt}"
    recorder = record_two_tones(path, fmt, "stereo")
    recorder.close(now=103.0)
    samples, channels = decode(path)
    assert channels == 2
    assert 2.55 <= len(samples) / RATE <= 2.75
    caller_on, agent_on = onsets(samples[:, 0]), onsets(samples[:, 1])
    assert len(caller_on) == 1 and abs(caller_on[0] - 0.5) <= 0.03
    assert len(agent_on) == 1 and abs(agent_on[0] - 2.0) <= 0.03
    caller_part = samples[int(0.6 * RATE):int(1.4 * RATE), 0]
    spectrum = np.abs(np.fft.rfft(caller_part))
    assert abs(np.argmax(spectrum) * RATE / len(caller_part) - 440) < 5
    assert np.abs(samples[int(0.6 * RATE):int(1.4 * RATE), 1]).max() < 300


def test_mixed_layout_sums_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    record_two_tones(path, "wav", "mixed").close(now=103.0)
    samples, channels = decode(path)
    assert channels == 1
    assert [round(t, 1) for t in onsets(samples[:, 0])] == [0.5, 2.0]


@pytest.mark.parametrize("fmt", ["wav", "ogg"])
def test_the_file_is_readable_while_the_call_goes_on(tmp_path: Path, fmt: str) -> None:
    """Flushed audio is on disk and decodable before the recording is closed (a crash loses
    at most the last flush interval plus the latency kept back)."""
    path = tmp_path / f"call.{fmt}"
    recorder = CallRecorder(path, started_at=0.0, format=fmt)
    for second in range(5):
        chunk = tone(440, 1.0)
        for i in range(50):
            recorder.add(CALLER, chunk[i * 640:(i + 1) * 640], RATE, second + i * 0.02)
        recorder.flush(now=second + 1.0)
    samples, _ = decode(path)
    assert len(samples) / RATE >= 5.0 - 0.25 - 0.6
    recorder.close(now=5.0)


def test_a_whole_call_is_recorded_with_its_transcript(tmp_path: Path) -> None:
    """A scripted call with recording on in the room options: the caller channel holds the
    user's speech where the script put it, the agent channel the reply, and the transcript's
    times match the audio."""
    path = tmp_path / "scripted.wav"
    events: list[tuple[str, dict]] = []
    user = UserScript().says("I would like a table for two", at=1.0)
    llm = FakeLLM([FakeResponse("Of course, for what time?", ttft=0.2)])
    call = ScriptedCall(Greeter(greeting=None), user, llm=llm)
    for name in ("recording_started", "recording_stopped"):
        call.session.on(name, lambda p, _n=name: events.append((_n, p)))
    ctx = JobContext(room_options=RoomOptions(
        recording=True, recording_options=RecordingOptions(path=str(path), flush_interval=0.5)))
    token = set_current_job(ctx)
    try:
        record = run_virtual(call.run(until=8.0))
    finally:
        reset_current_job(token)
    assert [name for name, _ in events] == ["recording_started", "recording_stopped"]
    assert events[1][1]["path"] == str(path) and events[1][1]["duration"] > 7.0
    samples, channels = decode(path)
    assert channels == 2
    turns = [json.loads(line) for line in path.with_suffix(".jsonl").read_text().splitlines()]
    assert [t["role"] for t in turns] == ["user", "agent"]
    assert turns[1]["text"] == "Of course, for what time?"
    assert abs(turns[0]["start"] - onsets(samples[:, 0], 500)[0]) <= 0.1
    agent_on = onsets(samples[:, 1], 500)
    assert agent_on and abs(turns[1]["start"] - agent_on[0]) <= 0.1
    spoken = record.agent_speech()
    assert spoken and abs(spoken[0][0] - agent_on[0]) <= 0.1


def test_background_audio_is_recorded_but_never_enters_the_chat_history(tmp_path: Path) -> None:
    """Hold music and thinking sounds are heard (and recorded) but are not conversation: the
    history holds only the turns, and the turn's latency is measured to the voice, not to the
    music under it."""
    from vocalis import BackgroundAudioHandlerConfig
    from vocalis.audio.clips import HOLD_MUSIC

    path = tmp_path / "music.wav"

    class WithMusic(Greeter):
        async def on_enter(self) -> None:
            self.set_thinking_audio()
            await self.session.play_background_audio(BackgroundAudioHandlerConfig(
                file_path=str(HOLD_MUSIC), volume=0.5, looping=True, mode="mixing"))

    user = UserScript().says("What is on the menu today", at=1.0)
    llm = FakeLLM([FakeResponse("Pasta and pizza.", ttft=0.5)])
    call = ScriptedCall(WithMusic(greeting=None), user, llm=llm)
    ctx = JobContext(room_options=RoomOptions(
        recording=True, recording_options=RecordingOptions(path=str(path))))
    token = set_current_job(ctx)
    try:
        record = run_virtual(call.run(until=6.0))
    finally:
        reset_current_job(token)
    roles = [(m.role.value, m.text_content) for m in record.messages() if m.role.value != "system"]
    assert roles == [("user", "What is on the menu today"), ("assistant", "Pasta and pizza.")]
    assert 400 < record.metrics.turns[0].e2e_latency_ms < 2000
    samples, _ = decode(path)
    music = samples[int(0.2 * RATE):int(0.9 * RATE), 1]
    assert np.abs(music).max() > 1000  # the music was on the agent's side before any reply
