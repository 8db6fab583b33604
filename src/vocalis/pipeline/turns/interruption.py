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
        "yeah", "yep", "yes", "yup", "ok", "okay", "right", "sure", "i see", "got it", "gotcha",
        "uh", "um", "ah", "oh", "aha", "huh", "cool", "nice", "great", "alright", "all right",
        "mm-hm", "mhmm", "yeah yeah", "okay okay", "right right", "uh-hum", "ha", "haha",
        "ha ha", "hehe", "mm-mm", "uh-uh", "oh right", "oh okay", "i know", "true", "exactly",
        "totally", "indeed", "wow", "oh wow", "sounds good", "that's right", "fair enough",
    }
)
_HUM = re.compile(r"^(?:[mhn]+|[ua]+h*|a?h+a?|m+[-]?[hmn]*[-]?m*[aou]?|(?:ha)+|(?:he)+|[mhkn]-?)$")
"""A token that is a hum or a laugh the STT spelled out ("mmm", "mm-ma", "ahh", "hahaha")."""
_WORD = re.compile(r"[\w'-]+", re.UNICODE)

INTERRUPTION_CUES = frozenset(
    {
        "stop", "wait", "hold", "hang", "no", "nope", "actually", "sorry", "excuse", "listen",
        "hey", "pardon", "cancel", "enough", "quiet", "shut",
    }
)
"""Words that open a real interruption ("wait", "stop", "hold on", "actually, no")."""

FUNCTION_WORDS = frozenset(
    {
        "and", "then", "so", "but", "or", "the", "a", "an", "to", "of", "in", "on", "at", "it",
        "is", "that", "this", "i", "you", "we", "he", "she", "they", "me", "my", "well", "like",
        "just", "now", "um", "uh", "er",
    }
)
"""Words that carry nothing alone: a weak STT's "and then" over a hum is made only of these."""


def count_words(text: str) -> int:
    """Words in a transcript."""
    return len(_WORD.findall(text))


def _words(text: str) -> list[str]:
    return [w.strip("-'") for w in _WORD.findall(text.lower()) if w.strip("-'")]


def is_backchannel(text: str) -> bool:
    """True for listener feedback ("mm-hmm", "yeah", "okay") that should not interrupt."""
    return BackchannelDetector().is_backchannel(text)


class BackchannelDetector:
    """Listener feedback by its words: short, made only of backchannel words or hums."""

    def __init__(self, words: frozenset[str] = _BACKCHANNELS, max_words: int = 3) -> None:
        self.words = words
        self.max_words = max_words

    def is_backchannel(self, text: str) -> bool:
        words = _words(text)
        if not words:
            return False
        if " ".join(words) in self.words:
            return True
        return len(words) <= self.max_words and all(
            w in self.words or _HUM.match(w) for w in words
        )


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
    audio_verdict: bool | None = None
    """The audio classifier's verdict: an interruption (True), not one (False), unknown (None)."""
    audio_peak: float | None = None
    """The classifier's highest probability over the whole overlap (known once it ended)."""
    paused: bool = False
    """The agent's voice is already held for this overlap."""


class InterruptionStrategy:
    """Decides what an overlap means under ``InterruptConfig`` (see its docstring for modes).

    HYBRID, beyond the reference: a word that opens an interruption ("wait", "stop",
    "actually") interrupts at once, even as interim text. Other words decide once final, or
    as interim text once the overlap lasts ``short_overlap`` seconds; a short overlap needs at
    least ``short_overlap_words`` of them heard with ``short_overlap_confidence``, one of them
    more than a function word ("and then" alone is what a weak STT makes of a hum).
    A weak STT turns "mm-hmm" into "and then" or "done", at low confidence; that must not cut the
    agent off. With an audio classifier, a confident "interruption" (``interrupt_threshold``)
    holds the agent's voice at once, and an overlap it never scored above ``veto_threshold`` is
    not an interruption, whatever was transcribed. ``strict_short_overlaps=False`` restores the
    reference's rule (``interrupt_min_words`` words always interrupt).
    """

    def __init__(
        self,
        config: InterruptConfig,
        *,
        has_stt: bool,
        has_vad: bool,
        backchannel: BackchannelDetector | None = None,
        veto_threshold: float = 0.1,
        min_audio_seconds: float = 0.3,
        strict_short_overlaps: bool = True,
        short_overlap: float = 1.0,
        short_overlap_words: int = 2,
        short_overlap_confidence: float = 0.45,
    ) -> None:
        self.config = config
        self.backchannel = backchannel or BackchannelDetector()
        self.veto_threshold = veto_threshold
        self.min_audio_seconds = min_audio_seconds
        self.strict_short_overlaps = strict_short_overlaps
        self.short_overlap = short_overlap
        self.short_overlap_words = short_overlap_words
        self.short_overlap_confidence = short_overlap_confidence
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
        if self.mode == "STT_ONLY":
            return self._by_reference_words(overlap)
        if overlap.text:
            return self._by_words(overlap)
        if self._sounds_like_interruption(overlap):
            return InterruptDecision.PAUSE
        return self._by_duration(overlap)

    def _by_words(self, overlap: Overlap) -> InterruptDecision:
        """Words decide: an opening cue at once; other words once final, or as interim text
        once the overlap is long (a weak STT's interim text over a short hum is too often
        garbage), unless the classifier vetoed the overlap."""
        confident = overlap.confidence >= self.config.interrupt_min_confidence
        if confident and self._has_cue(overlap.text):
            return InterruptDecision.INTERRUPT
        if not overlap.final and overlap.seconds < self.short_overlap:
            return self._by_duration(overlap)
        vetoed = overlap.audio_peak is not None and overlap.audio_peak < self.veto_threshold
        if not vetoed and confident and self._convincing(overlap):
            return InterruptDecision.INTERRUPT
        if overlap.final:
            return InterruptDecision.BACKCHANNEL  # the whole overlap said nothing worth stopping for
        return self._by_duration(overlap)

    def _convincing(self, overlap: Overlap) -> bool:
        words = count_words(overlap.text)
        if not self.strict_short_overlaps or overlap.seconds >= self.short_overlap:
            return words >= self.config.interrupt_min_words or (overlap.paused and words > 0)
        return (
            words >= max(self.short_overlap_words, self.config.interrupt_min_words)
            and overlap.confidence >= self.short_overlap_confidence
            and any(w not in FUNCTION_WORDS for w in _words(overlap.text))
        )

    @staticmethod
    def _has_cue(text: str) -> bool:
        return any(w in INTERRUPTION_CUES for w in _words(text))

    def _sounds_like_interruption(self, overlap: Overlap) -> bool:
        return bool(overlap.audio_verdict) and overlap.seconds >= self.min_audio_seconds

    def _by_reference_words(self, overlap: Overlap) -> InterruptDecision:
        if overlap.confidence < self.config.interrupt_min_confidence:
            return InterruptDecision.NONE
        if count_words(overlap.text) >= self.config.interrupt_min_words:
            return InterruptDecision.INTERRUPT
        return InterruptDecision.NONE

    def _by_duration(self, overlap: Overlap) -> InterruptDecision:
        if overlap.seconds < self.config.interrupt_min_duration:
            return InterruptDecision.NONE
        if self.mode == "HYBRID" and self.config.resume_on_false_interrupt:
            return InterruptDecision.PAUSE
        return InterruptDecision.INTERRUPT
