"""The agent file the worker tests run in pooled processes: fake VAD, STT, LLM and TTS.

The client chooses its behaviour with query parameters (they reach ``ctx.metadata``):
``say`` is what the user says (``"hello there"`` at 0.2 s, or ``"hi@0.2|bye@2.5"``), the LLM
answers "You said: <words>."; ``fail`` makes the job misbehave: ``raise`` (the entrypoint
raises after the session started), ``hang`` (it never returns and ignores the call ending),
``block`` (it blocks the process's event loop), ``bomb`` (it allocates memory without end),
``abort`` (the process crashes with ``os.abort()``).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from tests.transports.fake_agent import echo_llm, user_script

from vocalis import Agent, AgentSession, Pipeline
from vocalis.job import JobContext
from vocalis.pipeline.config import EOUConfig
from vocalis.testing import FakeSTT, FakeTTS, FakeVAD
from vocalis.worker import current_process

FAIL_AFTER = 0.5
"""Seconds after the session started that a ``fail`` behaviour starts."""


class EchoAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Repeat what the user said.")


def prewarm(proc: Any) -> None:
    proc.userdata["prewarmed_pid"] = os.getpid()


async def misbehave(kind: str) -> None:
    await asyncio.sleep(FAIL_AFTER)
    if kind == "raise":
        raise RuntimeError("the agent broke")
    if kind == "hang":
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue
    if kind == "block":
        time.sleep(3600)
    if kind == "bomb":
        hoard = []
        while True:
            hoard.append(bytearray(32 << 20))
            await asyncio.sleep(0.02)
    if kind == "abort":
        os.abort()


async def entrypoint(ctx: JobContext) -> None:
    proc = current_process()
    assert proc is not None and proc.userdata.get("prewarmed_pid") == os.getpid()
    pipeline = Pipeline(
        stt=FakeSTT(user_script(str(ctx.metadata.get("say", "")))),
        llm=echo_llm(), tts=FakeTTS(), vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.5]),
    )
    session = AgentSession(EchoAgent(), pipeline)
    await session.start()
    fail = str(ctx.metadata.get("fail", ""))
    if fail:
        await misbehave(fail)
