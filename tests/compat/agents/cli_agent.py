"""An agent file in the reference's shape: ``entrypoint`` is not named ``entrypoint``, the job
context comes from ``make_context`` and ``WorkerJob(...).start()`` runs under ``__main__``. Its
components are the test kit's fakes so it runs offline; the user says $SAY_TEXT at 0.5 s."""

import os

from videosdk.agents import Agent, AgentSession, JobContext, Pipeline, RoomOptions, WorkerJob

from vocalis.pipeline.config import EOUConfig
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript

SCRIPT = UserScript().says(os.environ.get("SAY_TEXT", "book a table"), at=0.5)


class EchoAgent(Agent):
    def __init__(self):
        super().__init__(instructions="Repeat the user.")

    async def on_enter(self) -> None:
        pass

    async def on_exit(self) -> None:
        pass


def respond(chat):
    users = [m.text_content for m in chat.messages() if m.role.value == "user"]
    return f"You said: {users[-1]}." if users else "Hello."


async def start_session(ctx: JobContext):
    pipeline = Pipeline(
        stt=FakeSTT(SCRIPT), llm=FakeLLM(respond=respond), tts=FakeTTS(), vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.5]),
    )
    session = AgentSession(agent=EchoAgent(), pipeline=pipeline)
    await session.start(wait_for_participant=True, run_until_shutdown=True)


def make_context() -> JobContext:
    return JobContext(room_options=RoomOptions(room_id="<room_id>", name="Echo", playground=True))


if __name__ == "__main__":
    job = WorkerJob(entrypoint=start_session, jobctx=make_context)
    job.start()
