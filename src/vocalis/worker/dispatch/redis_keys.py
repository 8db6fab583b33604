"""Where a deployment keeps its state in Redis (every key under ``vocalis:``).

- ``vocalis:{agent}:workers``: a set of the ids of the agent's workers;
- ``vocalis:{agent}:worker:{id}``: a worker's ``WorkerStatus`` (JSON), expiring two
  ``ping_interval``s after its last heartbeat, so a dead worker disappears by itself;
- ``vocalis:{agent}:jobs``: a stream of ``JobRequest``s, read by the consumer group
  ``workers``; each worker reads only while it has capacity, and the group gives each call to
  exactly one of them;
- ``vocalis:front:{id}:updates``: a stream of ``JobUpdate``s for one front (it expires when the
  front is gone).

State lives in Redis only: a front that restarts finds every worker registration in place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("vocalis.worker.dispatch")

PREFIX = "vocalis"
GROUP = "workers"
JOBS_MAXLEN = 10_000
UPDATES_MAXLEN = 1_000
UPDATES_TTL_SECONDS = 300
RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 5.0

RedisUnavailable = (RedisConnectionError, RedisTimeoutError, OSError)
"""What a lost Redis connection raises."""


def workers_key(agent_id: str) -> str:
    return f"{PREFIX}:{agent_id}:workers"


def worker_key(agent_id: str, worker_id: str) -> str:
    return f"{PREFIX}:{agent_id}:worker:{worker_id}"


def jobs_key(agent_id: str) -> str:
    return f"{PREFIX}:{agent_id}:jobs"


def updates_key(front_id: str) -> str:
    return f"{PREFIX}:front:{front_id}:updates"


def connect(url: str) -> redis.Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``), decoding to str."""
    return redis.Redis.from_url(url, decode_responses=True, health_check_interval=10)


async def backoff(failures: int, max_retry: int, what: str, error: Any) -> None:
    """Wait before retrying a Redis operation; raise once ``max_retry`` attempts failed."""
    if failures > max_retry:
        raise ConnectionError(f"Redis unreachable after {max_retry} retries ({what}): {error}")
    logger.warning("Redis %s failed (%s); retry %d/%d", what, error, failures, max_retry)
    await asyncio.sleep(min(RETRY_SECONDS * 2 ** (failures - 1), MAX_RETRY_SECONDS))


def fatal_reporter(on_fatal: Callable[[str], None] | None) -> Callable[[str, BaseException], None]:
    """A ``TaskGroup`` error handler: a failed registry task (Redis gone past ``max_retry``)
    is fatal for the process, which can no longer take or place calls: ``on_fatal`` stops it so
    that its supervisor restarts it."""

    def report(name: str, error: BaseException) -> None:
        if on_fatal is not None:
            on_fatal(f"{name}: {error}")

    return report
