"""The agent's outgoing audio track: TTS writes PCM in, a transport pulls paced 20 ms frames out.

Owns the frame queue, real-time pacing, end-of-speech detection (``on_last_audio_byte``),
the interruption fade-out, pause/resume, intake gating, played-versus-pushed accounting,
background mixing, and the moment the first audible frame of an utterance leaves.
Behaviour follows the reference's ``CustomAudioStreamTrack`` with its mixing variant merged in;
departures (fixes) are noted on the methods concerned.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from ..utils.clock import now
from ..utils.tasks import TaskGroup
from .background import BackgroundAudioConfig, BackgroundSource
from .fade import apply_fade_out
from .frames import (
    AudioFormat,
    AudioFrame,
    BytesLike,
    FrameChunker,
    as_pcm_bytes,
    is_silent,
    silence,
    trim_partial_sample,
)
from .mixer import AudioMixer
from .pacing import FramePacer

logger = logging.getLogger("vocalis.audio")

LastAudioCallback = Callable[[], Awaitable[None] | None]
AudioOutCallback = Callable[[AudioFrame, float], None]

AUDIBLE_DBFS = -55.0
"""A speech frame quieter than this does not count as the first audible frame of an utterance."""

_TIME_EPSILON = 1e-9
"""Slack for float error when comparing loop times (virtual time adds 0.02 s steps)."""

THINKING_LAYER = "thinking"
BACKGROUND_LAYER = "background"


class TrackEndedError(RuntimeError):
    """``recv`` on a track that was stopped."""


class OutputTrack:
    """Outgoing agent audio: s16 PCM in through ``add_new_bytes``, paced frames out of ``recv``.

    One reader pulls frames. ``recv`` waits for each frame's turn on the loop clock and returns
    silence when nothing is queued; when the track is idle, newly queued speech ends the wait
    at once so the first frame of an utterance leaves without waiting for a tick. Writers wait
    while more than ``max_queued_seconds`` of audio is queued (backpressure), so a TTS that
    runs far ahead of playback holds memory for seconds of audio, not minutes.
    """

    kind = "audio"
    can_pause = True
    DEFAULT_MAX_QUEUED_SECONDS = 5.0
    """Enough lead for smooth playback after a slow sentence; a TTS further ahead waits."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        sample_rate: int = 24000,
        channels: int = 1,
        frame_ms: int = 20,
        interrupt_fade_duration: float = 0.4,
        speaking_grace_period: float = 0.2,
        late_tolerance: float = 0.01,
        max_queued_seconds: float = DEFAULT_MAX_QUEUED_SECONDS,
    ) -> None:
        if interrupt_fade_duration < 0 or speaking_grace_period < 0:
            raise ValueError("interrupt_fade_duration and speaking_grace_period must be >= 0")
        self.loop = loop
        self.format = AudioFormat(sample_rate, channels, frame_ms)
        self.sample_rate = sample_rate
        self.channels = channels
        self.samples = self.format.frame_samples
        self.interrupt_fade_duration = interrupt_fade_duration
        self.speaking_grace_period = speaking_grace_period
        self.pipeline_hooks: Any = None
        self.first_audio_out_time: float | None = None
        self.dropped_bytes = 0
        self.max_queued_seconds = max_queued_seconds
        self._room = asyncio.Event()
        self._room.set()

        self._chunker = FrameChunker(self.format.frame_bytes)
        self._frames: deque[bytes] = deque()
        self._silence = silence(self.format.frame_bytes)
        self._mixer = AudioMixer(self.samples, channels)
        self._pacer = FramePacer(self.format.frame_duration, late_tolerance)
        self._tasks = TaskGroup("vocalis.output_track")
        self._layer_starts: dict[str, int] = {}

        self._paused = False
        self._accepting_audio = True
        self._manual_audio_control = False
        self._synthesis_complete = False
        self._needs_last_audio_callback = False
        self._faded_tail_pending = False
        self._is_speaking = False
        self._last_speaking_time = 0.0
        self._last_out_was_speech = False
        self._ended = False
        self._pts = 0

        self._bytes_pushed = 0
        self._samples_played = 0
        self._played_at_start = 0
        self._pushed_at_start = 0

        self._last_audio_callback: LastAudioCallback | None = None
        self._audio_out_callbacks: list[AudioOutCallback] = []
        self._first_audio_out_callbacks: list[AudioOutCallback] = []
        self._first_out_armed = True
        self._frames_before_utterance = 0

    # ----- writer side ---------------------------------------------------------------------

    async def add_new_bytes(self, audio: BytesLike) -> None:
        """Queue s16 PCM at the track's rate; chunks of any length, odd ones included.

        Dropped (and counted in ``dropped_bytes``) while intake is closed after an interrupt in
        manual mode, or once the track has ended.
        """
        data = as_pcm_bytes(audio)
        while self.queued_seconds > self.max_queued_seconds and not self._ended:
            self._room.clear()
            await self._room.wait()
        if not self._accepting_audio or self._ended:
            self.dropped_bytes += len(data)
            return
        self._bytes_pushed += len(data)
        frames = self._chunker.push(data)
        if frames:
            self._frames.extend(frames)
            if not self._paused:
                self._pacer.wake()

    def mark_synthesis_start(self) -> None:
        """A new utterance begins: restart the played/pushed counts and first-frame tracking."""
        self._played_at_start = self._samples_played
        self._pushed_at_start = self._pushed_samples_total()
        self._synthesis_complete = False
        self._first_out_armed = True
        self._frames_before_utterance = len(self._frames)

    def mark_synthesis_complete(self) -> None:
        """All audio of the utterance is queued: play out its last partial frame, then report
        the end of playback through ``on_last_audio_byte``.

        Fixes two reference gaps: the trailing partial frame is played (zero-padded) instead of
        being stranded, and an utterance that pushed no audio completes at once.
        """
        tail = self._chunker.flush(pad=True)
        if tail is not None:
            self._frames.append(tail)
            if not self._paused:
                self._pacer.wake()
        self._synthesis_complete = True
        pushed_nothing = self._pushed_samples_total() == self._pushed_at_start
        if not self.is_speaking and (self._needs_last_audio_callback or pushed_nothing):
            self._fire_last_audio()

    def on_last_audio_byte(self, callback: LastAudioCallback) -> None:
        """Set the callback (async or sync) run when playback of a completed synthesis ends."""
        self._last_audio_callback = callback
        self._synthesis_complete = False
        self._needs_last_audio_callback = False

    def interrupt(self) -> None:
        """Stop the agent's speech: fade out what is queued over ``interrupt_fade_duration``.

        The first ``interrupt_fade_duration`` seconds of pending audio are kept with an
        exponential fade to zero and the rest is dropped; 0 drops everything at once. A second
        interrupt while that tail is pending keeps it. A paused track is already silent, so it
        is cleared without a tail (no voice fading back in). In manual mode intake stays closed
        until ``enable_audio_input``, so late bytes of the interrupted reply are not played.
        """
        if not self._faded_tail_pending:
            pending = b"".join(self._frames) + trim_partial_sample(
                self._chunker.clear(), self.channels
            )
            self._frames.clear()
            if self.interrupt_fade_duration > 0 and pending and not self._paused:
                fade_frames = max(
                    1, round(self.interrupt_fade_duration / self.format.frame_duration)
                )
                faded = apply_fade_out(
                    pending[: fade_frames * self.format.frame_bytes], self.channels
                )
                tail = FrameChunker(self.format.frame_bytes)
                self._frames.extend(tail.push(faded))
                last = tail.flush(pad=True)
                if last is not None:
                    self._frames.append(last)
                self._faded_tail_pending = True
        self._paused = False
        self._synthesis_complete = False
        self._needs_last_audio_callback = False
        self._accepting_audio = not self._manual_audio_control
        self._first_out_armed = True
        self._frames_before_utterance = len(self._frames)
        self._make_room()
        if self._frames:
            self._last_speaking_time = now()
        else:
            self._is_speaking = False

    def enable_audio_input(self, manual_control: bool = False) -> None:
        """Open intake for a new response; ``manual_control`` keeps it closed after interrupts."""
        self._manual_audio_control = manual_control
        self._accepting_audio = True
        self._faded_tail_pending = False

    def pause(self) -> None:
        """Emit silence but keep queued (and newly added) audio, for false-interruption recovery."""
        self._paused = True

    def resume(self) -> None:
        """Continue playing the kept audio."""
        self._paused = False
        if self._frames:
            self._pacer.wake()

    @property
    def is_paused(self) -> bool:
        return self._paused

    def set_pipeline_hooks(self, hooks: Any) -> None:
        """Keep the pipeline's hooks for components that look them up on the track."""
        self.pipeline_hooks = hooks

    def snapshot_playback(self) -> tuple[int, int]:
        """``(played, pushed)`` samples per channel since ``mark_synthesis_start``."""
        pushed = self._pushed_samples_total() - self._pushed_at_start
        played = self._samples_played - self._played_at_start
        return min(played, pushed), pushed

    @property
    def queued_seconds(self) -> float:
        """Audio queued and not yet handed out."""
        return len(self._frames) * self.format.frame_duration

    def _make_room(self) -> None:
        if not self._room.is_set() and self.queued_seconds <= self.max_queued_seconds:
            self._room.set()

    @property
    def is_speaking(self) -> bool:
        """Audio is queued, or the last speech frame left less than the grace period ago."""
        if self._frames:
            return True
        return self._is_speaking and now() - self._last_speaking_time < self.speaking_grace_period

    # ----- background audio ----------------------------------------------------------------

    def add_background_bytes(self, pcm: BytesLike) -> None:
        """Mix ``pcm`` (track format) under the next outgoing frames."""
        self._mixer.push_bytes(pcm)

    async def start_background(
        self, config: BackgroundAudioConfig, *, layer: str = BACKGROUND_LAYER
    ) -> None:
        """Play ``config``'s sound under speech on ``layer``; decoding runs in a thread."""
        if not config.enabled:
            return
        start_id = self._layer_starts.get(layer, 0) + 1
        self._layer_starts[layer] = start_id
        source = await asyncio.to_thread(
            BackgroundSource.from_config, config, self.sample_rate, self.channels
        )
        if self._layer_starts.get(layer) == start_id and not self._ended:
            self._mixer.play(layer, source)

    def stop_background(self, layer: str = BACKGROUND_LAYER) -> bool:
        """Stop ``layer`` (also one still loading); return whether it was playing."""
        self._layer_starts[layer] = self._layer_starts.get(layer, 0) + 1
        return self._mixer.stop(layer)

    async def start_thinking_audio(self, config: BackgroundAudioConfig | None = None) -> None:
        """Play the thinking sound (default: soft synthetic typing at volume 0.3, looping)."""
        config = config or BackgroundAudioConfig(volume=0.3, looping=True)
        await self.start_background(config, layer=THINKING_LAYER)

    def stop_thinking_audio(self) -> bool:
        return self.stop_background(THINKING_LAYER)

    def is_background_playing(self, layer: str = BACKGROUND_LAYER) -> bool:
        return self._mixer.is_playing(layer)

    # ----- reader side ---------------------------------------------------------------------

    @property
    def readyState(self) -> Literal["live", "ended"]:
        """ "live" or "ended", under the WebRTC track attribute name."""
        return "ended" if self._ended else "live"

    @property
    def late_frames(self) -> int:
        """Paced frames that left later than their due time (underruns)."""
        return self._pacer.late_frames

    @property
    def frames_sent(self) -> int:
        """Paced frames handed out so far."""
        return self._pacer.frames

    async def recv(self, paced: bool = True) -> AudioFrame:
        """The next frame: speech if queued, else silence (or background).

        Paced: waits for the frame's turn on the loop clock. ``paced=False`` returns at once.
        """
        if self._ended:
            raise TrackEndedError("the output track has ended")
        if paced:
            ready = bool(self._frames) and not self._paused
            # Only a track that was silent may cut its wait short: mid-utterance, an empty
            # queue is a TTS that is a little behind, and frames keep their 20 ms pace.
            t = await self._pacer.next_slot(
                idle=not ready and not self._last_out_was_speech,
                start_now=ready and not self._last_out_was_speech,
            )
            if self._ended:
                raise TrackEndedError("the output track has ended")
        else:
            t = now()
        return self._next_frame(t)

    def read_available(self) -> list[AudioFrame]:
        """All queued speech frames at once, unpaced (file transport, tests)."""
        frames: list[AudioFrame] = []
        while self._frames and not self._paused and not self._ended:
            frames.append(self._next_frame(now()))
        return frames

    def on_audio_out(self, callback: AudioOutCallback) -> None:
        """Call ``callback(frame, t)`` for every frame handed out (t: loop time)."""
        self._audio_out_callbacks.append(callback)

    def on_first_audio_out(self, callback: AudioOutCallback) -> None:
        """Call ``callback(frame, t)`` when the first audible frame of each utterance leaves."""
        self._first_audio_out_callbacks.append(callback)

    def remove_audio_out_callback(self, callback: AudioOutCallback) -> None:
        for callbacks in (self._audio_out_callbacks, self._first_audio_out_callbacks):
            if callback in callbacks:
                callbacks.remove(callback)

    def _next_frame(self, t: float) -> AudioFrame:
        speech: bytes | None = None
        if not self._paused:
            if self._frames:
                speech = self._frames.popleft()
                self._make_room()
                self._samples_played += self.samples
                self._is_speaking = True
                self._last_speaking_time = t
            elif (
                self._is_speaking
                and t - self._last_speaking_time >= self.speaking_grace_period - _TIME_EPSILON
            ):
                self._on_speech_ended()
        pcm = self._mixer.mix(speech) if self._mixer.active else speech
        frame = AudioFrame(
            pcm=self._silence if pcm is None else pcm,
            sample_rate=self.sample_rate,
            samples=self.samples,
            pts=self._pts,
            channels=self.channels,
            is_silence=pcm is None or pcm == self._silence,
            is_speech=speech is not None,
        )
        self._pts += self.samples
        self._last_out_was_speech = speech is not None
        if speech is not None and self._first_out_armed:
            self._track_first_audio(speech, frame, t)
        for callback in self._audio_out_callbacks:
            self._call_safely(callback, frame, t)
        return frame

    def _track_first_audio(self, speech: bytes, frame: AudioFrame, t: float) -> None:
        if self._frames_before_utterance > 0:
            self._frames_before_utterance -= 1
            return
        if speech == self._silence or is_silent(speech, AUDIBLE_DBFS):
            return
        self._first_out_armed = False
        self.first_audio_out_time = t
        for callback in self._first_audio_out_callbacks:
            self._call_safely(callback, frame, t)

    def _on_speech_ended(self) -> None:
        self._is_speaking = False
        self._first_out_armed = True
        self._frames_before_utterance = 0
        if self._synthesis_complete:
            self._fire_last_audio()
        else:
            self._needs_last_audio_callback = True

    def _fire_last_audio(self) -> None:
        self._synthesis_complete = False
        self._needs_last_audio_callback = False
        callback = self._last_audio_callback
        if callback is None:
            return
        try:
            result = callback()
        except Exception:
            logger.exception("last-audio callback failed")
            return
        if inspect.isawaitable(result):
            self._tasks.spawn(_await(result), name="vocalis.last_audio_callback")

    @staticmethod
    def _call_safely(callback: AudioOutCallback, frame: AudioFrame, t: float) -> None:
        try:
            callback(frame, t)
        except Exception:
            logger.exception("audio-out callback failed")

    def _pushed_samples_total(self) -> int:
        return self._bytes_pushed // (2 * self.channels)

    # ----- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        """End the track: readers get ``TrackEndedError``, further audio is dropped."""
        self._ended = True
        self._room.set()
        self._pacer.wake(force=True)

    async def cleanup(self) -> None:
        """Interrupt, then stop (the reference's teardown)."""
        self.interrupt()
        self.stop()

    async def aclose(self) -> None:
        """Stop the track, its background audio and any running callback tasks."""
        self.stop()
        self._mixer.stop_all()
        self._frames.clear()
        await self._tasks.aclose()


async def _await(result: Awaitable[None]) -> None:
    await result
