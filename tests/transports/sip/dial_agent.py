"""An agent file for ``vocalis dial`` tests: greets with FakeTTS tones, then hangs up."""

from vocalis import Agent, AgentSession, Pipeline
from vocalis.job import JobContext
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript


class Caller(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You call people.")

    async def on_enter(self) -> None:
        greeting = await self.session.say("Hi, this is a reminder of your appointment tomorrow.")
        await greeting
        await self.session.hangup("message delivered")


async def entrypoint(ctx: JobContext) -> None:
    pipeline = Pipeline(vad=FakeVAD(), stt=FakeSTT(UserScript()), llm=FakeLLM([]),
                        tts=FakeTTS())
    await AgentSession(Caller(), pipeline).start()
