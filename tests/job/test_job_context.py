"""JobContext, RoomOptions and WorkerJob: the current context, lifetime, shutdown."""

from __future__ import annotations

import asyncio

import pytest

from vocalis.job import (
    JobContext,
    RoomOptions,
    TransportMode,
    WebRTCConfig,
    WorkerJob,
    get_current_job_context,
    run_job,
)
from vocalis.job.options import DEFAULT_ICE_SERVERS
from vocalis.transports.base import RoomConnection
from vocalis.utils.clock import run_virtual


class FakeRoom(RoomConnection):
    transport = "fake"

    def __init__(self, join: bool = True) -> None:
        super().__init__()
        self.join = join
        self.attached: list = []

    async def connect(self) -> None:
        if self.join:
            self._mark_joined("user-1")

    def _on_session_attached(self, session) -> None:
        self.attached.append(session)


def test_room_options_defaults_follow_the_reference():
    options = RoomOptions()
    assert options.transport_mode is TransportMode.WEBRTC
    assert options.websocket.port == 8080 and options.websocket.path == "/ws"
    assert options.webrtc.ice_servers == DEFAULT_ICE_SERVERS
    assert options.auto_end_session is True
    assert options.session_timeout_seconds == 5
    assert options.no_participant_timeout_seconds == 90
    assert options.host == "127.0.0.1" and options.max_message_bytes == 1 << 20
    assert RoomOptions(transport_mode="WebSocket").transport_mode is TransportMode.WEBSOCKET
    assert RoomOptions(transport_mode="videosdk").transport_mode is TransportMode.WEBRTC
    assert WebRTCConfig(ice_servers=[]).ice_servers == []


def test_room_options_reject_what_the_reference_silently_ignored():
    with pytest.raises(ValueError, match="transport_mode"):
        RoomOptions(transport_mode="carrier-pigeon")
    with pytest.raises(TypeError):
        RoomOptions(no_such_option=1)
    with pytest.raises(ValueError, match="access_token"):
        RoomOptions(host="192.168.1.10")
    with pytest.raises(ValueError):
        RoomOptions(session_timeout_seconds=-1)


async def test_entrypoint_sees_its_own_context_and_shutdown_runs_callbacks():
    seen: list = []
    calls: list[str] = []

    async def entrypoint(ctx: JobContext) -> None:
        seen.append(get_current_job_context())
        ctx.add_shutdown_callback(lambda: calls.append("sync"))

        async def async_cb() -> None:
            calls.append("async")

        ctx.add_shutdown_callback(async_cb)
        await asyncio.sleep(0.01)
        ctx.shutdown("done")

    contexts = [JobContext(room_options=RoomOptions(), room=FakeRoom()) for _ in range(3)]
    await asyncio.gather(*(run_job(entrypoint, c) for c in contexts))
    assert seen == contexts
    assert get_current_job_context() is None
    assert sorted(calls) == ["async"] * 3 + ["sync"] * 3
    assert all(c.room.closed.is_set() and c.room.close_reason == "done" for c in contexts)


async def test_failing_entrypoint_closes_its_connection():
    async def entrypoint(ctx: JobContext) -> None:
        raise RuntimeError("boom")

    ctx = JobContext(room_options=RoomOptions(), room=FakeRoom())
    await run_job(entrypoint, ctx)
    assert ctx.room.closed.is_set() and ctx.room.close_reason == "error"


async def test_run_until_shutdown_blocks_until_the_connection_closes():
    class Session:
        started = closed = False

        async def start(self) -> None:
            self.started = True

        async def close(self) -> None:
            self.closed = True

    room = FakeRoom()
    ctx = JobContext(room_options=RoomOptions(), room=room)
    session = Session()
    task = asyncio.ensure_future(ctx.run_until_shutdown(session, wait_for_participant=True))
    await asyncio.sleep(0.05)
    assert session.started and not task.done()
    await room.aclose("client_disconnected")
    await asyncio.wait_for(task, 2.0)
    assert session.closed


def test_no_participant_timeout_ends_the_job():
    async def main() -> str:
        options = RoomOptions(no_participant_timeout_seconds=30)
        ctx = JobContext(room_options=options, room=FakeRoom(join=False))

        async def entrypoint(ctx: JobContext) -> None:
            pass

        start = asyncio.get_running_loop().time()
        await run_job(entrypoint, ctx)
        assert asyncio.get_running_loop().time() - start == pytest.approx(30, abs=0.1)
        return ctx.shutdown_reason

    assert run_virtual(main()) == "no_participant"


def test_session_timeout_after_the_participant_left():
    async def main() -> float:
        room = FakeRoom()
        ctx = JobContext(room_options=RoomOptions(session_timeout_seconds=5), room=room)
        loop = asyncio.get_running_loop()

        async def entrypoint(ctx: JobContext) -> None:
            await asyncio.sleep(1.0)
            room._mark_left()

        start = loop.time()
        await run_job(entrypoint, ctx)
        assert ctx.shutdown_reason == "participant_left"
        return loop.time() - start

    assert run_virtual(main()) == pytest.approx(6.0, abs=0.1)


def test_worker_job_checks_the_entrypoint_and_registry_mode(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)

    def not_async(ctx):
        return None

    with pytest.raises(TypeError, match="coroutine function"):
        WorkerJob(not_async)

    async def entrypoint(ctx):
        return None

    from vocalis.job import Options

    with pytest.raises(ValueError, match="Redis registry: set REDIS_URL"):
        WorkerJob(entrypoint, options=Options(register=True))


def test_worker_job_runs_a_console_text_job_in_process(monkeypatch):
    import io

    from vocalis.transports.console import ConsoleTextRoom

    async def lines():
        yield "hi\n"

    ran: list[JobContext] = []

    async def entrypoint(ctx: JobContext) -> None:
        ran.append(ctx)
        ctx.shutdown("done")

    def make() -> JobContext:
        return JobContext(room_options=RoomOptions(transport_mode="console"),
                          room=ConsoleTextRoom(lines=lines(), out=io.StringIO()))

    monkeypatch.setattr("sys.argv", ["agent.py"])
    WorkerJob(entrypoint, jobctx=make).start()
    assert len(ran) == 1 and ran[0].room.closed.is_set()


async def test_session_start_run_until_shutdown_attaches_and_closes_with_the_connection():
    from tests.transports.fake_agent import build_session

    room = FakeRoom()
    sessions = []

    async def entrypoint(ctx: JobContext) -> None:
        session = build_session(ctx)
        sessions.append(session)
        await session.start(wait_for_participant=True, run_until_shutdown=True)

    ctx = JobContext(room_options=RoomOptions(), room=room)
    job = asyncio.ensure_future(run_job(entrypoint, ctx))
    await asyncio.sleep(0.1)
    assert room.attached == sessions and not job.done()
    await room.aclose("client_disconnected")
    await asyncio.wait_for(job, 3.0)
    assert sessions[0]._closed
