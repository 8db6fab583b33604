"""``vocalis start`` in its own process: SIGTERM drains (the load balancer sees 503, new calls
are turned away, the running call goes on to its end, then the process exits); a second
signal stops at once, ending the running call with "going away"."""

from __future__ import annotations

import signal

import aiohttp
import pytest
from tests.transports.ws_client import connect, speak, wait_for
from tests.worker.helpers import StartedProcess, get_json, wait_until

pytestmark = pytest.mark.slow

POOL = ["--processes", "1", "--idle", "1", "--jobs-per-process", "4", "--load-threshold", "1",
        "--close-timeout", "20"]


async def test_sigterm_drains_then_a_second_signal_stops_now() -> None:
    server = StartedProcess(POOL)
    try:
        await server.ready()
        status, health = await get_json(server.health_url())
        assert status == 200 and health["status"] == "ok"
        async with connect(server.ws_url("say=hello@0.2|after%20the%20signal@2.0")) as (ws, got):
            assert await wait_for(lambda: got.of_type("ready"), 10)
            server.signal(signal.SIGTERM)
            assert await wait_until(
                lambda: _health_is(server, 503), 5), "the health check did not turn 503"
            assert await _turned_away(server.ws_url("say=")) == (1001, "server_shutdown")
            await speak(ws, "hello@0.2|after the signal@2.0", 4.0)
            assert await wait_for(lambda: len(got.transcripts("agent")) == 2, 5)
            assert got.transcripts("agent")[1] == "You said: after the signal."
            assert not got.closed.is_set()
        assert await server.wait(15) == 0
        assert "stopped" in "".join(server.output)

        server = StartedProcess(POOL)
        await server.ready()
        async with connect(server.ws_url("say=")) as (_, got):
            assert await wait_for(lambda: got.of_type("ready"), 10)
            server.signal(signal.SIGTERM)
            await wait_until(lambda: _health_is(server, 503), 5)
            server.signal(signal.SIGINT)
            assert await wait_for(lambda: got.closed.is_set(), 10)
            assert got.close_code == 1001 and got.close_reason == "server_shutdown"
        assert await server.wait(10) == 0
    finally:
        server.kill()


async def _turned_away(url: str) -> tuple[int, str]:
    """The close frame a new call gets (read without the client's automatic reply)."""
    async with aiohttp.ClientSession() as http, http.ws_connect(url, autoclose=False) as ws:
        message = await ws.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.CLOSE
        return message.data, message.extra


async def _health_is(server: StartedProcess, code: int) -> bool:
    try:
        status, _ = await get_json(server.health_url())
    except OSError:
        return False
    return status == code
