"""The agent ``benchmarks/capacity.py`` serves: the example assistant's local stack (Silero VAD,
Whisper tiny.en, turn detector, Piper) around an LLM that answers at once, and no greeting, so
the first audio a caller hears is the reply to its question.

    vocalis serve benchmarks/capacity_agent.py --port 0
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vocalis import Agent, AgentSession
from vocalis.job import JobContext
from vocalis.testing import FakeLLM

REPLY = "Sure, I can help with that."


def _example_pipeline_builder():
    path = Path(__file__).resolve().parent.parent / "examples" / "assistant.py"
    spec = importlib.util.spec_from_file_location("vocalis_example_assistant", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_pipeline


build_pipeline = _example_pipeline_builder()


class Listener(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer briefly.")


async def entrypoint(ctx: JobContext) -> None:
    session = AgentSession(agent=Listener(), pipeline=build_pipeline(FakeLLM(default=REPLY)))
    await session.start(wait_for_participant=True, run_until_shutdown=True)
