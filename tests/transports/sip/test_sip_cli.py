"""``vocalis dial`` and ``vocalis serve --sip`` with a real phone (baresip)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from vocalis.cli import main

pytestmark = pytest.mark.slow

ENDED = r"terminated|session closed"
"""What baresip logs when a call ends (its own hangup, or the agent's BYE)."""

AGENT = Path(__file__).with_name("dial_agent.py")


async def test_vocalis_dial_calls_greets_and_hangs_up(phones: Any) -> None:
    callee = await phones("callee")
    out = io.StringIO()
    code = await asyncio.to_thread(
        main, ["dial", str(AGENT), callee.uri, "--sip", "127.0.0.1:0"], out=out)
    text = out.getvalue()
    assert code == 0, text
    assert f"calling {callee.uri}" in text and "answered (PCMU" in text
    assert "call ended: hangup: message delivered" in text
    await callee.wait_for(ENDED)
    pcm, _rate = callee.heard()
    assert abs(pcm.astype(int)).max() > 1000


async def test_vocalis_dial_reports_a_refused_call(phones: Any) -> None:
    callee = await phones("callee", answer="manual")

    async def refuse() -> None:
        await callee.wait_for("Incoming call")
        await callee.command("hangup")

    refusing = asyncio.ensure_future(refuse())
    out = io.StringIO()
    code = await asyncio.to_thread(
        main, ["dial", str(AGENT), callee.uri, "--sip", "127.0.0.1:0"], out=out)
    await refusing
    assert code == 1
    assert "call ended: not answered: 486" in out.getvalue()
