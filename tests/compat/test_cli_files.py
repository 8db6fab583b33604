"""Agent files in the reference's shape run with the CLI as they are, and ``python agent.py``
starts the same server as ``vocalis serve``."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap

import aiohttp
import pytest

from vocalis.audio import write_wav
from vocalis.cli import main
from vocalis.cli.loader import AgentFileError, load_agent_file
from vocalis.testing import UserScript

HERE = os.path.dirname(__file__)
CLI_AGENT = os.path.join(HERE, "agents", "cli_agent.py")
SRC = os.path.abspath(os.path.join(HERE, "..", "..", "src"))


def test_the_entrypoint_and_job_context_come_from_the_files_worker_job():
    agent = load_agent_file(CLI_AGENT)
    assert agent.entrypoint.__name__ == "start_session"
    assert agent.jobctx.__name__ == "make_context"


def test_vocalis_run_runs_a_reference_style_file(tmp_path):
    source = tmp_path / "in.wav"
    write_wav(source, UserScript().says("book a table", at=0.5).audio(0, 2.0, 16000), 16000)
    code = main(["run", CLI_AGENT, "--input", str(source), "--output", str(tmp_path / "out.wav"),
                 "--transcript", str(tmp_path / "t.json"), "--virtual-clock"])
    assert code == 0
    turns = json.loads((tmp_path / "t.json").read_text())["turns"]
    assert [t["text"] for t in turns] == ["book a table", "You said: book a table."]


def test_the_only_async_function_taking_a_job_context_is_the_entrypoint(tmp_path):
    one = tmp_path / "one.py"
    one.write_text(textwrap.dedent("""
        from vocalis import JobContext, WorkerJob

        async def helper():
            pass

        async def start(ctx: JobContext):
            pass

        if __name__ == "__main__":
            WorkerJob(entrypoint=start).start()
    """))
    assert load_agent_file(str(one)).entrypoint.__name__ == "start"
    two = tmp_path / "two.py"
    two.write_text("async def a(ctx):\n    pass\n\nasync def b(ctx):\n    pass\n")
    with pytest.raises(AgentFileError, match="WorkerJob"):
        load_agent_file(str(two))


@pytest.mark.slow
async def test_python_agent_py_serves_like_vocalis_serve(tmp_path, unused_tcp_port):
    agent = tmp_path / "agent.py"
    agent.write_text(textwrap.dedent(f"""
        from vocalis import Agent, AgentSession, JobContext, Pipeline, RoomOptions, WorkerJob
        from vocalis import WebSocketConfig
        from vocalis.testing import FakeLLM

        class Echo(Agent):
            def __init__(self):
                super().__init__(instructions="Echo.")

            async def on_enter(self):
                pass

            async def on_exit(self):
                pass

        async def start_session(ctx: JobContext):
            session = AgentSession(agent=Echo(), pipeline=Pipeline(llm=FakeLLM(default="Pong.")))
            await session.start(wait_for_participant=True, run_until_shutdown=True)

        def make_context() -> JobContext:
            return JobContext(room_options=RoomOptions(
                name="Echo", websocket=WebSocketConfig(port={unused_tcp_port})))

        if __name__ == "__main__":
            WorkerJob(entrypoint=start_session, jobctx=make_context).start()
    """))
    env = dict(os.environ, PYTHONPATH=SRC)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(agent), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        printed = []
        while not any(line.startswith("WebSocket:") for line in printed):
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, "".join(printed)
            printed.append(line.decode())
        printed.append((await asyncio.wait_for(process.stdout.readline(), 10)).decode())
        assert printed[-1].startswith("Twilio:")
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"ws://127.0.0.1:{unused_tcp_port}/ws")
            await ws.send_json({"type": "text", "text": "ping"})
            texts = []
            async for msg in ws:
                data = json.loads(msg.data) if msg.type is aiohttp.WSMsgType.TEXT else {}
                if data.get("type") == "transcript" and data.get("role") == "agent":
                    texts.append(data["text"])
                    break
            await ws.close()
        assert texts == ["Pong."]
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 20)
