"""An AGENT_FILE for CLI tests: fake components; the user "says" the words in $SAY_TEXT
(default "book a table") at 0.5 s, and the agent repeats them."""

from __future__ import annotations

import os

from vocalis import Agent, AgentSession, Pipeline
from vocalis.job import JobContext
from vocalis.pipeline.config import EOUConfig
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript

SAY = os.environ.get("SAY_TEXT", "book a table")
SCRIPT = UserScript().says(SAY, at=0.5)


def respond(chat):
    users = [m.text_content for m in chat.messages() if m.role.value == "user"]
    return f"You said: {users[-1]}." if users else "Hello."


async def entrypoint(ctx: JobContext) -> None:
    pipeline = Pipeline(
        stt=FakeSTT(SCRIPT), llm=FakeLLM(respond=respond), tts=FakeTTS(), vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.5]),
    )
    session = AgentSession(Agent(instructions="Repeat the user."), pipeline)
    await session.start()
