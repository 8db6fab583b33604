"""AdaptiveInterruptionDetector over HTTP and WebSocket against the fake LiveKit gateway:
windowing, barge-in and backchannel verdicts, metrics, timeouts, quota errors, retries."""

from __future__ import annotations

import asyncio
import struct

import numpy as np
import pytest
from tests.fakes.livekit_gateway import FakeLiveKitGateway
from tests.inference.conftest import until

from vocalis.inference import AdaptiveInterruptionDetector, OverlappingSpeechEvent
from vocalis.inference.interruption import (
    AgentSpeechEnded,
    AgentSpeechStarted,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
    conservative_probability,
)
from vocalis.inference.livekit import APIConnectOptions

FRAME = (np.ones(320, dtype="<i2") * 300).tobytes()  # 20 ms at 16 kHz
FAST = APIConnectOptions(max_retry=1, retry_interval=0.01, timeout=2.0)


class Recorder:
    def __init__(self, detector: AdaptiveInterruptionDetector) -> None:
        self.events: list[OverlappingSpeechEvent] = []
        self.metrics: list = []
        self.errors: list = []
        detector.on("overlapping_speech", self.events.append)
        detector.on("metrics_collected", self.metrics.append)
        detector.on("error", self.errors.append)


def test_defaults_follow_the_code_not_the_docstring() -> None:
    detector = AdaptiveInterruptionDetector(base_url="http://127.0.0.1:1/v1")
    assert (detector.threshold, detector.min_interruption_duration, detector.max_audio_duration,
            detector.audio_prefix_duration, detector.detection_interval,
            detector.inference_timeout) == (0.5, 0.05, 3.0, 1.0, 0.1, 0.7)
    assert detector.min_frames == 2 and detector.sample_rate == 16000
    assert not detector.use_proxy
    assert (detector.model, detector.provider) == ("adaptive interruption", "livekit")
    with pytest.raises(ValueError, match="at most 3"):
        AdaptiveInterruptionDetector(max_audio_duration=3.5)
    assert AdaptiveInterruptionDetector().use_proxy  # LiveKit's gateway: WebSocket, credentials
    assert conservative_probability(np.array([0.1, 0.9, 0.8, 0.3], np.float32), 2) == \
        pytest.approx(0.8)
    assert conservative_probability(np.array([0.9], np.float32), 2) == 0.0


async def play(stream, seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        stream.push_frame(FRAME)


@pytest.mark.parametrize("transport", ["http", "websocket"])
async def test_a_barge_in_is_detected_and_reported_once(
    lk: FakeLiveKitGateway, transport: str
) -> None:
    detector = AdaptiveInterruptionDetector(base_url=lk.base_url,
                                            use_proxy=transport == "websocket")
    seen = Recorder(detector)
    stream = detector.stream()
    await play(stream, 0.5)  # before the agent speaks: dropped when it starts, nothing sent
    stream.push_frame(AgentSpeechStarted())
    await play(stream, 2.0)
    stream.push_frame(OverlapSpeechStarted(speech_duration=0.2))
    for _ in range(30):
        stream.push_frame(FRAME)
        await asyncio.sleep(0.02)
        if seen.events:
            break
    await until(lambda: seen.events)
    (event,) = seen.events
    assert event.is_interruption and event.num_requests >= lk.bargein_at_request
    assert event.probability == pytest.approx(0.9) and event.detection_delay > 0
    assert "speech_input" not in event.model_dump() and event.speech_input is not None
    (metrics,) = seen.metrics
    assert metrics.num_interruptions == 1 and metrics.num_backchannels == 0
    if transport == "http":
        first = lk.http_requests[0]
        assert first.query["threshold"] == "0.5" and first.query["min_frames"] == "2"
        assert int(first.query["created_at"]) > 0
        assert first.headers["Content-Type"] == "application/octet-stream"
        # The first window, sent at once: the overlap's 0.2 s plus the 1 s prefix.
        assert len(first.frames[0]) == int(1.2 * 16000) * 2
    else:
        (conn,) = lk.of("/bargein")
        assert conn.messages[0] == {"type": "session.create", "settings": {
            "sample_rate": 16000, "num_channels": 1, "threshold": 0.5, "min_frames": 2,
            "encoding": "s16le"}}
        frame = conn.frames[0]
        assert struct.unpack("<Q", frame[:8])[0] > 0
        assert len(frame) - 8 == int(1.2 * 16000) * 2
    await detector.aclose()


async def test_an_overlap_without_barge_in_is_a_backchannel(lk: FakeLiveKitGateway) -> None:
    lk.bargein_at_request = None
    detector = AdaptiveInterruptionDetector(base_url=lk.base_url)
    seen = Recorder(detector)
    stream = detector.stream()
    stream.push_frame(AgentSpeechStarted())
    stream.push_frame(OverlapSpeechStarted(speech_duration=0.1))
    for _ in range(10):
        stream.push_frame(FRAME)
        await asyncio.sleep(0.01)
    await until(lambda: len(lk.http_requests) >= 2)
    await asyncio.sleep(0.05)
    stream.push_frame(OverlapSpeechEnded())
    await until(lambda: seen.events)  # the stream's task handles markers in order
    (event,) = seen.events
    assert not event.is_interruption and event.num_requests >= 2
    assert seen.metrics[0].num_backchannels == 1
    stream.push_frame(AgentSpeechEnded())
    await detector.aclose()


async def test_http_quota_and_timeouts_are_typed_non_recoverable_errors(
    lk: FakeLiveKitGateway,
) -> None:
    lk.bargein_status = 429
    detector = AdaptiveInterruptionDetector(base_url=lk.base_url, conn_options=FAST)
    seen = Recorder(detector)
    stream = detector.stream()
    stream.push_frame(AgentSpeechStarted())
    stream.push_frame(OverlapSpeechStarted(speech_duration=0.1))
    await play(stream, 0.1)  # a window per 100 ms of overlap
    await until(lambda: seen.errors)
    error = seen.errors[0]
    assert error.error.status_code == 429 and not error.recoverable
    assert error.type == "interruption_detection_error"
    lk.bargein_status = None
    lk.bargein_delay = 0.3
    detector.inference_timeout = 0.05
    stream.push_frame(OverlapSpeechStarted(speech_duration=0.1))
    await play(stream, 0.1)
    await until(lambda: len(seen.errors) == 2)
    assert seen.errors[1].error.status_code == 408 and not seen.errors[1].recoverable
    await detector.aclose()


async def test_websocket_drop_is_retried_with_a_new_session(lk: FakeLiveKitGateway) -> None:
    lk.drop_after_frames = {0: 1}
    lk.bargein_at_request = 2
    detector = AdaptiveInterruptionDetector(base_url=lk.base_url, use_proxy=True,
                                            conn_options=FAST)
    seen = Recorder(detector)
    stream = detector.stream()
    stream.push_frame(AgentSpeechStarted())
    stream.push_frame(OverlapSpeechStarted(speech_duration=0.1))
    for _ in range(40):
        stream.push_frame(FRAME)
        await asyncio.sleep(0.01)
        if seen.events:
            break
    await until(lambda: seen.events)
    assert seen.errors and seen.errors[0].recoverable
    sessions = lk.of("/bargein")
    assert len(sessions) == 2 and sessions[1].messages[0]["type"] == "session.create"
    assert seen.events[0].is_interruption
    detector.update_options(threshold=0.7)  # applied by reconnecting
    await until(lambda: sessions[1].closed)
    await detector.aclose()
