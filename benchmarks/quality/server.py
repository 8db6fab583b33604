"""Running the echo agent the way users run agents: ``vocalis serve`` / ``vocalis run`` as
subprocesses of this benchmark, with the echo agent's log pointed at a file we read back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from .record import LLMTurn

ECHO_AGENT = Path(__file__).with_name("echo_agent.py")
LOG_ENV = "VOCALIS_QUALITY_LOG"
START_TIMEOUT = 60.0
VOCALIS = ["-c", "import sys; from vocalis.cli import main; sys.exit(main())"]
"""The ``vocalis`` command, run by this interpreter (so the same checkout is used)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVE_OPTIONS = ("--capacity", "off", "--no-history")
"""This measures what one caller hears: admission control (which may turn a call away while the
models load) and the call history are not what is measured."""


def vocalis_command(*args: str) -> list[str]:
    return [sys.executable, *VOCALIS, *args]


def agent_env(log_path: Path) -> dict[str, str]:
    return {**os.environ, LOG_ENV: str(log_path)}


@contextlib.asynccontextmanager
async def serve_echo_agent(workdir: Path) -> AsyncIterator[str]:
    """``vocalis serve echo_agent.py`` on a free loopback port; yields its base URL."""
    port = free_port()
    out = open(workdir / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = await asyncio.create_subprocess_exec(
        *vocalis_command("serve", str(ECHO_AGENT), "--port", str(port), *SERVE_OPTIONS),
        env=agent_env(workdir / "llm.jsonl"), stdout=out, stderr=asyncio.subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_up(base_url, process)
        yield base_url
    finally:
        await stop_process(process)
        out.close()


async def _wait_until_up(base_url: str, process: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"vocalis serve exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base_url}/notices") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"vocalis serve did not answer within {START_TIMEOUT:.0f} s")


async def stop_process(process: asyncio.subprocess.Process) -> None:
    """Ctrl+C, then SIGKILL if it has not exited within ten seconds."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()


def stop_popen(process: subprocess.Popen) -> None:
    """``stop_process`` for a ``subprocess.Popen``: Ctrl+C, then SIGKILL after ten seconds."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def read_log(path: Path, call_id: str) -> list[dict]:
    """The echo agent's log lines for ``call_id``."""
    if not path.exists():
        return []
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return [entry for entry in lines if entry.get("call") == call_id]


def llm_turns(entries: list[dict]) -> list[LLMTurn]:
    """The committed turns, each with the end of its speech from the matching turn metrics
    (logged when the reply finishes; a reply still running at hang-up has none)."""
    metrics = [e for e in entries if e["event"] == "turn_metrics"]
    turns = []
    for entry in (e for e in entries if e["event"] == "user_turn"):
        text = entry.get("text", "")
        match = next((m for m in metrics if m["text"] == text), None)
        if match is not None:
            metrics.remove(match)
        turns.append(LLMTurn(entry["wall"], text, match and match.get("speech_end")))
    return turns
