"""``vocalis start`` records its calls and shows them: the call runs in a pooled worker
process, which writes it to the call history (SQLite here) and exports its trace (``--otlp``,
to a real OTLP/HTTP receiver), and the front's ``/dashboard`` (behind the access token) lists
it live while it runs and from the database afterwards. A call still running when the server
drains is recorded too."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest
from tests.telemetry.otlp_receiver import OTLPReceiver
from tests.transports.ws_client import connect, speak, wait_for
from tests.worker.helpers import StartedProcess, get_json, wait_until

from vocalis.storage import CallStore, StorageConfig

pytestmark = pytest.mark.slow

TOKEN = "start-history-token"
POOL = ["--processes", "1", "--idle", "1", "--jobs-per-process", "4", "--load-threshold", "1",
        "--close-timeout", "1", "--token", TOKEN]


async def test_calls_on_worker_processes_reach_the_history_and_the_front_dashboard(
    tmp_path: Path,
) -> None:
    database = tmp_path / "calls.db"
    receiver = OTLPReceiver().start()
    server = StartedProcess([*POOL, "--database-url", str(database), "--otlp", receiver.url])
    api = f"http://127.0.0.1:{server.port}/dashboard/api"
    auth = f"token={TOKEN}"
    try:
        await server.ready()
        banner = "".join(server.output)
        assert "/dashboard?token=TOKEN" in banner and str(database) in banner
        async with aiohttp.ClientSession() as http, http.get(f"{api}/live") as response:
            assert response.status == 401
        async with connect(server.ws_url(f"say=hello%20there&{auth}")) as (ws, got):
            await speak(ws, "hello there", 2.0)
            assert await wait_for(lambda: _said_and_done(got), 5)
            status, live = await get_json(f"{api}/live?{auth}")
            assert status == 200 and live["history"]["healthy"]
            [call] = live["calls"]
            assert call["agent_state"] == "running" and call["transport"] == "websocket"
            call_id = call["id"]

        async def recorded() -> bool:
            status, page = await get_json(f"{api}/calls?{auth}")
            ended = [c["id"] for c in page["calls"] if c["end_reason"]]
            return status == 200 and ended == [call_id]

        assert await wait_until(recorded, 10), "the call's end never reached the history"
        _, live = await get_json(f"{api}/live?{auth}")
        assert live["calls"] == []
        status, record = await get_json(f"{api}/calls/{call_id}?{auth}")
        assert status == 200 and record["end_reason"] == "client_disconnected"
        said = [(line["role"], line["text"]) for line in record["transcript"]]
        assert said == [("user", "hello there"), ("agent", "You said: hello there.")]

        # A call whose process crashes cannot record its end: the worker records it.
        async with connect(server.ws_url(f"say=hi&fail=abort&{auth}")) as (ws, got):
            assert await wait_for(lambda: got.closed.is_set(), 10)

        async def crash_recorded() -> bool:
            _, page = await get_json(f"{api}/calls?{auth}")
            return any((c["end_reason"] or "").startswith("worker_failed") for c in page["calls"])

        assert await wait_until(crash_recorded, 10), "the crashed call is not in the history"
        _, page = await get_json(f"{api}/calls?{auth}")
        crashed = next(c["id"] for c in page["calls"] if c["id"] != call_id)

        # A call still running when the server drains ends with it, and is recorded.
        async with connect(server.ws_url(f"say=hi&{auth}")) as (ws, got):
            assert await wait_for(lambda: got.of_type("ready"), 10)
            _, live = await get_json(f"{api}/live?{auth}")
            [running] = live["calls"]
            server.signal(signal.SIGTERM)
            assert await wait_for(lambda: got.closed.is_set(), 10)
        assert await server.wait(15) == 0
        traces = {span.trace_id for span in receiver.spans()}
    finally:
        server.kill()
        receiver.stop()
    store = CallStore.from_url(StorageConfig(url=str(database)).url)
    try:
        calls = {c["id"]: c for c in await store.list_calls(limit=10)}
    finally:
        await store.aclose()
    assert set(calls) == {call_id, crashed, running["id"]}
    assert calls[crashed]["status"] == "ended" and calls[crashed]["ended_at"] is not None
    assert calls[running["id"]]["end_reason"] == "server_shutdown"
    assert calls[running["id"]]["ended_at"] is not None
    assert record["trace_id"] and calls[running["id"]]["trace_id"]
    assert {record["trace_id"], calls[running["id"]]["trace_id"]} <= traces


def _said_and_done(got) -> bool:
    """The agent answered and stopped speaking (its whole answer is in the history then)."""
    states = [m["state"] for m in got.of_type("agent_state")]
    return bool(got.transcripts("agent")) and "speaking" in states and states[-1] != "speaking"


async def test_a_front_shows_the_calls_its_workers_on_other_machines_record(
    redis_url: str, tmp_path: Path,
) -> None:
    history = ["--database-url", str(tmp_path / "calls.db"), "--agent-id", "echo"]
    env = {"REDIS_URL": redis_url}
    worker = StartedProcess(["--role", "worker", "--processes", "1", "--idle", "1", *history],
                            env=env)
    front = StartedProcess(["--role", "front", *history], env=env)
    api = f"http://127.0.0.1:{front.port}/dashboard/api"
    try:
        await asyncio.gather(worker.ready(), front.ready())
        assert "dashboard:" in "".join(front.output)
        assert "dashboard:" not in "".join(worker.output)
        async with connect(front.ws_url("say=hello%20there")) as (ws, got):
            await speak(ws, "hello there", 2.0)
            assert await wait_for(lambda: _said_and_done(got), 5)
            _, live = await get_json(f"{api}/live")
            [call] = live["calls"]
            _, stats = await get_json(worker.health_url("/stats"))
            assert call["worker_id"] == stats["worker"]["worker_id"]

        async def recorded() -> bool:
            _, page = await get_json(f"{api}/calls")
            return [c["id"] for c in page["calls"] if c["end_reason"]] == [call["id"]]

        assert await wait_until(recorded, 10), "the worker's call never reached the front"
        _, record = await get_json(f"{api}/calls/{call['id']}")
        assert [line["text"] for line in record["transcript"]] == [
            "hello there", "You said: hello there."]
    finally:
        front.kill()
        worker.kill()
