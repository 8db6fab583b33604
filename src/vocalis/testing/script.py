"""What the simulated user says and when: the script the fake audio, VAD and STT share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SCRIPT_SAMPLE_RATE = 16000
SPEECH_AMPLITUDE = 3000
SECONDS_PER_WORD = 0.3


@dataclass
class Utterance:
    """One stretch of user sound: words (``text``), or a noise with no words (``text=""``)."""

    text: str
    start: float
    duration: float
    preflight: bool = False
    final_text: str | None = None
    """What the final transcript says, when it differs from the interim words (``""``: the
    final decode hears nothing, as Whisper's may on a hum its quick interim spelled out)."""

    ending_confidence: float | None = None
    """The STT's confidence in the last word (default: the FakeSTT's confidence)."""

    @property
    def final(self) -> str:
        return self.text if self.final_text is None else self.final_text

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass
class UserScript:
    """A timeline of what the user says, in seconds from the start of the call.

    >>> user = UserScript().says("I'd like to book a table", at=1.0).coughs(at=6.0)
    """

    utterances: list[Utterance] = field(default_factory=list)

    def says(
        self, text: str, *, at: float, duration: float | None = None, preflight: bool = False,
        final_text: str | None = None, ending_confidence: float | None = None,
    ) -> UserScript:
        """The user says ``text`` starting at ``at`` (duration defaults to 0.3 s a word);
        ``final_text`` is what the STT's final makes of it, if not ``text``, and
        ``ending_confidence`` how sure the STT is of its last word."""
        if duration is None:
            duration = max(0.4, SECONDS_PER_WORD * len(text.split()))
        self.utterances.append(
            Utterance(text, at, duration, preflight, final_text, ending_confidence))
        self.utterances.sort(key=lambda u: u.start)
        return self

    def coughs(self, *, at: float, duration: float = 0.6) -> UserScript:
        """A sound with no words (a cough, a door): the STT transcribes nothing."""
        return self.says("", at=at, duration=duration)

    @property
    def end(self) -> float:
        return max((u.end for u in self.utterances), default=0.0)

    def utterance_at(self, t: float) -> Utterance | None:
        for u in self.utterances:
            if u.start <= t < u.end:
                return u
        return None

    def audio(self, start: float, duration: float, rate: int = SCRIPT_SAMPLE_RATE) -> bytes:
        """16-bit PCM for ``[start, start + duration)``: a tone while the user makes sound."""
        n = round(duration * rate)
        out = np.zeros(n, dtype=np.int16)
        for u in self.utterances:
            lo = max(start, u.start)
            hi = min(start + duration, u.end)
            if hi <= lo:
                continue
            i0 = round((lo - start) * rate)
            i1 = min(n, round((hi - start) * rate))
            t = (np.arange(i0, i1) / rate) + start
            out[i0:i1] = (SPEECH_AMPLITUDE * np.sin(2 * np.pi * 180.0 * t)).astype(np.int16)
        return out.tobytes()
