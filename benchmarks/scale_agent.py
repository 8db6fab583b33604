"""The agent file ``scale.py`` serves with ``vocalis start``: fake VAD, STT, LLM and TTS (no
models, so the figures are the framework's own cost), and the user script both sides share.

Each call says "can you help me with my booking" (1.2 s of tone) every ``PERIOD`` seconds from
``1.0 + offset``; the agent answers "Sure, I can help with that." (1.6 s of tone).
"""

from __future__ import annotations

from vocalis import Agent, AgentSession, EOUConfig, Pipeline
from vocalis.job import JobContext, RoomOptions
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript

PERIOD = 4.0
SPEECH_SECONDS = 1.2
FIRST_AT = 1.0
WORDS = "can you help me with my booking"
ANSWER = "Sure, I can help with that."


def user_script(offset: float, seconds: float) -> UserScript:
    """What the caller says: the same script on both sides of the call."""
    script = UserScript()
    t = FIRST_AT + offset
    while t + SPEECH_SECONDS < seconds:
        script.says(WORDS, at=t, duration=SPEECH_SECONDS)
        t += PERIOD
    return script


room_options = RoomOptions(transport_mode="websocket", max_sessions=1000)


class Caller(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer briefly.")


async def entrypoint(ctx: JobContext) -> None:
    offset = float(ctx.metadata.get("offset", 0.0))
    seconds = float(ctx.metadata.get("seconds", 30.0))
    pipeline = Pipeline(
        stt=FakeSTT(user_script(offset, seconds)), llm=FakeLLM(default=ANSWER), tts=FakeTTS(),
        vad=FakeVAD(), eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 0.8]),
    )
    session = AgentSession(Caller(), pipeline)
    await session.start()
