"""Raw TCP clients that never finish a request are cut off, and one address cannot hold more
than ``max_connections_per_ip`` connections; everyone else is still served."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from tests.transports.fake_agent import start_fake_agent_server

from vocalis.testing.raw_websocket import closed_by_server


@pytest.fixture
async def server():
    srv = await start_fake_agent_server(handshake_timeout_seconds=0.5, max_connections_per_ip=8)
    yield srv
    await srv.aclose()


async def healthy(server) -> bool:
    async with aiohttp.ClientSession() as http, http.get(server.url("/healthz")) as response:
        return response.status == 200


async def test_idle_and_slowloris_connections_are_closed_after_the_handshake_timeout(server):
    idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(3)]
    slow = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(3)]

    async def trickle(writer: asyncio.StreamWriter) -> None:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        for _ in range(30):
            await asyncio.sleep(0.1)
            if writer.is_closing():
                return
            writer.write(b"X-Slow: 1\r\n")

    trickling = [asyncio.ensure_future(trickle(w)) for _, w in slow]
    results = await asyncio.gather(*(closed_by_server(r, 2.0) for r, _ in idle + slow))
    for task in trickling:
        task.cancel()
    assert all(results)
    assert await healthy(server)


async def test_a_prompt_request_is_served_and_its_connection_kept_alive(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    for _ in range(2):  # the second request rides the same connection
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2.0)
        assert head.startswith(b"HTTP/1.1 200")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        await asyncio.wait_for(reader.readexactly(length), 2.0)
        await asyncio.sleep(0.3)
    writer.close()


async def test_connections_beyond_the_per_address_limit_get_503(server):
    held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(8)]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    refused = await asyncio.wait_for(reader.read(), 2.0)
    assert refused.startswith(b"HTTP/1.1 503") and b"too many connections" in refused
    writer.close()
    for _, w in held:
        w.close()
    await asyncio.sleep(0.05)
    assert await healthy(server)


async def test_a_websocket_outlives_the_handshake_timeout(server):
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url("/ws", "ws")) as ws:
        await asyncio.sleep(0.8)
        assert not ws.closed
        await ws.send_json({"type": "interrupt"})
        await asyncio.sleep(0.1)
        assert not ws.closed
