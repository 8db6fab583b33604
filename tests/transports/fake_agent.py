"""A deterministic agent for transport tests: fake VAD, STT, LLM and TTS.

The client tells the server what the user will say with the ``say`` query parameter (it reaches
``ctx.metadata``), and sends that script's tone audio; the fake STT "hears" those words at the
audio position it is fed, and the LLM answers "You said: <words>."
"""

from __future__ import annotations

from typing import Any

from vocalis import Agent, AgentSession, Pipeline
from vocalis.job import JobContext, RoomOptions, WebSocketConfig
from vocalis.pipeline.config import EOUConfig
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.transports.server import AgentServer, build_server

SPEECH_AT = 0.2


def user_script(text: str) -> UserScript:
    """``"hello there"`` (at 0.2 s) or several utterances: ``"hi@0.2|stop that now@2.5"``."""
    script = UserScript()
    for part in filter(None, text.split("|")):
        words, _, at = part.partition("@")
        script.says(words, at=float(at) if at else SPEECH_AT)
    return script


def echo_llm() -> FakeLLM:
    def respond(chat: Any) -> str:
        users = [m.text_content for m in chat.messages() if m.role.value == "user"]
        return f"You said: {users[-1]}." if users else "Hello."

    return FakeLLM(respond=respond)


class EchoAgent(Agent):
    def __init__(self, greeting: str | None = None) -> None:
        super().__init__(instructions="Repeat what the user said.")
        self.greeting = greeting

    async def on_enter(self) -> None:
        if self.greeting:
            await self.session.say(self.greeting)


def build_session(
    ctx: JobContext, *, tts: FakeTTS | None = None, dtmf_handler: Any = None
) -> AgentSession:
    text = str(ctx.metadata.get("say", ""))
    pipeline = Pipeline(
        stt=FakeSTT(user_script(text)),
        llm=echo_llm(),
        tts=tts or FakeTTS(),
        vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.5]),
    )
    agent = EchoAgent(ctx.metadata.get("greeting") or None)
    return AgentSession(agent, pipeline, dtmf_handler=dtmf_handler)


SESSIONS: list[AgentSession] = []
CONTEXTS: list[JobContext] = []


async def entrypoint(ctx: JobContext) -> None:
    """The test agent: build, start, and let the job run until the client leaves."""
    session = build_session(ctx)
    SESSIONS.append(session)
    CONTEXTS.append(ctx)
    await session.start()


async def start_fake_agent_server(
    *, transport_mode: str = "websocket", agent: Any = entrypoint, **options: Any
) -> AgentServer:
    """``agent`` served on a free loopback port with ``RoomOptions(**options)``; the sessions
    and contexts of earlier tests are forgotten."""
    SESSIONS.clear()
    CONTEXTS.clear()
    room_options = RoomOptions(
        transport_mode=transport_mode, websocket=WebSocketConfig(port=0), **options
    )
    server = build_server(agent, room_options=room_options)
    await server.start()
    return server
