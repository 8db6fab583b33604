"""A front and its workers in one process (pooled threads, so no process start-up): calls
reach the agent through the link and back, end cleanly, and the health server tells a load
balancer and an operator what is going on."""

from __future__ import annotations

import contextlib
import json

import aiohttp
import pytest
from tests.transports.ws_client import connect, speak, wait_for
from tests.worker.helpers import AGENT_FILE, get_json, wait_until

from vocalis.job import RoomOptions, WebSocketConfig
from vocalis.worker import Deployment, ExecutorType, WorkerOptions

pytestmark = pytest.mark.slow


@contextlib.asynccontextmanager
async def deployment(transport: str = "websocket", **overrides):
    options = dict(agent_file=AGENT_FILE, executor_type=ExecutorType.THREAD,
                   num_idle_processes=1, max_processes=2, jobs_per_process=2, host="127.0.0.1",
                   port=0, redis_url=None, log_level="WARNING")
    options.update(overrides)
    room = RoomOptions(transport_mode=transport, websocket=WebSocketConfig(port=0))
    dep = Deployment(WorkerOptions(**options), room)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.aclose()


def ws_url(dep: Deployment, query: str) -> str:
    return dep.front.url("/ws", "ws") + "?" + query


async def test_a_call_runs_on_a_worker_and_ends_when_the_client_leaves() -> None:
    async with deployment() as dep:
        async with connect(ws_url(dep, "say=hello%20there")) as (ws, got):
            await speak(ws, "hello there", 2.0)
            assert await wait_for(lambda: got.transcripts("agent"), 5)
            assert got.transcripts("user") == ["hello there"]
            assert got.transcripts("agent") == ["You said: hello there."]
            assert got.of_type("ready") and len(got.audio) > 24000
            stats = dep.health.snapshot()
            assert stats["worker"]["current_jobs"] == 1
            [call] = stats["front"]["calls"]
            assert call["state"] == "linked" and call["worker_id"] == dep.worker.worker_id
            link = stats["worker"]["resource_info"][0]["metadata"]["report"]["link"]
            assert link["hop_in"]["count"] > 50
            assert stats["front"]["link"]["hop_out"]["count"] > 10
        assert await wait_until(lambda: dep.worker.completed_jobs == 1, 5)
        assert not dep.worker.jobs and not dep.front.bridge.calls
        assert dep.front.bridge.ended == {"client_disconnected": 1}


async def test_typed_text_and_interruptions_reach_the_agent() -> None:
    async with deployment() as dep, connect(ws_url(dep, "say=")) as (ws, got):
        assert await wait_for(lambda: got.of_type("ready"), 5)
        await ws.send_str(json.dumps({"type": "text", "text": "book a table"}))
        assert await wait_for(lambda: got.transcripts("agent"), 5)
        assert got.transcripts("agent") == ["You said: book a table."]
        await ws.send_str(json.dumps({"type": "interrupt"}))
        await ws.send_str(json.dumps({"type": "dtmf", "digit": "5"}))
        await ws.send_str(json.dumps({"type": "text", "text": "again"}))
        assert await wait_for(lambda: len(got.transcripts("agent")) == 2, 5)


async def test_a_full_worker_refuses_calls_with_try_later() -> None:
    async with deployment(max_processes=1, jobs_per_process=1, num_idle_processes=1) as dep:
        async with connect(ws_url(dep, "say=")) as (_, first):
            assert await wait_for(lambda: first.of_type("ready"), 5)
            async with connect(ws_url(dep, "say=")) as (_, second):
                assert await wait_for(lambda: second.closed.is_set(), 5)
                assert second.close_code == 1013
                assert not first.closed.is_set()
        assert dep.front.bridge.refused == 1


async def test_health_stats_and_debug_pages() -> None:
    async with deployment() as dep, connect(ws_url(dep, "say=")) as (_, got):
        assert await wait_for(lambda: got.of_type("ready"), 5)
        room_id = got.of_type("ready")[0]["room_id"]
        status, health = await get_json(dep.health.url("/health"))
        assert status == 200 and health["status"] == "ok" and health["jobs"] == 1
        status, stats = await get_json(dep.health.url("/stats"))
        assert status == 200 and stats["front"]["calls"][0]["room_id"] == room_id
        assert stats["worker"]["resource_summary"]["total_resources"] >= 1
        assert stats["process"]["rss_mb"] > 0
        async with aiohttp.ClientSession() as http, http.get(dep.health.url("/debug")) as page:
            assert page.status == 200 and room_id in await page.text()
        dep.front.drain()
        dep.worker.stop_taking_calls()
        status, health = await get_json(dep.health.url("/health"))
        assert status == 503 and health["status"] == "draining"


async def test_stats_and_debug_need_the_token_when_one_is_set() -> None:
    async with deployment(access_token="s3cret") as dep, aiohttp.ClientSession() as http:
        async with http.get(dep.health.url("/stats")) as response:
            assert response.status == 401
        async with http.get(dep.health.url("/debug?token=s3cret")) as response:
            assert response.status == 200
        async with http.get(dep.health.url("/health")) as response:
            assert response.status == 200


async def test_a_call_the_worker_ends_closes_with_its_reason() -> None:
    async with deployment(job_timeout=1.0) as dep, connect(ws_url(dep, "say=")) as (_, got):
        assert await wait_for(lambda: got.closed.is_set(), 10)
        assert got.close_code == 1000 and got.close_reason == "job timed out"


async def test_a_browser_call_over_webrtc_runs_on_a_worker() -> None:
    from tests.transports.webrtc.peer import BrowserPeer

    async with deployment("webrtc") as dep:
        peer = BrowserPeer(dep.front.url("").rstrip("/"), tone=False)
        await peer.connect()
        try:
            await peer.wait_for(lambda e: e["type"] == "ready", timeout=10)
            await peer.channel_open.wait()
            peer.send_text("good evening")
            reply = await peer.wait_for(lambda e: e["type"] == "agent_text", timeout=10)
            assert reply["text"] == "You said: good evening."
            assert await wait_until(lambda: max(peer.audio_levels, default=0) > 1000, 10)
            assert dep.worker.jobs and dep.front.bridge.calls
        finally:
            await peer.close()
        assert await wait_until(lambda: not dep.worker.jobs, 15)
