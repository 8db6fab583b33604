"""``LocalDispatcher``: a front and a worker in one process, no registry between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .messages import JobRequest, JobUpdate

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..worker import Worker


class LocalDispatcher:
    """Hands every call to this process's ``Worker``."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    async def dispatch(self, request: JobRequest, on_update: Callable[[JobUpdate], None]) -> None:
        await self.worker.accept(request, on_update)

    def release(self, job_id: str) -> None:
        self.worker.release(job_id)

    def stats(self) -> dict[str, object]:
        return {"kind": "local", "worker_id": self.worker.worker_id}
