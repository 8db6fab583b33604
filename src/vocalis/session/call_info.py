"""``CallInfo``: who and what one call is, and its clock, for the history and telemetry.

Session events carry readings of the session clock (``vocalis.utils.clock.now``, monotonic and
virtual in tests); stored history and exported traces need wall-clock times. ``CallInfo.wall``
maps one to the other with the offset taken when the call started.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..utils.clock import now


@dataclass
class CallInfo:
    """One call: its id, where it came from, and when it started."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    transport: str = ""
    room_id: str = ""
    participant: str = ""
    agent: str = ""
    pipeline_mode: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    """Anything else worth keeping (the connection's metadata, component names)."""
    recording_url: str | None = None
    trace_id: str | None = None
    """The OpenTelemetry trace of the call, when traces are on (hex)."""
    started_at: float = field(default_factory=time.time)
    """Wall-clock seconds since the epoch."""
    clock_origin: float = field(default_factory=now)
    """The session clock's reading at ``started_at``."""

    def wall(self, reading: float | None) -> float | None:
        """The wall-clock time of a session clock ``reading`` (None stays None)."""
        if reading is None:
            return None
        return self.started_at + (reading - self.clock_origin)

    def wall_now(self) -> float:
        return self.started_at + (now() - self.clock_origin)

    @classmethod
    def for_session(cls, session: Any, **fields: Any) -> CallInfo:
        """A ``CallInfo`` naming ``session``'s agent and pipeline mode, plus ``fields``."""
        pipeline = session.pipeline
        mode = getattr(getattr(pipeline, "pipeline_mode", None), "value", "")
        components = {
            name: type(component).__name__
            for name in ("stt", "llm", "tts", "vad", "turn_detector", "denoise")
            if (component := getattr(pipeline, name, None)) is not None
        }
        info = {"components": components, **fields.pop("info", {})}
        return cls(agent=getattr(session.agent, "name", type(session.agent).__name__),
                   pipeline_mode=str(mode), info=info, **fields)
