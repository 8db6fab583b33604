"""What user speech over the agent means: small strategies the barge-in logic asks.

``BackchannelDetector`` says whether words are only listener feedback ("mm-hmm", "yeah").
``InterruptionStrategy`` turns what is known about an overlap (how long the user has spoken,
what the STT heard, how sure it is, what an audio classifier thinks) into a decision: nothing,
a tentative pause, a confirmed interruption, or a backchannel. Both can be replaced
(``Pipeline(interruption=..., backchannel=...)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..config import InterruptConfig

_BACKCHANNELS = frozenset(
    {
        "mm", "mhm", "mm-hmm", "mmhmm", "mm hmm", "uh-huh", "uh huh", "uhhuh", "hmm", "hm",
        "yeah", "yep", "yes", "yup", "ok", "okay", "right", "sure", "i see", "got it",
        "uh", "um", "ah", "oh", "aha", "huh", "cool", "nice", "great", "alright", "all right",
        "mm-hm", "mhmm", "yeah yeah", "okay okay", "right right", "uh-hum", "ha", "haha",
        "ha ha", "hehe",
    }
)
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def count_words(text: str) -> int:
    """Words in a transcript."""
    return len(_WORD.findall(text))


def is_backchannel(text: str) -> bool:
    """True for listener feedback ("mm-hmm", "yeah", "okay") that should not interrupt."""
    return BackchannelDetector().is_backchannel(text)


class BackchannelDetector:
    """Listener feedback by its words: short, and made only of backchannel words."""

    def __init__(self, words: frozenset[str] = _BACKCHANNELS, max_words: int = 3) -> None:
        self.words = words
        self.max_words = max_words

    def is_backchannel(self, text: str) -> bool:
        normal = " ".join(_WORD.findall(text.lower()))
        if not normal:
            return False
        if normal in self.words:
            return True
        words = normal.split()
        return len(words) <= self.max_words and all(w in self.words for w in words)


class InterruptDecision(Enum):
    NONE = "none"
    PAUSE = "pause"
    INTERRUPT = "interrupt"
    BACKCHANNEL = "backchannel"


@dataclass(frozen=True)
class Overlap:
    """What is known about the user's speech over the agent, so far."""

    seconds: float
    """Voiced audio since the user started, in seconds."""
    text: str = ""
    confidence: float = 1.0
    final: bool = False
    audio_probability: float | None = None
    """The audio classifier's probability that this is a real interruption (None: no model)."""
    paused: bool = False
    """The agent's voice is already held for this overlap: any real word confirms it."""


class InterruptionStrategy:
    """Decides what an overlap means under ``InterruptConfig`` (see its docstring for modes).

    With an audio classifier (``audio_probability``) the decision also rests on the sound of
    the overlap: a confident "interruption" confirms a barge-in before any words arrive, and a
    confident "backchannel" keeps a weak STT's misheard "and then" from cutting the agent off.
    """

    def __init__(
        self,
        config: InterruptConfig,
        *,
        has_stt: bool,
        has_vad: bool,
        backchannel: BackchannelDetector | None = None,
        interrupt_threshold: float = 0.5,
        backchannel_threshold: float = 0.5,
    ) -> None:
        self.config = config
        self.backchannel = backchannel or BackchannelDetector()
        self.interrupt_threshold = interrupt_threshold
        self.backchannel_threshold = backchannel_threshold
        mode = config.mode
        if mode == "STT_ONLY" and not has_stt:
            mode = "VAD_ONLY"
        if mode in ("VAD_ONLY", "HYBRID") and not has_vad:
            mode = "STT_ONLY" if has_stt else mode
        if mode == "HYBRID" and not has_stt:
            mode = "VAD_ONLY"
        self.mode = mode

    def decide(self, overlap: Overlap) -> InterruptDecision:
        """The meaning of ``overlap`` now (called on every new fact about it)."""
        if self.mode == "VAD_ONLY":
            return self._by_duration(overlap)
        if overlap.text and self.backchannel.is_backchannel(overlap.text):
            return InterruptDecision.BACKCHANNEL
        words = count_words(overlap.text)
        p = overlap.audio_probability
        if p is not None and words and p < 1.0 - self.backchannel_threshold and words <= 2:
            return InterruptDecision.BACKCHANNEL  # it sounds like "mm-hmm", whatever was heard
        if self.mode == "STT_ONLY":
            return self._by_words(overlap, words)
        if p is not None and p >= self.interrupt_threshold and (
            overlap.seconds >= self._min_audio or words
        ):
            return InterruptDecision.INTERRUPT
        by_words = self._by_words(overlap, words)
        if by_words is not InterruptDecision.NONE:
            return by_words
        return self._by_duration(overlap)

    @property
    def _min_audio(self) -> float:
        """Voiced audio the classifier needs before its word can stand alone."""
        return min(0.3, self.config.interrupt_min_duration)

    def _by_words(self, overlap: Overlap, words: int) -> InterruptDecision:
        if overlap.confidence < self.config.interrupt_min_confidence or not words:
            return InterruptDecision.NONE
        if words >= self.config.interrupt_min_words or overlap.paused:
            return InterruptDecision.INTERRUPT
        return InterruptDecision.NONE

    def _by_duration(self, overlap: Overlap) -> InterruptDecision:
        if overlap.seconds < self.config.interrupt_min_duration:
            return InterruptDecision.NONE
        if self.mode == "HYBRID" and self.config.resume_on_false_interrupt:
            return InterruptDecision.PAUSE
        return InterruptDecision.INTERRUPT
