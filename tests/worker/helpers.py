"""Helpers of the worker tests: free ports, ``vocalis start`` subprocesses, HTTP JSON."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
AGENT_FILE = str(Path(__file__).with_name("agent_file.py"))
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StartedProcess:
    """A ``vocalis start`` subprocess: its ports, its output, signals."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.health_port = free_port()
        command = [sys.executable, "-m", "vocalis.cli", "--log-level", "WARNING", "start",
                   AGENT_FILE, "--port", str(self.port), "--health-host", "127.0.0.1",
                   "--health-port", str(self.health_port), *args]
        environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
        environment.update(env or {})
        self.process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.output: list[str] = []

    @property
    def pid(self) -> int:
        return self.process.pid

    def ws_url(self, query: str = "") -> str:
        return f"ws://127.0.0.1:{self.port}/ws{'?' + query if query else ''}"

    def health_url(self, path: str = "/health") -> str:
        return f"http://127.0.0.1:{self.health_port}{path}"

    async def ready(self) -> None:
        """Wait for the 'SIGTERM ... drains' line that ``vocalis start`` prints when up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        assert self.process.stdout is not None
        while loop.time() < deadline:
            line = await asyncio.to_thread(self.process.stdout.readline)
            if not line:
                break
            self.output.append(line)
            if "drains" in line:
                threading.Thread(target=self._drain_output, daemon=True).start()
                return
        raise RuntimeError("vocalis start did not come up:\n" + "".join(self.output))

    def _drain_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)

    async def wait(self, timeout: float) -> int | None:
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.process.wait), timeout)
        except TimeoutError:
            return None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()


async def get_json(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def wait_until(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` (sync or async) until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)
