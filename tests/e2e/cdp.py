"""Headless Chromium driven over the Chrome DevTools Protocol (no Selenium, no downloads).

``Chromium.launch`` starts the system browser with a fresh profile, no network chatter and a
fake microphone playing a WAV file; ``page()`` opens a tab and returns a ``Tab`` whose
``evaluate`` runs JavaScript and returns its (JSON) value.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
)


def find_browser() -> str | None:
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Tab:
    """One page target: ``evaluate(js)`` returns the value of the expression (awaited)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self.ws.send_str(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self.ws.receive_str())
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
            userGesture=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")


class Chromium:
    """A headless Chromium process with its own profile directory and DevTools port."""

    def __init__(self, process: subprocess.Popen[bytes], profile: Path, port: int) -> None:
        self.process = process
        self.profile = profile
        self.port = port
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    async def launch(
        cls, binary: str, *, fake_audio: Path | None = None, fake_video: Path | None = None
    ) -> Chromium:
        profile = Path(tempfile.mkdtemp(prefix="vocalis-chromium-"))
        args = [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0"]
        if fake_audio is not None:
            args.append(f"--use-file-for-fake-audio-capture={fake_audio}")
        if fake_video is not None:
            args.append(f"--use-file-for-fake-video-capture={fake_video}")
        args.append("about:blank")
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            if process.poll() is not None:
                raise RuntimeError(f"chromium exited with {process.returncode}")
            await asyncio.sleep(0.05)
        else:
            process.kill()
            raise RuntimeError("chromium did not open its DevTools port")
        port = int(port_file.read_text().split()[0])
        return cls(process, profile, port)

    async def page(self) -> Tab:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as resp:
            target = await resp.json()
        ws = await self._http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        return Tab(ws)

    async def close(self) -> None:
        if self._http is not None:
            with contextlib.suppress(Exception):
                await self._http.close()
        self.process.terminate()
        try:
            await asyncio.wait_for(asyncio.to_thread(self.process.wait), 5)
        except TimeoutError:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
