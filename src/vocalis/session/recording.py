"""``CallRecording``: records one session's call (both sides) and its time-aligned transcript.

The caller's audio comes from ``session.on_user_audio`` (stamped on arrival), the agent's from
the output track's ``on_audio_out`` (stamped when handed to the transport), so the recording
is what was heard on each side, background sounds included. A task writes the file every
``flush_interval`` seconds. Turns go to ``<file>.jsonl`` as they end: ``{"role", "text",
"start", "end"}`` in seconds of the recording. Failures become ``recording_failed`` events; the
call goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from ..audio.call_recorder import AGENT, CALLER, CallRecorder
from ..pipeline.events import (
    AgentStateChanged,
    AgentText,
    RecordingFailed,
    RecordingStarted,
    RecordingStopped,
    TranscriptReady,
    UserStateChanged,
)
from ..pipeline.states import AgentState, UserState
from ..utils.clock import now
from .observability import RecordingOptions

logger = logging.getLogger("vocalis.session.recording")


def recording_path(options: RecordingOptions, call_id: str) -> Path:
    """Where ``options`` puts the recording of call ``call_id``."""
    if options.path:
        return Path(options.path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", call_id)[:80] or "call"
    return Path(options.directory) / f"{stamp}-{safe}.{options.format}"


def recording_options(job: Any, observability: Any = None) -> RecordingOptions | None:
    """The recording asked for: ``observability.recording`` (given to ``session.start`` or on
    the job's room options), else ``recording_options`` (or the defaults) when the room options
    say ``recording=True``; None when off."""
    options = getattr(job, "room_options", None)
    observability = observability or getattr(options, "observability", None)
    chosen = getattr(observability, "recording", None)
    if chosen is None and options is not None and getattr(options, "recording", False):
        chosen = options.recording_options or RecordingOptions()
    if isinstance(chosen, dict):
        chosen = RecordingOptions(**chosen)
    return chosen


class CallRecording:
    """One recording of one session (see the module docstring)."""

    def __init__(self, session: Any, options: RecordingOptions, path: Path) -> None:
        self.session = session
        self.options = options
        self.path = path
        self.transcript_path = path.with_suffix(".jsonl") if options.transcript else None
        self.recorder: CallRecorder | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._track: Any = None
        self._remove_tap: Any = None
        self._user_start: float | None = None
        self._agent_start: float | None = None
        self._agent_text: list[str] = []
        self._handlers: list[tuple[Any, Any]] = []

    @property
    def active(self) -> bool:
        return self.recorder is not None and not self.recorder.closed

    def start(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.recorder = CallRecorder(
                self.path, started_at=now(), format=self.options.format,
                layout=self.options.layout, sample_rate=self.options.sample_rate)
            if self.transcript_path is not None:
                self.transcript_path.write_text("")
        except Exception as exc:
            self._fail(exc)
            return
        self._remove_tap = self.session.on_user_audio(self._user_audio)
        self._track = self.session.output_track
        if self._track is not None:
            self._track.on_audio_out(self._agent_audio)
        for event, handler in ((UserStateChanged, self._user_state),
                               (TranscriptReady, self._user_turn),
                               (AgentStateChanged, self._agent_state),
                               (AgentText, self._agent_sentence)):
            self.session.bus.subscribe(event, handler)
            self._handlers.append((event, handler))
        self._flusher = asyncio.ensure_future(self._flush_loop())
        self.session.link.publish(RecordingStarted(str(self.path)))

    async def stop(self) -> None:
        """Write the rest, close the files, publish ``recording_stopped``."""
        if not self.active:
            return
        self._detach()
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        self._end_agent_turn(now())
        recorder = self.recorder
        assert recorder is not None
        try:
            await asyncio.to_thread(recorder.close, now())
        except Exception as exc:
            self._fail(exc)
            return
        self.session.link.publish(RecordingStopped(str(self.path), round(recorder.duration, 3)))

    def _detach(self) -> None:
        if self._remove_tap is not None:
            self._remove_tap()
            self._remove_tap = None
        if self._track is not None:
            self._track.remove_audio_out_callback(self._agent_audio)
            self._track = None
        for event, handler in self._handlers:
            self.session.bus.unsubscribe(event, handler)
        self._handlers.clear()

    def _fail(self, exc: BaseException) -> None:
        logger.warning("recording %s failed: %s", self.path, exc)
        self._detach()
        if self.recorder is not None:
            self.recorder.abandon()
        self.session.link.publish(RecordingFailed(str(self.path), str(exc) or type(exc).__name__))

    async def _flush_loop(self) -> None:
        assert self.recorder is not None
        while True:
            await asyncio.sleep(self.options.flush_interval)
            try:
                await asyncio.to_thread(self.recorder.flush, now())
            except Exception as exc:
                self._fail(exc)
                return

    # ---- audio ---------------------------------------------------------------------------------

    def _user_audio(self, pcm: bytes, sample_rate: int, arrived_at: float) -> None:
        if self.recorder is not None:
            duration = len(pcm) / 2 / sample_rate
            self.recorder.add(CALLER, pcm, sample_rate, arrived_at - duration)

    def _agent_audio(self, frame: Any, t: float) -> None:
        if self.recorder is not None:
            self.recorder.add(AGENT, frame.pcm, frame.sample_rate, t)

    # ---- transcript ------------------------------------------------------------------------------

    def _user_state(self, event: UserStateChanged) -> None:
        if event.state is UserState.SPEAKING and self._user_start is None:
            self._user_start = now()

    def _user_turn(self, event: TranscriptReady) -> None:
        end = event.speech_end_at or now()
        self._write_turn("user", event.text, self._user_start or end, end)
        self._user_start = None

    def _agent_state(self, event: AgentStateChanged) -> None:
        if event.state is AgentState.SPEAKING:
            if self._agent_start is None:
                self._agent_start = now()
        else:
            self._end_agent_turn(now())

    def _agent_sentence(self, event: AgentText) -> None:
        self._agent_text.append(event.text.strip())

    def _end_agent_turn(self, at: float) -> None:
        if self._agent_start is not None and self._agent_text:
            self._write_turn("agent", " ".join(t for t in self._agent_text if t),
                             self._agent_start, at)
        self._agent_start = None
        self._agent_text.clear()

    def _write_turn(self, role: str, text: str, start: float, end: float) -> None:
        if self.transcript_path is None or self.recorder is None or not text.strip():
            return
        entry = {"role": role, "text": text.strip(),
                 "start": round(self.recorder.offset(start), 3),
                 "end": round(self.recorder.offset(end), 3)}
        try:
            with self.transcript_path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")
        except OSError as exc:
            self._fail(exc)
