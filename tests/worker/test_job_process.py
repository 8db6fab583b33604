"""A pooled resource's closers: run when it stops, last added first; one that fails or hangs
does not keep the others (or the process) from closing."""

from __future__ import annotations

import asyncio
import logging

from vocalis.worker.execution import job_process
from vocalis.worker.execution.job_process import JobProcess


async def test_closers_run_last_first_despite_a_failing_and_a_hanging_one(
    monkeypatch, caplog
) -> None:
    monkeypatch.setattr(job_process, "CLOSE_SECONDS", 0.2)
    proc = JobProcess("r1")
    order: list[str] = []

    async def close(name: str) -> None:
        order.append(name)

    async def fail() -> None:
        raise RuntimeError("disk gone")

    async def hang() -> None:
        order.append("hang")
        await asyncio.Event().wait()

    proc.add_closer(hang)
    proc.add_closer(lambda: close("writer"))
    proc.add_closer(fail)
    proc.add_closer(lambda: close("telemetry"))
    with caplog.at_level(logging.WARNING, "vocalis.worker.execution"):
        await proc.aclose()
        await proc.aclose()
    assert order == ["telemetry", "writer", "hang"]
    assert "closing r1 failed" in caplog.text and "disk gone" in caplog.text
    assert "closing took more than" in caplog.text
