"""What the agent hears, per transport and input rate, against the offline yardstick.

A caller says a few sentences (Piper and espeak-ng voices) through a path at a rate, with the
echo agent told to stay silent; what reached its LLM is compared with the same Whisper model
decoding the same received audio offline (``benchmarks/quality/yardstick``).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.quality.clips import clip
from benchmarks.quality.file_call import run_file
from benchmarks.quality.lines import open_line
from benchmarks.quality.microphone import Clip, Microphone
from benchmarks.quality.record import CallRecord
from benchmarks.quality.scoring import WordErrors, normalize
from benchmarks.quality.server import llm_turns, read_log
from benchmarks.quality.yardstick import OfflineWhisper, received_by_server, segment

MATERIAL = (
    ("espeak-us", "What is the weather like in Paris today?"),
    ("espeak-gb-f", "My name is Alice and I live in Berlin."),
    ("espeak-gb-f", "Please send twenty dollars to my brother James."),
    ("piper-joe", "Wait, stop, I have a different question."),
)
"""Voices and sentences the shared-resampler defect garbles at every rate but 16 kHz (Piper
alone survives it: clean, band-limited speech is what the old tests used)."""
LEAD = 0.6
GAP = 1.6
"""Silence after each sentence: the turn is committed before the next one starts."""
SETTLE = 15.0
"""At most this long after the last sentence for every sentence to reach the LLM (a loaded
machine commits turns seconds late; the wait ends as soon as they are all there)."""
MAX_WER = 0.05
QUIET = 3.0
"""Seconds without a new turn after which the sentences are taken as all heard."""


@dataclass
class Hearing:
    """What the LLM received and what the offline decode heard, for one call."""

    heard: str
    offline: str
    turns: int

    @property
    def wer(self) -> float:
        errors = WordErrors()
        errors.add(self.offline, self.heard)
        return errors.errors / max(errors.words, 1)

    @property
    def matches(self) -> bool:
        return normalize(self.heard) == normalize(self.offline) or self.wer <= MAX_WER

    def __str__(self) -> str:
        return f"offline: {self.offline!r}\nreached the LLM: {self.heard!r} (WER {self.wer:.3f})"


class Yardstick:
    """Offline decodes, cached by the audio decoded (the same clip at the same rate is the
    same audio on ``/ws`` and in file mode)."""

    def __init__(self) -> None:
        self._whisper: OfflineWhisper | None = None
        self._cache: dict[str, str] = {}

    def decode(self, record: CallRecord) -> str:
        if self._whisper is None:
            self._whisper = OfflineWhisper()
        received = received_by_server(record.path, record.sent, record.rate)
        texts = []
        for utterance in record.utterances:
            audio = segment(received, record.rate, utterance)
            key = hashlib.sha1(audio.tobytes()).hexdigest()
            if key not in self._cache:
                self._cache[key] = self._whisper(audio)
            texts.append(self._cache[key])
        return " ".join(texts)


def material(rate: int) -> list[Clip]:
    return [clip("turn", text, voice, rate) for voice, text in MATERIAL]


async def _say_all(mic: Microphone, clips: list[Clip]) -> None:
    await asyncio.sleep(LEAD)
    for c in clips:
        await mic.say(c)
        await asyncio.sleep(GAP)


async def _wait_for_turns(log: Path, call_id: str, deadline: float) -> None:
    """Until nearly every word reached the LLM, or as many turns as sentences and none new for
    ``QUIET`` seconds (a sentence the caller paused in arrives as two turns: the second half
    must not be left out because the first half completed the count)."""
    words = sum(len(text.split()) for _, text in MATERIAL)
    count, changed = 0, time.time()
    while time.time() < deadline:
        turns = llm_turns(read_log(log, call_id))
        if len(turns) != count:
            count, changed = len(turns), time.time()
        heard = sum(len(t.text.split()) for t in turns)
        if heard >= 0.9 * words or (count >= len(MATERIAL) and time.time() - changed >= QUIET):
            return
        await asyncio.sleep(0.2)


async def call_live(base_url: str, log: Path, path: str, rate: int) -> CallRecord:
    """Say ``MATERIAL`` over a live path at ``rate``; the record of the call."""
    mic = Microphone(rate)
    call_id = f"hear-{path}-{rate}-{uuid.uuid4().hex[:6]}"
    async with open_line(path, base_url, mic, call_id, reply="none") as line:
        await _say_all(mic, material(rate))
        await _wait_for_turns(log, call_id, time.time() + SETTLE)
    record = CallRecord(path, "clean", rate, mic.sent(), mic.utterances, line.agent)
    record.llm_turns = llm_turns(read_log(log, call_id))
    return record


async def call_file(workdir: Path, rate: int) -> CallRecord:
    """Say ``MATERIAL`` in a WAV at ``rate`` and run ``vocalis run`` on it."""
    mic = Microphone(rate)
    clips = material(rate)
    index = 0

    def advance(seconds: float) -> None:
        nonlocal index
        for _ in range(round(seconds / 0.02)):
            mic.next_frame(wall=index * 0.02)
            index += 1

    advance(LEAD)
    for c in clips:
        mic.queue(c)
        while mic.busy:
            advance(0.02)
        advance(GAP)
    advance(SETTLE / 2)
    return await run_file(mic, workdir, f"hear-file-{rate}", reply="none")


def hearing(record: CallRecord, yardstick: Yardstick) -> Hearing:
    heard = " ".join(t.text for t in record.llm_turns)
    return Hearing(heard, yardstick.decode(record), len(record.llm_turns))
