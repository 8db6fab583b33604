"""Calls that end with a TCP reset leave nothing behind: no session, room or task survives."""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import weakref

import pytest
from tests.transports.fake_agent import CONTEXTS, SESSIONS, entrypoint
from tests.transports.twilio_client import STREAM_SID
from tests.transports.ws_client import wait_for

from vocalis.job import RoomOptions, WebSocketConfig
from vocalis.testing.raw_websocket import BINARY, TEXT, open_websocket, reset, send_frame
from vocalis.transports.server import build_server


@pytest.mark.parametrize("path", ["/twilio", "/ws"])
async def test_reset_calls_are_fully_released(path):
    SESSIONS.clear()
    options = RoomOptions(transport_mode="websocket", websocket=WebSocketConfig(port=0))
    server = build_server(entrypoint, room_options=options)
    await server.start()
    rooms: list[weakref.ref] = []
    try:
        for _ in range(5):
            _, writer = await open_websocket(server.port, path)
            if path == "/twilio":
                start = {"event": "start", "start": {"streamSid": STREAM_SID, "callSid": "CA1"}}
                send_frame(writer, TEXT, json.dumps(start).encode())
                media = {"event": "media", "media": {"payload": base64.b64encode(b"\xff" * 160)
                                                     .decode()}}
                frame = (TEXT, json.dumps(media).encode())
            else:
                frame = (BINARY, bytes(640))
            for _ in range(10):
                send_frame(writer, *frame)
                await asyncio.sleep(0.02)
            assert await wait_for(lambda: server.rooms, 2.0)
            rooms.extend(weakref.ref(room) for room in server.rooms)
            reset(writer)
            assert await wait_for(lambda: not server.rooms, 3.0)
        assert await wait_for(lambda: all(s._closed for s in SESSIONS), 3.0)
        sessions = [weakref.ref(s) for s in SESSIONS]
        SESSIONS.clear()
        CONTEXTS.clear()  # the test agent's own records
        gc.collect()
        assert len(rooms) == 5 and all(r() is None for r in rooms + sessions)
        assert server.active_sessions == 0 and server.slots.active == 0
    finally:
        await server.aclose()
