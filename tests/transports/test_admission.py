"""Admission control: the limit it keeps from measured cost and latency, and the clear answer a
refused call gets on each transport (close 1013 on /ws, HTTP 503 on /offer, a spoken busy
message then hang-up on /twilio), with the capacity published on /healthz."""

from __future__ import annotations

import asyncio

import aiohttp
import numpy as np
import pytest
from tests.transports.fake_agent import CONTEXTS, SESSIONS, entrypoint
from tests.transports.twilio_client import call
from tests.transports.ws_client import connect, wait_for

from vocalis.job import AdmissionConfig, RoomOptions, WebSocketConfig
from vocalis.testing import FakeTTS
from vocalis.transports.admission import (
    MIN_OBSERVED,
    RECOVER_EVERY,
    AdmissionController,
    BusyMessage,
)
from vocalis.transports.server import build_server

# ---- the controller, on fake measurements --------------------------------------------------


class Machine:
    """Fake measurements: a clock, the process CPU, the model queue wait, the calls."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cpu = 0.0
        self.wait = 0.0
        self.calls = 0
        self.loading = False

    def controller(self, config: AdmissionConfig | None = None, max_sessions: int = 100,
                   ) -> AdmissionController:
        return AdmissionController(
            config or AdmissionConfig(), max_sessions=max_sessions, cores=2,
            active_calls=lambda: self.calls, clock=lambda: self.now,
            cpu_seconds=lambda: self.cpu, queue_wait=lambda: self.wait,
            loading=lambda: self.loading,
        )

    def run(self, ctl: AdmissionController, seconds: float, cores_used: float,
            lag: float = 0.0) -> None:
        """Let ``seconds`` pass, sampling every 0.25 s, with the process using ``cores_used``."""
        for _ in range(round(seconds / 0.25)):
            self.now += 0.25
            self.cpu += 0.25 * cores_used
            ctl.observe(loop_lag=lag)


def test_the_limit_comes_from_the_measured_cpu_per_call():
    m = Machine()
    ctl = m.controller()
    m.calls = 4
    m.run(ctl, MIN_OBSERVED / 2, cores_used=0.4)
    assert ctl.estimate is None  # not enough seen yet: no estimate from a few samples
    m.run(ctl, 120.0, cores_used=0.4)  # 0.1 core per call
    assert ctl.cost_per_call == pytest.approx(0.1, rel=0.05)
    assert ctl.estimate == 14  # 2 cores * 0.7 / 0.1
    assert ctl.limit == 14
    m.calls = 13
    assert ctl.refusal() is None
    m.calls = 14
    assert "capacity" in (ctl.refusal() or "")
    snapshot = ctl.snapshot()
    assert snapshot["mode"] == "measured" and snapshot["limit"] == 14
    assert snapshot["accepting"] is False and snapshot["calls"] == 14
    assert snapshot["cpu_per_call"] == pytest.approx(0.1, abs=0.01)


def test_calls_losing_latency_close_the_door_and_it_reopens_slowly():
    m = Machine()
    ctl = m.controller()
    m.calls = 6
    m.run(ctl, 1.0, cores_used=1.0)
    assert ctl.refusal() is None
    m.wait = 0.5  # finals now wait 0.5 s for the model: over the 0.3 s budget
    m.run(ctl, 0.25, cores_used=2.0)
    assert ctl.overloaded
    assert "losing latency" in (ctl.refusal() or "")
    assert ctl.limit == 5  # one below the calls in progress
    m.wait = 0.0
    m.calls = 4
    m.run(ctl, 0.25, cores_used=1.0)
    assert ctl.refusal() is None and ctl.limit == 5
    m.calls = 5
    assert ctl.refusal() is not None
    m.run(ctl, RECOVER_EVERY, cores_used=1.0)
    assert ctl.limit == 6  # one more call after RECOVER_EVERY seconds of health
    assert ctl.refusal() is None


def test_a_lagging_event_loop_counts_as_overload_but_an_idle_server_always_admits():
    m = Machine()
    ctl = m.controller()
    m.run(ctl, 0.25, cores_used=0.0, lag=0.5)
    assert not ctl.overloaded and ctl.refusal() is None  # no calls: nobody to protect
    m.calls = 2
    m.run(ctl, 0.25, cores_used=1.5, lag=0.4)
    assert not ctl.overloaded  # one late timer is not an overload
    m.run(ctl, 2.0, cores_used=1.5, lag=0.4)
    assert ctl.overloaded and ctl.refusal() is not None
    assert ctl.snapshot()["loop_lag_ms"] == pytest.approx(400.0, rel=0.25)


def test_a_cold_start_is_not_read_as_overload():
    """The first call loads the models: the lag and waits that causes close no door."""
    m = Machine()
    ctl = m.controller()
    m.calls, m.loading, m.wait = 1, True, 2.0
    m.run(ctl, 5.0, cores_used=2.0, lag=0.5)
    assert not ctl.overloaded and ctl.refusal() is None and ctl.limit == 100
    assert ctl.cost_per_call is None  # the load's CPU is not a call's cost
    m.loading = False
    m.run(ctl, 2.0, cores_used=2.0, lag=0.5)
    assert ctl.overloaded and ctl.refusal() is not None


def test_fixed_and_disabled_modes():
    m = Machine()
    fixed = m.controller(AdmissionConfig(max_calls=3))
    m.calls = 3
    assert fixed.limit == 3 and "capacity" in (fixed.refusal() or "")
    off = m.controller(AdmissionConfig(enabled=False), max_sessions=50)
    m.wait = 5.0
    m.run(off, 0.25, cores_used=2.0)
    assert off.limit == 50 and off.refusal() is None
    assert off.snapshot()["mode"] == "off"
    with pytest.raises(ValueError):
        AdmissionConfig(max_calls=0)
    with pytest.raises(ValueError):
        AdmissionConfig(target_cpu=1.5)


async def test_the_busy_message_is_synthesized_once_per_rate():
    voice = FakeTTS(sample_rate=24000)
    busy = BusyMessage("All lines are busy.", voice)
    first = await busy.pcm(8000)
    assert first and await busy.pcm(8000) is first
    assert voice.texts == ["All lines are busy."]
    assert len(first) == pytest.approx(len("All lines are busy.") * 0.06 * 8000 * 2, rel=0.1)
    assert await BusyMessage("x", None).pcm(8000) is None


# ---- each transport's answer ---------------------------------------------------------------


async def start_server(mode: str, **admission: object):
    SESSIONS.clear()
    CONTEXTS.clear()
    options = RoomOptions(transport_mode=mode, websocket=WebSocketConfig(port=0),
                          admission=AdmissionConfig(**admission))  # type: ignore[arg-type]
    server = build_server(entrypoint, room_options=options)
    await server.start()
    return server


async def health(server) -> dict:
    async with aiohttp.ClientSession() as http, http.get(server.url("/healthz")) as resp:
        return await resp.json()


async def test_websocket_beyond_capacity_is_closed_with_1013_and_healthz_says_so():
    server = await start_server("websocket", max_calls=1)
    try:
        assert (await health(server))["capacity"]["accepting"] is True
        async with connect(server.url("/ws", "ws")) as (_, first):
            assert await wait_for(lambda: first.of_type("ready"), 3.0)
            capacity = (await health(server))["capacity"]
            assert (capacity["calls"], capacity["limit"], capacity["accepting"]) == (1, 1, False)
            async with connect(server.url("/ws", "ws")) as (_, second):
                await asyncio.wait_for(second.closed.wait(), 3.0)
                assert second.close_code == 1013
                assert "capacity" in second.close_reason and "limit is 1" in second.close_reason
                assert not second.of_type("ready")
            assert not first.closed.is_set()
        assert len(SESSIONS) == 1  # the refused connection never ran a job
    finally:
        await server.aclose()


async def test_twilio_beyond_capacity_hears_the_busy_message_then_hangs_up():
    voice = FakeTTS(sample_rate=24000)
    server = await start_server("telephony", max_calls=1, busy_voice=voice,
                                busy_message="All lines are busy.")
    try:
        async with call(server.url("/twilio", "ws")) as first:
            await first.start()
            assert await wait_for(lambda: SESSIONS, 3.0)
            for _ in range(2):  # two refused callers: one synthesis
                async with call(server.url("/twilio", "ws")) as refused:
                    await refused.start()
                    await asyncio.wait_for(refused.closed.wait(), 5.0)
                    audio = np.frombuffer(refused.audio(), dtype="<i2")
                    assert len(audio) == pytest.approx(len("All lines are busy.") * 0.06 * 8000,
                                                       rel=0.1)
                    assert np.abs(audio).max() > 1000  # speech, not silence
                    marks = refused.events("mark")
                    assert marks and marks[-1]["mark"]["name"] == "busy-message"
                    assert refused.messages.index(marks[-1]) == len(refused.messages) - 1
                    assert refused.close_code == 1013 and "capacity" in refused.close_reason
            assert voice.texts == ["All lines are busy."]
            assert len(SESSIONS) == 1
            assert not first.closed.is_set()
    finally:
        await server.aclose()


async def test_twilio_without_a_voice_hangs_up_at_once():
    server = await start_server("telephony", max_calls=1)
    try:
        async with call(server.url("/twilio", "ws")) as first:
            await first.start()
            assert await wait_for(lambda: SESSIONS, 3.0)
            async with call(server.url("/twilio", "ws")) as refused:
                await refused.start()
                await asyncio.wait_for(refused.closed.wait(), 3.0)
                assert refused.events("media") == []
                assert refused.close_code == 1013
    finally:
        await server.aclose()


async def test_offer_beyond_capacity_gets_503_with_the_reason_and_retry_after():
    pytest.importorskip("aiortc")
    from vocalis.transports.webrtc import add_webrtc_routes

    SESSIONS.clear()
    options = RoomOptions(transport_mode="webrtc", websocket=WebSocketConfig(port=0),
                          admission=AdmissionConfig(max_calls=1, retry_after=12))
    server = build_server(entrypoint, room_options=options, routes=[add_webrtc_routes])
    await server.start()
    try:
        async with connect(server.url("/ws", "ws")) as (_, first):  # one call in progress
            assert await wait_for(lambda: first.of_type("ready"), 3.0)
            async with aiohttp.ClientSession() as http, http.post(
                server.url("/offer"), json={"sdp": "v=0\r\n", "type": "offer"}
            ) as resp:
                assert resp.status == 503
                assert resp.headers["Retry-After"] == "12"
                assert "capacity" in (await resp.json())["error"]
    finally:
        await server.aclose()
