"""``vocalis serve benchmarks/quality/echo_agent.py`` as a subprocess, for the hearing tests."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.quality.server import (
    ECHO_AGENT,
    SERVE_OPTIONS,
    agent_env,
    free_port,
    stop_popen,
    vocalis_command,
)

START_TIMEOUT = 90.0


@dataclass(frozen=True)
class EchoServer:
    """The echo agent served on a loopback port; its LLM log is ``log``."""

    base_url: str
    log: Path
    workdir: Path


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vocalis serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/notices", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("vocalis serve did not come up")


@contextmanager
def serve_echo_agent(workdir: Path) -> Iterator[EchoServer]:
    """Serve the echo agent until the block ends (Ctrl+C, then kill after ten seconds)."""
    log = workdir / "llm.jsonl"
    port = free_port()
    with open(workdir / "server.log", "wb") as out:
        process = subprocess.Popen(
            vocalis_command("serve", str(ECHO_AGENT), "--port", str(port), *SERVE_OPTIONS),
            env=agent_env(log), stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(base_url, process)
            yield EchoServer(base_url, log, workdir)
        finally:
            stop_popen(process)
