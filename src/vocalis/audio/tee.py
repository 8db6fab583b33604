"""An output track that also hands the agent's audio to sinks (avatars, recorders, speakers).

Follows the reference's tee tracks: each chunk written to the track is forwarded to every sink,
and while a sink is attached the track itself sends silence, because the sink (an avatar
server, say) publishes the audio and sending it here too would play it twice.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable
from typing import Any

from .frames import AudioFrame, BytesLike, as_pcm_bytes
from .output_track import OutputTrack

logger = logging.getLogger("vocalis.audio")


class TeeOutputTrack(OutputTrack):
    """``OutputTrack`` that forwards written audio to sinks and silences its own output.

    A sink is an object with ``async handle_audio_input(pcm)`` or a callable (sync or async)
    taking the PCM bytes. A failing sink is logged and the audio goes on.
    """

    def __init__(self, *args: Any, sinks: Iterable[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sinks: list[Any] = []
        for sink in sinks or ():
            self.add_sink(sink)

    def add_sink(self, sink: Any) -> None:
        """Attach ``sink`` (once)."""
        if sink not in self.sinks:
            self.sinks.append(sink)

    def remove_sink(self, sink: Any) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)

    async def add_new_bytes(self, audio: BytesLike) -> None:
        """Queue the audio as usual, then give the same bytes to every sink."""
        data = bytes(as_pcm_bytes(audio))
        accepted = self._accepting_audio
        await super().add_new_bytes(data)
        if not accepted:
            return
        for sink in list(self.sinks):
            try:
                await _deliver(sink, data)
            except Exception:
                logger.exception("audio sink failed (audio will continue)")

    def _next_frame(self, t: float) -> AudioFrame:
        """The next frame; all-silent while sinks are attached (state still advances)."""
        frame = super()._next_frame(t)
        if not self.sinks or frame.is_silence:
            return frame
        return AudioFrame(
            pcm=self._silence,
            sample_rate=frame.sample_rate,
            samples=frame.samples,
            pts=frame.pts,
            channels=frame.channels,
            is_silence=True,
            is_speech=frame.is_speech,
        )


async def _deliver(sink: Any, pcm: bytes) -> None:
    handler = getattr(sink, "handle_audio_input", None)
    if handler is not None:
        result = handler(pcm)
    elif callable(sink):
        result = sink(pcm)
    else:
        raise TypeError(f"audio sink {sink!r} has no handle_audio_input and is not callable")
    if inspect.isawaitable(result):
        await result


CustomAudioStreamTrack = OutputTrack
"""The reference's name for the agent's output track (``CustomAudioStreamTrack(loop)``)."""


class TeeCustomAudioStreamTrack(TeeOutputTrack):
    """The reference's tee track: ``TeeCustomAudioStreamTrack(loop, sinks=None, pipeline=None)``."""

    def __init__(
        self, loop: Any = None, sinks: Iterable[Any] | None = None, pipeline: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(loop, sinks=sinks, **kwargs)
        self.pipeline = pipeline


TeeMixingCustomAudioStreamTrack = TeeCustomAudioStreamTrack
"""Every Vocalis output track mixes background audio, so the mixing tee is the same track."""
