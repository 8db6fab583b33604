"""Admission control: the server knows how many calls it can carry and keeps its promises to
the calls it has.

``AdmissionController`` samples the load a few times a second: how late the event loop runs
(the whole process is saturated), how long a final transcript waits for a shared model (the
inference schedulers' expected wait: the first latency callers feel) and the CPU the process
uses. From these it keeps a limit on concurrent calls:

- what one call costs: the process's CPU per call in progress, averaged over the calls seen;
  the estimate is the number of such calls that fit in ``target_cpu`` of the cores;
- what overload taught it: while the calls in progress lose latency (queue wait or loop lag
  over budget) no new call is admitted and the limit drops to one below the calls in progress,
  then climbs back one call at a time while they keep their latency.

A refused call gets a clear answer from its transport: HTTP 503 (``/offer``), WebSocket close
1013 (``/ws``), a short spoken "all lines are busy" then hang-up (``/twilio``). ``snapshot()``
is what ``/healthz`` publishes. An idle server always admits: nobody's latency is at stake.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..audio import resample_pcm
from ..utils.inference_scheduler import InferenceScheduler, live_schedulers
from ..utils.model_cache import models_loading

if TYPE_CHECKING:
    from ..tts import TTS

logger = logging.getLogger("vocalis.transports.admission")

DEFAULT_BUSY_MESSAGE = "Sorry, all our lines are busy right now. Please call again later."
SAMPLE_INTERVAL = 0.25
"""Seconds between load samples."""
COST_MEMORY = 30.0
"""Seconds over which the CPU per call is averaged."""
MIN_OBSERVED = 10.0
"""Seconds of calls in progress before the CPU per call is trusted for an estimate."""
RECOVER_EVERY = 5.0
"""Seconds of calls keeping their latency for the learned limit to rise by one call."""
LAG_MEMORY = 1.0
"""Seconds over which the loop lag is averaged (one late timer is not an overload)."""


@dataclass
class AdmissionConfig:
    """How the server decides to take a new call (``RoomOptions.admission``).

    Args:
        enabled: False admits every call up to ``RoomOptions.max_sessions``.
        max_calls: a fixed limit on concurrent calls; None (default) measures it (see the
            module docstring).
        target_cpu: share of the machine's cores the measured estimate fills (default 0.7: the
            rest absorbs bursts, when several callers finish speaking at once).
        max_queue_wait: seconds a final transcript may wait for a shared model before the
            server counts as overloaded (default 0.3).
        max_loop_lag: seconds the event loop may run late before the server counts as
            overloaded (default 0.2).
        retry_after: seconds a refused HTTP client is told to wait (``Retry-After``, default 30).
        busy_message: what a refused phone caller hears on ``/twilio`` before the hang-up.
        busy_voice: the TTS that speaks it, once (the audio is cached). ``vocalis serve``
            uses Piper when it is installed; without a voice the call is hung up at once.
    """

    enabled: bool = True
    max_calls: int | None = None
    target_cpu: float = 0.7
    max_queue_wait: float = 0.3
    max_loop_lag: float = 0.2
    retry_after: int = 30
    busy_message: str = DEFAULT_BUSY_MESSAGE
    busy_voice: TTS | None = None

    def __post_init__(self) -> None:
        if self.max_calls is not None and self.max_calls < 1:
            raise ValueError("admission.max_calls must be >= 1 or None")
        if not 0 < self.target_cpu <= 1:
            raise ValueError("admission.target_cpu must be in (0, 1]")
        if self.max_queue_wait <= 0 or self.max_loop_lag <= 0 or self.retry_after < 0:
            raise ValueError("admission budgets must be > 0 and retry_after >= 0")


def process_cpu_seconds() -> float:
    """CPU time (user + system) this process has used, every thread included."""
    times = os.times()
    return times.user + times.system


def inference_queue_wait() -> float:
    """How long a final request submitted now would wait, over every live scheduler."""
    return max((s.load().expected_wait for s in live_schedulers()), default=0.0)


def inference_figures(scheduler: InferenceScheduler[Any, Any]) -> dict[str, Any]:
    """One shared model's load, as ``/healthz`` shows it."""
    load = scheduler.load()
    return {
        "name": scheduler.name,
        "workers": load.workers,
        "streams": load.streams,
        "pending": load.pending,
        "expected_wait_ms": round(1000 * load.expected_wait, 1),
        "service_ms": round(1000 * load.service_time, 1),
        "completed": load.completed,
        "dropped": load.dropped,
    }


class AdmissionController:
    """Decides whether the server takes one more call, from its measured load."""

    def __init__(
        self,
        config: AdmissionConfig,
        *,
        max_sessions: int,
        active_calls: Callable[[], int],
        cores: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        cpu_seconds: Callable[[], float] = process_cpu_seconds,
        queue_wait: Callable[[], float] = inference_queue_wait,
        loading: Callable[[], bool] = models_loading,
    ) -> None:
        self.config = config
        self.max_sessions = max_sessions
        self._active = active_calls
        self.cores = cores or os.cpu_count() or 1
        self._clock = clock
        self._cpu_seconds = cpu_seconds
        self._queue_wait = queue_wait
        self._loading = loading
        self._last_at = clock()
        self._last_cpu = cpu_seconds()
        self._learned = float(max_sessions)
        self._cpu_avg = 0.0  # cores in use, averaged while calls are in progress
        self._calls_avg = 0.0
        self._observed = 0.0
        self.loop_lag = 0.0
        self.queue_wait = 0.0
        self.cpu_cores = 0.0
        self.overloaded = False
        self._monitor: asyncio.Task[None] | None = None

    # ---- measuring ---------------------------------------------------------------------------

    def observe(self, loop_lag: float = 0.0) -> None:
        """Take one load sample (the monitor does this every ``SAMPLE_INTERVAL``).

        While a shared model loads (a cold start) the sample teaches nothing: the lag and CPU
        are the load's, not the calls', and the calls waiting for the model are not refused."""
        now, cpu = self._clock(), self._cpu_seconds()
        dt = max(1e-6, now - self._last_at)
        self.cpu_cores = max(0.0, (cpu - self._last_cpu) / dt)
        self._last_at, self._last_cpu = now, cpu
        if self._loading():
            self.overloaded = False
            return
        self.loop_lag += (1.0 - math.exp(-dt / LAG_MEMORY)) * (max(0.0, loop_lag) - self.loop_lag)
        self.queue_wait = self._queue_wait()
        active = self._active()
        if active > 0:
            weight = 1.0 - math.exp(-dt / COST_MEMORY)
            self._cpu_avg += weight * (self.cpu_cores - self._cpu_avg)
            self._calls_avg += weight * (active - self._calls_avg)
            self._observed += dt
        config = self.config
        self.overloaded = active > 0 and (
            self.queue_wait > config.max_queue_wait or self.loop_lag > config.max_loop_lag
        )
        if self.overloaded:
            self._learned = max(1.0, min(self._learned, active - 1.0))
        elif self.stress < 0.5:
            self._learned = min(float(self.max_sessions), self._learned + dt / RECOVER_EVERY)

    @property
    def stress(self) -> float:
        """The worst of queue wait and loop lag, as a fraction of its budget (1: overloaded)."""
        return max(self.queue_wait / self.config.max_queue_wait,
                   self.loop_lag / self.config.max_loop_lag)

    @property
    def cost_per_call(self) -> float | None:
        """Cores one call in progress uses on average, once enough calls were seen."""
        if self._observed < MIN_OBSERVED or self._calls_avg <= 0:
            return None
        return self._cpu_avg / self._calls_avg

    @property
    def estimate(self) -> int | None:
        """How many calls fit in ``target_cpu`` of the cores, at the measured cost."""
        cost = self.cost_per_call
        if cost is None or cost <= 0:
            return None
        return max(1, math.floor(self.cores * self.config.target_cpu / cost + 1e-9))

    @property
    def limit(self) -> int:
        """The number of concurrent calls the server takes now."""
        config = self.config
        if not config.enabled:
            return self.max_sessions
        if config.max_calls is not None:
            return min(self.max_sessions, config.max_calls)
        limit = min(self.max_sessions, math.floor(self._learned))
        estimate = self.estimate
        return limit if estimate is None else min(limit, estimate)

    # ---- deciding ----------------------------------------------------------------------------

    def refusal(self) -> str | None:
        """Why a new call would be refused now, or None to admit it."""
        if self.config.enabled and self.overloaded:
            return "server overloaded: the calls in progress are losing latency"
        active, limit = self._active(), self.limit
        if active >= limit:
            return f"server at capacity: {active} calls in progress, the limit is {limit}"
        return None

    def snapshot(self) -> dict[str, Any]:
        """The capacity figures ``/healthz`` publishes."""
        cost = self.cost_per_call
        config = self.config
        mode = "off" if not config.enabled else "fixed" if config.max_calls else "measured"
        return {
            "mode": mode,
            "calls": self._active(),
            "limit": self.limit,
            "accepting": self.refusal() is None,
            "estimate": self.estimate,
            "cpu_per_call": None if cost is None else round(cost, 3),
            "cpu_cores_used": round(self.cpu_cores, 2),
            "cores": self.cores,
            "queue_wait_ms": round(1000 * self.queue_wait, 1),
            "loop_lag_ms": round(1000 * self.loop_lag, 1),
            "inference": [inference_figures(s) for s in live_schedulers()],
        }

    # ---- the monitor -------------------------------------------------------------------------

    def start(self) -> None:
        """Start sampling in the running loop (idempotent)."""
        if self._monitor is None or self._monitor.done():
            self._monitor = asyncio.get_running_loop().create_task(
                self._sample_forever(), name="vocalis.admission"
            )

    async def _sample_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(SAMPLE_INTERVAL)
            self.observe(loop_lag=loop.time() - started - SAMPLE_INTERVAL)

    async def aclose(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
            self._monitor = None


class BusyMessage:
    """The spoken busy message: synthesized once per sample rate, then served from memory."""

    def __init__(self, text: str, voice: TTS | None) -> None:
        self.text = text
        self.voice = voice
        self._audio: dict[int, bytes] = {}
        self._lock = asyncio.Lock()

    async def pcm(self, sample_rate: int) -> bytes | None:
        """16-bit mono PCM of the message at ``sample_rate``; None without a (working) voice."""
        if self.voice is None or not self.text.strip():
            return None
        async with self._lock:
            cached = self._audio.get(sample_rate)
            if cached is None:
                try:
                    native = b"".join([c async for c in self.voice.stream_synthesize(self.text)])
                except Exception as exc:
                    logger.warning("could not synthesize the busy message: %s", exc)
                    return None
                cached = resample_pcm(native, self.voice.sample_rate, sample_rate)
                self._audio[sample_rate] = cached
            return cached
