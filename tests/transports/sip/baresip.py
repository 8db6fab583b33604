"""A real SIP phone for tests: ``baresip`` (Debian package ``baresip-core``) in a subprocess.

Each instance gets its own config folder and ports: it plays a WAV file as its microphone
(``aufile``, the file's rate must be the codec's), writes what it heard to WAV files
(``sndfile``), logs line by line (``stdbuf``), takes commands over TCP (``ctrl_tcp``: dial, accept, hangup) and key presses
over UDP (``cons``: digits become RFC 4733 DTMF during a call).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import random
import re
import shutil
import socket
import time
import wave
from pathlib import Path

import numpy as np

BARESIP = shutil.which("baresip")
MODULES = "/usr/lib/baresip/modules"


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_sip_port() -> int:
    """A port for baresip's ``sip_listen``: baresip 1.0 also opens SIP/TLS on the next port
    and cannot be told not to, so both must be free. Chosen below the kernel's ephemeral range
    (32768 and up), where no ``free_port()`` of this or another server can land."""
    for _ in range(200):
        port = random.randrange(20000, 30000)
        try:
            for candidate, kind in ((port, socket.SOCK_DGRAM), (port, socket.SOCK_STREAM),
                                    (port + 1, socket.SOCK_STREAM)):
                with socket.socket(socket.AF_INET, kind) as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for baresip")


class Baresip:
    """One baresip user agent (``sip:NAME@127.0.0.1:PORT``)."""

    def __init__(
        self, folder: Path, name: str, *, source: Path | None = None,
        codecs: tuple[str, ...] = ("g711",), answer: str = "auto",
    ) -> None:
        self.folder = folder / name
        self.name = name
        self.port = free_sip_port()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.cons_port = free_port()
        self.dump = self.folder / "dump"
        self.log_path = self.folder / "log.txt"
        self.process: asyncio.subprocess.Process | None = None
        self.dump.mkdir(parents=True, exist_ok=True)
        if source is None:
            source = self.folder / "silence.wav"
            rate = 16000 if codecs[0] == "g722" else 8000
            with wave.open(str(source), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(rate)
                wav.writeframes(bytes(rate * 2 * 60))
        source_line = f"aufile,{source}"
        modules = "\n".join(f"module {c}.so" for c in codecs)
        (self.folder / "config").write_text(f"""\
module_path {MODULES}
poll_method epoll
sip_listen 127.0.0.1:{self.port}
audio_player aubridge,nil
audio_source {source_line}
audio_alert aubridge,nil
{modules}
module aufile.so
module aubridge.so
module sndfile.so
module cons.so
module ctrl_tcp.so
module_app account.so
module_app menu.so
snd_path {self.dump}
ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}
cons_listen 127.0.0.1:{self.cons_port}
""")
        (self.folder / "accounts").write_text(
            f"<sip:{name}@127.0.0.1:{self.port}>;regint=0;answermode={answer}\n")

    @property
    def uri(self) -> str:
        return f"sip:{self.name}@127.0.0.1:{self.port}"

    async def start(self) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the subprocess
        self.process = await asyncio.create_subprocess_exec(
            "stdbuf", "-oL", "-eL", BARESIP, "-f", str(self.folder), stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=log)
        log.close()
        await self.wait_for("baresip is ready")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def wait_for(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        """Wait until baresip's log matches ``pattern`` (a regex)."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.log())
            if match:
                return match
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"baresip exited; log:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"baresip never logged {pattern!r}; log:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.05)

    async def command(self, command: str, params: str = "") -> None:
        """A menu command over ctrl_tcp (``dial``, ``accept``, ``hangup``)."""
        body = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
        writer.write(str(len(body)).encode() + b":" + body + b",")
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.read(4096), 2.0)
        writer.close()

    def press(self, keys: str) -> None:
        """Key presses on the phone (digits during a call are sent as RFC 4733 DTMF)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for key in keys:
                sock.sendto(key.encode(), ("127.0.0.1", self.cons_port))
                time.sleep(0.25)

    def heard(self, timeout: float = 5.0) -> tuple[np.ndarray, int]:
        """What the phone received in its last call (the decoded audio) and its rate, once
        baresip has finished the file."""
        deadline = time.monotonic() + timeout
        while True:
            files = sorted(glob.glob(os.path.join(self.dump, "*-dec.wav")))
            try:
                assert files, f"baresip wrote no audio; log:\n{self.log()[-2000:]}"
                with wave.open(files[-1]) as wav:
                    pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
                    return pcm, wav.getframerate()
            except (AssertionError, wave.Error, EOFError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
