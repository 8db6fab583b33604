"""Task functions the pool tests send to pooled processes (importable by the children)."""

from __future__ import annotations

import asyncio
import os
import time

from vocalis.worker import current_process


async def double(x: int) -> int:
    await asyncio.sleep(0.05)
    return x * 2


async def pid_and_userdata() -> tuple[int, str]:
    proc = current_process()
    assert proc is not None
    return os.getpid(), str(proc.userdata.get("warm"))


def prewarm(proc) -> None:
    proc.userdata["warm"] = f"warmed in {os.getpid()}"


async def steady(seconds: float) -> str:
    """A healthy task that outlives the misbehaving ones around it."""
    await asyncio.sleep(seconds)
    return "still here"


async def raises() -> None:
    await asyncio.sleep(0.05)
    raise ValueError("the task broke")


async def hangs() -> None:
    await asyncio.sleep(3600)


async def blocks_the_loop() -> None:
    time.sleep(3600)


async def eats_memory() -> None:
    hoard = []
    while True:
        hoard.append(bytearray(32 << 20))
        await asyncio.sleep(0.02)


async def aborts() -> None:
    await asyncio.sleep(0.05)
    os.abort()


async def count_loads() -> tuple[int, int]:
    """A "model" kept in the process between tasks: how many tasks used it here."""
    proc = current_process()
    assert proc is not None
    proc.userdata["uses"] = proc.userdata.get("uses", 0) + 1
    return os.getpid(), proc.userdata["uses"]


def sync_square(x: int) -> int:
    return x * x
