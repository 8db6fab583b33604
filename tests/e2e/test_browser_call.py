"""End to end: a real browser talks to ``examples/assistant.py`` over WebRTC.

Headless Chromium's fake microphone plays "What time is it?" (spoken by Piper). The server
runs the example on the local models (Silero VAD, Whisper tiny.en, turn detector, Piper), with
its language model pointed at a fake OpenAI-compatible server on loopback. The test presses
the page's button and checks what the page shows: the user's transcript, the agent's reply
text (the fake model's answer) and that the agent's audio arrived (RTP bytes and energy).
Skips only when no Chromium is installed (CI installs the ``chromium`` apt package).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from .cdp import Chromium, find_browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assistant.py"
QUESTION = "What time is it?"
ANSWER = "It is a quarter past three in the afternoon."
TYPED_ANSWER = "Two plus two is four."
LEAD_SILENCE = 6.0
"""Seconds before the question: room for the connection and the assistant's greeting."""

BROWSER = find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="Chromium not installed (apt-get install chromium)"
)
for _module in ("aiortc", "piper", "faster_whisper", "onnxruntime", "openai"):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(
            f"{_module} not installed (pip install -e '.[local,openai,webrtc]')",
            allow_module_level=True,
        )


async def _question_wav(path: Path) -> None:
    """The question spoken by Piper, at 48 kHz 16-bit mono, between stretches of silence."""
    from vocalis.audio import resample_pcm, write_wav
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    pcm = b"".join([chunk async for chunk in tts.stream_synthesize(QUESTION)])
    speech = resample_pcm(pcm, tts.sample_rate, 48000)
    lead, tail = bytes(int(48000 * LEAD_SILENCE) * 2), bytes(48000 * 8 * 2)
    write_wav(path, lead + speech + tail, 48000)


async def _wait_for_page(tab: Any, check: Any, timeout: float) -> dict[str, Any]:
    """Poll ``window.vocalis`` until ``check(state)`` holds; the last state on timeout."""
    state: dict[str, Any] | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await tab.evaluate("window.vocalis ? JSON.stringify(window.vocalis) : null")
        state = json.loads(value) if value else None
        if state is not None and check(state):
            return state
        await asyncio.sleep(0.25)
    raise AssertionError(f"the page never got there; it shows: {json.dumps(state, indent=1)}")


@contextlib.asynccontextmanager
async def _call(wav: Path, before_call: Any = None) -> AsyncIterator[Any]:
    """The example served on 127.0.0.1 (as ``vocalis serve`` does) and a Chromium tab on its
    page; ``before_call(tab)`` runs once the page has loaded, then the call is started."""
    from vocalis.cli.commands import notices_route
    from vocalis.cli.loader import load_agent_file
    from vocalis.job import RoomOptions, WebSocketConfig
    from vocalis.transports.server import build_server
    from vocalis.transports.webrtc import add_webrtc_routes

    example = load_agent_file(str(EXAMPLE))
    options = RoomOptions(websocket=WebSocketConfig(port=0))
    server = build_server(
        example.entrypoint,
        room_options=options,
        routes=[add_webrtc_routes, notices_route(example)],
    )
    await server.start()
    browser = await Chromium.launch(BROWSER, fake_audio=wav)  # type: ignore[arg-type]
    try:
        tab = await browser.page()
        await tab.call("Page.navigate", url=server.url("/"))
        await _wait_for_page(tab, lambda s: True, 10)
        if before_call is not None:
            await before_call(tab)
        await tab.evaluate("document.getElementById('talk').click()")
        yield tab
    finally:
        await browser.close()
        await server.aclose()


async def test_talking_to_the_assistant_from_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.openai_http import FakeOpenAIHTTP, chat_text_reply

    wav = tmp_path / "question.wav"
    await _question_wav(wav)
    async with FakeOpenAIHTTP() as llm_server:
        llm_server.chat_replies.extend(chat_text_reply(ANSWER) for _ in range(4))
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("VOCALIS_LLM_BASE_URL", llm_server.base_url)
        monkeypatch.setenv("VOCALIS_NOTES_FILE", str(tmp_path / "notes.json"))
        async with _call(wav) as tab:
            state = await _wait_for_page(
                tab, lambda s: any(ANSWER in t for t in s["agentTexts"]), timeout=90
            )
            # The answer's own audio reaches the browser: energy keeps rising after its text.
            energy = state["audio"]["totalAudioEnergy"]
            state = await _wait_for_page(
                tab, lambda s: s["audio"]["totalAudioEnergy"] > energy + 0.05, timeout=20
            )
            heard = " ".join(state["userTranscripts"]).lower()
            assert "what" in heard and "time" in heard, state["userTranscripts"]
            assert state["audio"]["bytesReceived"] > 10_000
            assert state["audio"]["maxLevel"] > 0.01
            page_text = await tab.evaluate("document.getElementById('history').innerText")
            assert ANSWER in page_text and "time" in page_text.lower()
            assert state["errors"] == [] and state["notices"] == []

            # The text box: a typed question goes over the data channel and gets its answer.
            llm_server.chat_replies[:] = [chat_text_reply(TYPED_ANSWER) for _ in range(3)]
            await tab.evaluate(
                "document.getElementById('text-input').value = 'What is two plus two?';"
                "document.getElementById('text-send').click()"
            )
            await _wait_for_page(tab, lambda s: TYPED_ANSWER in s["agentTexts"], timeout=20)

        chat = llm_server.of("/chat/completions")[0].json
        typed = llm_server.of("/chat/completions")[-1].json
        assert chat is not None and typed is not None
        assert typed["messages"][-1] == {"role": "user", "content": "What is two plus two?"}
        user_turns = [m for m in chat["messages"] if m["role"] == "user"]
        assert "time" in str(user_turns[-1]["content"]).lower()
        assert {t["function"]["name"] for t in chat["tools"]} >= {"get_current_time", "calculate"}


async def test_the_page_says_when_no_language_model_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VOCALIS_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    wav = tmp_path / "silence.wav"
    from vocalis.audio import write_wav

    write_wav(wav, bytes(48000 * 2 * 4), 48000)

    async def notice_before_any_call(tab: Any) -> None:
        state = await _wait_for_page(tab, lambda s: s["notices"], timeout=10)
        assert state["notices"][0]["code"] == "llm_not_configured"
        assert state["connection"] == "disconnected"

    async with _call(wav, before_call=notice_before_any_call) as tab:
        state = await _wait_for_page(
            tab,
            lambda s: s["notices"] and any("language model" in t for t in s["agentTexts"]),
            timeout=60,
        )
        notice = state["notices"][0]
        assert notice["code"] == "llm_not_configured"
        assert "OPENAI_API_KEY" in notice["setting"] and "OPENAI_BASE_URL" in notice["setting"]
        shown = await tab.evaluate("document.getElementById('notices').innerText")
        assert "export OPENAI_API_KEY=" in shown and "No language model is configured" in shown
