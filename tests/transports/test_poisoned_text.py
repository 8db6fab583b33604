"""One bad character never poisons a session: a lone surrogate in typed text, a transcript or
a tool result is cleaned at the edge, and every later LLM request still succeeds."""

from __future__ import annotations

import pytest
from tests.fakes.openai_http import FakeOpenAIHTTP, chat_text_reply
from tests.transports.fake_agent import EchoAgent, user_script
from tests.transports.ws_client import connect, wait_for

from vocalis import AgentSession, Pipeline
from vocalis.job import JobContext, RoomOptions, WebSocketConfig
from vocalis.transports.server import build_server

pytest.importorskip("openai")

from vocalis.plugins.openai import OpenAILLM
from vocalis.testing import FakeSTT, FakeTTS, FakeVAD

POISON = "hi \ud800 there"


async def test_a_lone_surrogate_in_typed_text_does_not_break_later_turns():
    async with FakeOpenAIHTTP() as fake:
        fake.chat_replies += [chat_text_reply("First answer."), chat_text_reply("Second answer.")]
        sessions: list[AgentSession] = []

        async def agent(ctx: JobContext) -> None:
            pipeline = Pipeline(
                stt=FakeSTT(user_script("")), llm=OpenAILLM(api_key="k", base_url=fake.base_url),
                tts=FakeTTS(), vad=FakeVAD(),
            )
            session = AgentSession(EchoAgent(), pipeline)
            sessions.append(session)
            await session.start()

        options = RoomOptions(transport_mode="websocket", websocket=WebSocketConfig(port=0))
        server = build_server(agent, room_options=options)
        await server.start()
        try:
            async with connect(server.url("/ws", "ws")) as (ws, got):
                assert await wait_for(lambda: got.of_type("ready"), 5.0)
                await ws.send_json({"type": "text", "text": POISON})  # "\ud800" escaped in JSON
                assert await wait_for(lambda: "First answer." in got.transcripts("agent"), 5.0)
                await ws.send_json({"type": "text", "text": "and now?"})
                assert await wait_for(lambda: "Second answer." in got.transcripts("agent"), 5.0)
                assert not got.of_type("error"), got.of_type("error")
        finally:
            await server.aclose()
        sent = [m["content"] for r in fake.of("/chat/completions") for m in r.json["messages"]
                if m["role"] == "user"]
        assert sent[0] == "hi \ufffd there" and sent[-1] == "and now?"
        history = [m.text_content for m in sessions[0].agent.chat_context.messages()]
        assert "hi \ufffd there" in history
