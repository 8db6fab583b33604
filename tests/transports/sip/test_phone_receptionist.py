"""``examples/phone_receptionist.py`` answering a real SIP call (baresip) on the local models:
the caller leaves a message (Piper speech over G.711), the receptionist writes it down, says
goodbye and hangs up; the call is recorded with its transcript. The language model is a fake
OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.openai_http import (
    DONE,
    USAGE,
    FakeOpenAIHTTP,
    chat_chunk,
    chat_text_reply,
    tool_call_fragments,
)

from vocalis import RecordingOptions
from vocalis.cli.loader import load_agent_file
from vocalis.job import RoomOptions
from vocalis.job.runner import connection_handler

from .conftest import piper_wav
from .test_sip_calls import ENDED, until

pytest.importorskip("piper")

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "phone_receptionist.py"
CALLER_SAYS = "This is Bob about the catering order and I would like Anna to call me back."


def tool_call(name: str, arguments: dict[str, str], say: str | None = None) -> list[Any]:
    """A streamed reply that calls ``name`` (after saying ``say``, if given)."""
    steps: list[Any] = [chat_chunk({"role": "assistant", "content": say})]
    steps += tool_call_fragments(0, f"call_{name}", name, json.dumps(arguments))
    return [*steps, chat_chunk({}, finish_reason="tool_calls"),
            chat_chunk(no_choices=True, usage=USAGE), DONE]


def receptionist_llm(request: dict[str, Any]) -> list[Any]:
    """The language model's side, chosen from what it is asked (robust to a turn the turn
    detector splits): take the message once the caller has said what it is about, then say
    goodbye and hang up."""
    messages = request["messages"]
    last = messages[-1]
    if last["role"] == "tool" and last["tool_call_id"] == "call_take_message":
        return tool_call("end_call", {}, say="Thanks Bob, Anna will call you back. Goodbye!")
    if last["role"] == "tool":
        return chat_text_reply("Goodbye.")
    said = " ".join(str(m["content"]) for m in messages if m["role"] == "user").lower()
    if "catering" in said or "bob" in said:
        return tool_call("take_message", {"name": "Bob", "callback_number": "555 1234",
                                          "message": "catering order"})
    return chat_text_reply("Go on, I'm listening.")


async def test_the_receptionist_takes_a_message_and_hangs_up(
    phones: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vocalis.transports.sip import SIPConfig, SipService

    messages = tmp_path / "messages.jsonl"
    monkeypatch.setenv("RECEPTIONIST_BUSINESS", "Luigi's")
    monkeypatch.setenv("RECEPTIONIST_MESSAGES", str(messages))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    source = await piper_wav(tmp_path / "caller.wav", CALLER_SAYS, 8000, lead=5.0, tail=12.0)
    async with FakeOpenAIHTTP() as llm:
        monkeypatch.setenv("VOCALIS_LLM_BASE_URL", llm.base_url)
        llm.chat_responder = receptionist_llm
        example = load_agent_file(str(EXAMPLE))
        options = RoomOptions(recording=True, recording_options=RecordingOptions(
            directory=str(tmp_path / "recordings")))
        handler = connection_handler(example.entrypoint, room_options=options)
        async with SipService(SIPConfig(port=0), handler) as service:
            caller = await phones("caller", source=source)
            await caller.command("dial", service.address)
            await caller.wait_for(ENDED, timeout=90)
            room = next(iter(service.rooms), None)
            if room is not None:
                await until(lambda: room.closed.is_set())
    requests = [r.json for r in llm.of("/chat/completions")]
    assert messages.exists(), [(r["messages"][-1], len(r.get("tools") or [])) for r in requests]
    saved = [json.loads(line) for line in messages.read_text().splitlines()]
    assert saved and saved[0]["name"] == "Bob" and saved[0]["message"] == "catering order"
    assert saved[0]["caller"].startswith("<sip:caller@127.0.0.1")
    heard = " ".join(str(m["content"]) for r in requests for m in r["messages"]
                     if m["role"] == "user")
    assert "bob" in heard.lower() or "catering" in heard.lower(), heard
    transcripts = list((tmp_path / "recordings").glob("*.jsonl"))
    assert transcripts
    turns = [json.loads(line) for line in transcripts[0].read_text().splitlines()]
    assert turns[0]["role"] == "agent" and "Luigi" in turns[0]["text"]
    assert any(t["role"] == "user" and "bob" in t["text"].lower() for t in turns), turns
