"""The agent must hear what the same Whisper model hears offline, on every path and input rate.

Real speech (Piper and espeak-ng) is said, in real time, through ``/twilio`` (mu-law 8 kHz),
``/ws`` with a declared rate (16, 24, 44.1, 48 kHz), WebRTC (Opus 48 kHz, an aiortc peer) and
file mode (WAVs at 8 to 48 kHz). What reached the LLM must equal the offline decode of the
audio the server received, or be within a word error rate of 0.05 of it.

The calls of the selected cases run side by side once per session (``heard``); each test then
checks its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from .echo_server import EchoServer
from .hearing import Hearing, Yardstick, call_file, call_live, hearing
from .requirements import skip_without_real_speech

skip_without_real_speech()

CONCURRENT_CALLS = 4

CASES = [
    pytest.param(("twilio", 8000), id="twilio-8k-mulaw"),
    pytest.param(("ws", 16000), id="ws-16k"),
    pytest.param(("ws", 24000), id="ws-24k"),
    pytest.param(("ws", 44100), id="ws-44.1k"),
    pytest.param(("ws", 48000), id="ws-48k"),
    pytest.param(("webrtc", 48000), id="webrtc-48k-opus"),
    pytest.param(("file", 8000), id="file-8k"),
    pytest.param(("file", 16000), id="file-16k"),
    pytest.param(("file", 24000), id="file-24k"),
    pytest.param(("file", 44100), id="file-44.1k"),
    pytest.param(("file", 48000), id="file-48k"),
]

pytestmark = pytest.mark.slow


def _selected_cases(session: pytest.Session) -> list[tuple[str, int]]:
    cases = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and item.module is not None and item.module.__name__ == __name__:
            cases.append(callspec.params["case"])
    return cases


async def _run_calls(server: EchoServer, workdir: Path,
                     cases: list[tuple[str, int]]) -> dict[tuple[str, int], Hearing]:
    limit = asyncio.Semaphore(CONCURRENT_CALLS)
    yardstick = Yardstick()

    async def one(case: tuple[str, int]) -> Hearing:
        path, rate = case
        async with limit:
            if path == "file":
                record = await call_file(workdir, rate)
            else:
                record = await call_live(server.base_url, server.log, path, rate)
        return await asyncio.to_thread(hearing, record, yardstick)

    results = await asyncio.gather(*(one(case) for case in cases))
    return dict(zip(cases, results, strict=True))


@pytest.fixture(scope="session")
def heard(request: pytest.FixtureRequest, echo_server: EchoServer,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, int], Hearing]]:
    cases = _selected_cases(request.session)
    workdir = tmp_path_factory.mktemp("hearing")
    yield asyncio.run(_run_calls(echo_server, workdir, cases))


@pytest.mark.parametrize("case", CASES)
def test_the_agent_hears_what_the_offline_decode_hears(
    case: tuple[str, int], heard: dict[tuple[str, int], Hearing]
) -> None:
    result = heard[case]
    assert result.turns > 0, "nothing reached the LLM"
    assert result.matches, str(result)
