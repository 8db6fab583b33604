"""``/v1/bargein`` served by the local interruption model: LiveKit's detector client over HTTP
and WebSocket hears Piper's "wait, stop" as an interruption and "mm-hmm" as a backchannel; the
answers are the local model's own, on the reference's scale; bad input and a full gateway get
the protocol's errors."""

from __future__ import annotations

import asyncio
import json
import struct

import aiohttp
import numpy as np
import pytest
from tests.gateway.conftest import TOKEN, piper_16k
from tests.inference.conftest import until
from tests.plugins.conftest import require

from vocalis.gateway import GatewayConfig, GatewayServer
from vocalis.gateway.bargein import calibrated
from vocalis.inference import AdaptiveInterruptionDetector
from vocalis.interruption import (
    AgentSpeechStarted,
    OverlappingSpeechEvent,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
)
from vocalis.plugins.interruption import LocalInterruptionBackend, interruption_service

require("piper", "soxr")

LEAD = 0.3  # silence heard before the overlap's onset


@pytest.fixture(scope="module")
def speech() -> dict[str, np.ndarray]:
    texts = {"interruption": "Wait, stop, I have a different question.", "backchannel": "Mm-hmm."}
    return {k: np.frombuffer(piper_16k(t), "<i2") for k, t in texts.items()}


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LIVEKIT_API_KEY", "any-key")
    monkeypatch.setenv("LIVEKIT_API_SECRET", TOKEN)
    server = GatewayServer(GatewayConfig(port=0, token=TOKEN, max_bargein_sessions=1))
    await server.start()
    try:
        yield server
    finally:
        await server.aclose()


async def overlap(detector: AdaptiveInterruptionDetector, speech: np.ndarray) -> OverlappingSpeechEvent:
    """The agent speaks; the user's speech overlaps it from its onset; the verdict."""
    events: list[OverlappingSpeechEvent] = []
    detector.on("overlapping_speech", events.append)
    stream = detector.stream()
    stream.push_frame(AgentSpeechStarted())
    audio = np.concatenate([np.zeros(int(LEAD * 16000), np.int16), speech,
                            np.zeros(4800, np.int16)])
    for i in range(0, len(audio), 320):
        if i == int(LEAD * 16000):
            stream.push_frame(OverlapSpeechStarted(speech_duration=0.0))
        stream.push_frame(audio[i : i + 320].tobytes())
        await asyncio.sleep(0.005)
        if events:
            break
    stream.push_frame(OverlapSpeechEnded())
    await until(lambda: events, timeout=10)
    await stream.aclose()
    return events[0]


@pytest.mark.parametrize("use_proxy", [False, True], ids=["http", "websocket"])
async def test_the_livekit_detector_hears_an_interruption_and_a_backchannel(
    gateway: GatewayServer, speech: dict[str, np.ndarray], use_proxy: bool
) -> None:
    detector = AdaptiveInterruptionDetector(base_url=gateway.base_url, use_proxy=use_proxy)
    errors: list = []
    detector.on("error", errors.append)
    stop = await overlap(detector, speech["interruption"])
    assert stop.is_interruption and stop.probability >= 0.5
    assert 0 < stop.prediction_duration < 0.7 and stop.num_requests >= 1
    mm = await overlap(detector, speech["backchannel"])
    assert not mm.is_interruption and mm.num_requests >= 2
    assert mm.peak_probability is not None and mm.peak_probability < 0.1
    assert not errors
    await detector.aclose()


async def test_answers_are_the_local_model_on_the_reference_scale(
    gateway: GatewayServer, speech: dict[str, np.ndarray]
) -> None:
    local = LocalInterruptionBackend()
    operating_point = interruption_service().threshold
    assert calibrated(np.array([0.0, 0.05, operating_point, 1.0]), operating_point).tolist() == \
        pytest.approx([0.0, 0.05, 0.5, 1.0])
    url = f"{gateway.base_url}/bargein"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        for kind, audio in speech.items():
            window = np.concatenate([np.zeros(int(LEAD * 16000), np.int16), audio[:8000]])
            params = {"threshold": "0.5", "min_frames": "2", "created_at": "123"}
            async with http.post(url, params=params, data=window.tobytes(),
                                 headers={"Content-Type": "application/octet-stream"}) as r:
                assert r.status == 200
                answer = await r.json()
            expected = calibrated(local.probabilities(window), operating_point)
            assert answer["created_at"] == 123
            assert answer["probabilities"] == pytest.approx(expected.tolist(), abs=1e-3)
            assert answer["is_bargein"] is (kind == "interruption")


async def test_bad_windows_bad_settings_and_a_full_gateway(gateway: GatewayServer) -> None:
    base = f"127.0.0.1:{gateway.port}/v1/bargein"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.post(f"http://{base}") as r:
            assert r.status == 400  # authorized, but no window
        for body, params in ((b"\x01\x02\x03", {}), (bytes(200_000), {}),
                             (bytes(3200), {"threshold": "2"}), (bytes(3200), {"min_frames": "x"})):
            async with http.post(f"http://{base}", data=body, params=params) as r:
                assert r.status == 400, await r.text()
        async with aiohttp.ClientSession() as anonymous, anonymous.post(f"http://{base}") as r:
            assert r.status == 401
        async with http.ws_connect(f"ws://{base}") as ws:
            await ws.send_bytes(bytes(3208))  # audio before session.create: refused
            message = await ws.receive_json()
            assert message["type"] == "error" and message["code"] == 400
        async with http.ws_connect(f"ws://{base}") as ws:
            await ws.send_str(json.dumps({"type": "session.create",
                                          "settings": {"sample_rate": 8000}}))
            assert "16000" in (await ws.receive_json())["message"]
        async with http.ws_connect(f"ws://{base}") as ws:
            await ws.send_str(json.dumps({"type": "session.create", "settings": {}}))
            assert (await ws.receive_json())["type"] == "session.created"
            await ws.send_bytes(b"\x00\x01")  # no 8-byte header
            assert (await ws.receive_json())["code"] == 400
            await ws.send_bytes(struct.pack("<Q", 7) + bytes(3201))  # half a sample
            assert (await ws.receive_json())["code"] == 400
            await ws.send_str("not json")
            assert (await ws.receive_json())["type"] == "error"
            await ws.send_bytes(struct.pack("<Q", 8) + bytes(3200))  # the session goes on
            answer = await ws.receive_json()
            assert answer["type"] == "inference_done" and answer["created_at"] == 8
            # The only barge-in slot is this session: another gets LiveKit's 429.
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"ws://{base}")
            assert refused.value.status == 429
            await ws.send_str(json.dumps({"type": "session.close"}))
            assert (await ws.receive_json())["type"] == "session.closed"
    assert gateway.admission.stats()["bargein"]["refused"] == 1
