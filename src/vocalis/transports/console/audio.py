"""``ConsoleAudioRoom``: talk to the agent with the local microphone and speaker (sounddevice).

Needs the ``console`` extra (``sounddevice``, which needs the PortAudio library). There is no
echo cancellation: use headphones, or the agent may hear itself. Transcripts are printed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, TextIO

from ...audio import AudioFrame
from ..base import RoomConnection
from .printer import TranscriptPrinter

MIC_SAMPLE_RATE = 16000
FRAME_MS = 20
MAX_SPEAKER_BUFFER_SECONDS = 2.0


def load_sounddevice() -> Any:
    """Import sounddevice, or raise RuntimeError saying how to get it."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise RuntimeError(
            f"console audio needs sounddevice and PortAudio ({exc}); install vocalis[console] "
            "and libportaudio2, or use the text mode (`vocalis console AGENT_FILE --text`)"
        ) from exc
    return sounddevice


class SpeakerBuffer:
    """Agent PCM waiting for the output device's callback (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self._data = bytearray()
        self._lock = threading.Lock()
        self._max = max_bytes

    def write(self, pcm: bytes) -> None:
        with self._lock:
            self._data.extend(pcm)
            if len(self._data) > self._max:
                del self._data[: len(self._data) - self._max]

    def read_into(self, out: memoryview) -> None:
        with self._lock:
            n = min(len(out), len(self._data))
            out[:n] = self._data[:n]
            del self._data[:n]
        out[n:] = b"\x00" * (len(out) - n)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class ConsoleAudioRoom(RoomConnection):
    """Microphone in (16 kHz mono), speaker out (the agent's 24 kHz voice)."""

    transport = "console"

    def __init__(
        self,
        *,
        input_device: int | str | None = None,
        output_device: int | str | None = None,
        out: TextIO | None = None,
        sounddevice: Any = None,
    ) -> None:
        """``sounddevice`` replaces the real module (for a device driver of your own, or tests)."""
        super().__init__()
        self.input_device = input_device
        self.output_device = output_device
        self.printer = TranscriptPrinter(out)
        self._sd: Any = sounddevice
        self._streams: list[Any] = []
        self._mic: asyncio.Queue[bytes] = asyncio.Queue(maxsize=250)
        self._speaker: SpeakerBuffer | None = None

    async def connect(self) -> None:
        self._sd = self._sd or load_sounddevice()
        self._mark_joined("console")

    def _on_session_attached(self, session: Any) -> None:
        sd = self._sd or load_sounddevice()
        loop = asyncio.get_running_loop()
        track = self.output_track_of(session)
        rate = getattr(track, "sample_rate", 24000)
        self._speaker = SpeakerBuffer(int(rate * 2 * MAX_SPEAKER_BUFFER_SECONDS))

        def on_mic(indata: Any, frames: int, time: Any, status: Any) -> None:
            loop.call_soon_threadsafe(self._offer_mic, bytes(indata))

        def on_speaker(outdata: Any, frames: int, time: Any, status: Any) -> None:
            assert self._speaker is not None
            self._speaker.read_into(memoryview(outdata).cast("B"))

        mic = sd.RawInputStream(
            samplerate=MIC_SAMPLE_RATE, channels=1, dtype="int16", device=self.input_device,
            blocksize=MIC_SAMPLE_RATE * FRAME_MS // 1000, callback=on_mic,
        )
        speaker = sd.RawOutputStream(
            samplerate=rate, channels=1, dtype="int16", device=self.output_device,
            blocksize=rate * FRAME_MS // 1000, callback=on_speaker,
        )
        self._streams = [mic, speaker]
        for stream in self._streams:
            stream.start()
        self._spawn(self._mic_pump(session), name="vocalis.console.mic")
        self._spawn(self._pump_output(session, self._play), name="vocalis.console.speaker")
        self.printer.write("[listening: speak into the microphone, Ctrl+C to quit]")

    def _offer_mic(self, pcm: bytes) -> None:
        if not self._mic.full():
            self._mic.put_nowait(pcm)

    async def _mic_pump(self, session: Any) -> None:
        while True:
            pcm = await self._mic.get()
            await session.push_audio(pcm, MIC_SAMPLE_RATE)

    async def _play(self, frame: AudioFrame) -> None:
        if self._speaker is not None and (frame.is_speech or not frame.is_silence):
            self._speaker.write(bytes(frame.pcm))

    def _on_session_event(self, name: str, payload: Any) -> None:
        if name == "interrupted" and self._speaker is not None:
            self._speaker.clear()
        self.printer.on_event(name, payload)

    async def _close_transport(self, reason: str) -> None:
        for stream in self._streams:
            stream.stop()
            stream.close()
        self._streams = []
