"""The call recorder takes chunks on the event loop while a worker thread writes the file."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np

from vocalis.audio.call_recorder import AGENT, CALLER, CallRecorder

RATE = 16000
CHUNK = 320  # 20 ms


def test_chunks_added_while_another_thread_flushes_all_land_in_place(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    recorder = CallRecorder(path, started_at=0.0, sample_rate=RATE)
    chunks = 1500  # 30 s of both sides, each chunk numbered by its value
    clock = {"now": 0.0}
    done = threading.Event()

    def flusher() -> None:
        while not done.is_set():
            recorder.flush(clock["now"])

    thread = threading.Thread(target=flusher)
    thread.start()
    try:
        for i in range(chunks):
            t = i * CHUNK / RATE
            pcm = np.full(CHUNK, i % 30000 + 1, dtype=np.int16).tobytes()
            recorder.add(CALLER, pcm, RATE, t)
            recorder.add(AGENT, pcm, RATE, t)
            clock["now"] = t + CHUNK / RATE
    finally:
        done.set()
        thread.join()
    recorder.close(clock["now"])

    with wave.open(str(path)) as f:
        frames = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").reshape(-1, 2)
    expected = np.repeat(np.arange(chunks) % 30000 + 1, CHUNK).astype(np.int16)
    assert len(frames) == len(expected)
    for side in (CALLER, AGENT):
        misplaced = np.flatnonzero(frames[:, side] != expected)
        assert not misplaced.size, f"side {side}: {misplaced.size} samples lost or shifted"
