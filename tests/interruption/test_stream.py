"""The stream protocol: when windows are scored, what they hold, and the verdicts it emits."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vocalis.audio import AudioFrame
from vocalis.interruption import (
    AgentSpeechEnded,
    AgentSpeechStarted,
    InterruptionBackend,
    InterruptionDetector,
    OverlappingSpeechEvent,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
    Prediction,
)
from vocalis.utils import run_virtual

RATE = 16000
FRAME = 320  # 20 ms at 16 kHz


class ScriptedBackend(InterruptionBackend):
    """Answers each window with the next scripted probabilities; records the windows."""

    def __init__(self, answers: list[list[float]] | None = None, fail: set[int] | None = None) -> None:
        self.answers = list(answers or [])
        self.fail = fail or set()
        self.windows: list[np.ndarray] = []
        self.closed = False

    async def predict(self, window: np.ndarray) -> Prediction:
        self.windows.append(window)
        if len(self.windows) in self.fail:
            raise RuntimeError("backend down")
        probabilities = self.answers.pop(0) if self.answers else [0.0, 0.0, 0.0, 0.0]
        return Prediction(np.array(probabilities, dtype=np.float32))

    async def aclose(self) -> None:
        self.closed = True


def tone(seconds: float, rate: int = RATE, start: int = 0) -> np.ndarray:
    n = round(seconds * rate)
    return (3000 * np.sin(2 * np.pi * 220 * (start + np.arange(n)) / rate)).astype(np.int16)


async def push_audio(stream, seconds: float, rate: int = RATE, as_frames: bool = False) -> None:
    """Push 20 ms frames in (virtual) real time, as a transport delivers them."""
    audio = tone(seconds, rate)
    step = rate // 50
    for i in range(0, len(audio), step):
        chunk = audio[i : i + step]
        if as_frames:
            stream.push_frame(AudioFrame(chunk.tobytes(), rate, len(chunk)))
        else:
            stream.push_frame(chunk.tobytes())
        await asyncio.sleep(0.02)


async def collect(stream) -> list[OverlappingSpeechEvent]:
    stream.end_input()
    return [event async for event in stream]


def record(detector: InterruptionDetector) -> dict[str, list]:
    seen: dict[str, list] = {"overlapping_speech": [], "metrics_collected": [], "error": []}
    for name, items in seen.items():
        detector.on(name, items.append)
    return seen


def test_an_overlap_is_scored_every_interval_until_an_interruption():
    async def main():
        backend = ScriptedBackend([[0.1, 0.2, 0.1, 0.0], [0.9, 0.3, 0.2, 0.1], [0.9, 0.8, 0.7, 0.1]])
        detector = InterruptionDetector(backend, audio_prefix_duration=0.5)
        seen = record(detector)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        await push_audio(stream, 1.0)
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.2, started_at=10.0))
        await push_audio(stream, 0.6)
        return backend, seen, await collect(stream)

    backend, seen, events = run_virtual(main())
    # Scored at once (0.2 s already heard), then every 100 ms; nothing after the verdict.
    assert [len(w) for w in backend.windows] == [0.7 * RATE, 0.8 * RATE, 0.9 * RATE]
    assert len(events) == 1
    event = events[0]
    assert event.is_interruption and event.num_requests == 3
    assert event.probability == pytest.approx(0.8)  # 2nd largest: 50 ms of evidence
    assert event.overlap_started_at == 10.0
    assert seen["overlapping_speech"] == events
    metrics = seen["metrics_collected"]
    assert len(metrics) == 1 and metrics[0].num_interruptions == 1 and metrics[0].num_requests == 3
    assert metrics[0].metadata.model_provider == "vocalis"
    assert "speech_input" not in event.model_dump() and "probabilities" not in event.model_dump()


def test_an_overlap_ending_without_an_interruption_is_a_backchannel():
    async def main():
        backend = ScriptedBackend([[0.6, 0.2], [0.7, 0.4]])
        detector = InterruptionDetector(backend)
        seen = record(detector)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        await push_audio(stream, 0.3)
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.0, started_at=5.0))
        await push_audio(stream, 0.2)
        stream.push_frame(OverlapSpeechEnded(ended_at=5.5))
        await push_audio(stream, 0.5)  # after the overlap: not scored
        return backend, seen, await collect(stream)

    backend, seen, events = run_virtual(main())
    assert len(backend.windows) == 2
    (event,) = events
    assert not event.is_interruption
    assert event.num_requests == 2 and event.probability == pytest.approx(0.4)
    assert event.detection_delay == pytest.approx(0.5)
    assert seen["metrics_collected"][0].num_backchannels == 1


def test_speech_while_the_agent_is_silent_is_not_scored():
    async def main():
        backend = ScriptedBackend([[1.0, 1.0]])
        stream = InterruptionDetector(backend).stream()
        await push_audio(stream, 0.3)
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.2))
        await push_audio(stream, 0.5)
        stream.push_frame(AgentSpeechStarted())
        stream.push_frame(AgentSpeechEnded())
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.2))
        await push_audio(stream, 0.5)
        return backend, await collect(stream)

    backend, events = run_virtual(main())
    assert backend.windows == [] and events == []


def test_each_overlap_is_scored_on_its_own_window():
    async def main():
        backend = ScriptedBackend()
        detector = InterruptionDetector(backend, audio_prefix_duration=0.1)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        await push_audio(stream, 1.0)
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.1))
        await push_audio(stream, 0.1)
        stream.push_frame(OverlapSpeechEnded())
        await push_audio(stream, 0.5)
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.1))
        return backend, await collect(stream)

    backend, events = run_virtual(main())
    assert [len(w) for w in backend.windows] == [0.2 * RATE, 0.3 * RATE, 0.2 * RATE]
    assert [e.is_interruption for e in events] == [False]


def test_audio_at_other_rates_is_resampled_to_16k():
    async def main():
        results = {}
        for rate, as_frames in ((48000, True), (8000, False)):
            backend = ScriptedBackend()
            stream = InterruptionDetector(backend, audio_prefix_duration=0.0).stream(sample_rate=rate)
            stream.push_frame(AgentSpeechStarted())
            stream.push_frame(OverlapSpeechStarted(speech_duration=0.0))
            await push_audio(stream, 0.5, rate=rate, as_frames=as_frames)
            await collect(stream)
            results[rate] = backend.windows
        return results

    for windows in run_virtual(main()).values():
        lengths = np.array([len(w) for w in windows])
        # Scored every 100 ms of 16 kHz audio (to within a 20 ms input frame) ...
        assert len(lengths) >= 4 and np.all(np.abs(np.diff(lengths) - 0.1 * RATE) <= 0.02 * RATE)
        # ... holding all the overlap so far, less the resampler's few ms of delay.
        assert 0.44 * RATE <= lengths[-1] <= 0.5 * RATE
        assert np.abs(windows[-1][-RATE // 10 :]).max() > 2500


def test_a_failing_backend_reports_errors_and_the_stream_goes_on():
    async def main():
        backend = ScriptedBackend([[0.9, 0.9]], fail={1, 2})
        detector = InterruptionDetector(backend)
        seen = record(detector)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.0))
        await push_audio(stream, 0.3)
        return seen, await collect(stream)

    seen, events = run_virtual(main())
    assert [e.recoverable for e in seen["error"]] == [True, True]
    assert "backend down" in str(seen["error"][0].error)
    assert [e.is_interruption for e in events] == [True] and events[0].num_requests == 3


def test_a_hanging_backend_times_out():
    class Hanging(ScriptedBackend):
        async def predict(self, window):
            self.windows.append(window)
            await asyncio.Event().wait()

    async def main():
        detector = InterruptionDetector(Hanging(), inference_timeout=0.7)
        seen = record(detector)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.0))
        await push_audio(stream, 0.1)
        await collect(stream)
        return seen

    (error,) = run_virtual(main())["error"]
    assert isinstance(error.error, TimeoutError) and error.recoverable


def test_update_options_applies_to_the_next_window():
    async def main():
        backend = ScriptedBackend([[0.6, 0.6], [0.6, 0.6]])
        detector = InterruptionDetector(backend, threshold=0.7)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        stream.push_frame(OverlapSpeechStarted(speech_duration=0.0))
        await push_audio(stream, 0.1)
        while len(backend.windows) < 1:
            await asyncio.sleep(0.01)
        detector.update_options(threshold=0.5)
        await push_audio(stream, 0.1)
        return await collect(stream)

    (event,) = run_virtual(main())
    assert event.is_interruption and event.num_requests == 2


def test_a_backlog_drops_the_oldest_audio_and_counts_it():
    async def main():
        backend = ScriptedBackend()
        stream = InterruptionDetector(backend).stream(max_queued_frames=10)
        stream.push_frame(AgentSpeechStarted())
        for _ in range(50):  # pushed in one go, before the stream's task runs
            stream.push_frame(tone(0.02).tobytes())
        dropped = stream.dropped_frames
        await collect(stream)
        return dropped

    assert run_virtual(main()) == 40


def test_aclose_closes_the_session_and_ends_iteration():
    async def main():
        backend = ScriptedBackend()
        detector = InterruptionDetector(backend)
        stream = detector.stream()
        stream.push_frame(AgentSpeechStarted())
        await stream.aclose()
        events = [e async for e in stream]
        with pytest.raises(RuntimeError):
            stream.push_frame(AgentSpeechEnded())
        await detector.aclose()
        return backend, events

    backend, events = run_virtual(main())
    assert events == [] and backend.closed


def test_direct_prediction_scores_the_last_max_audio_duration():
    async def main():
        backend = ScriptedBackend([[0.2, 0.9, 0.8]])
        detector = InterruptionDetector(backend, max_audio_duration=1.0)
        return backend, await detector.predict_probability(tone(2.0))

    backend, probability = run_virtual(main())
    assert probability == pytest.approx(0.8)
    assert len(backend.windows[0]) == RATE
