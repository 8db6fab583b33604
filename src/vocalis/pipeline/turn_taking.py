"""Small turn-taking strategies the orchestrator asks: when a user turn ends, whether speech
over the agent is a barge-in, and whether an utterance is only a backchannel."""

from __future__ import annotations

import re
from enum import Enum

from .config import EOUConfig, InterruptConfig

_BACKCHANNELS = frozenset(
    {
        "mm", "mhm", "mm-hmm", "mmhmm", "mm hmm", "uh-huh", "uh huh", "uhhuh", "hmm", "hm",
        "yeah", "yep", "yes", "yup", "ok", "okay", "right", "sure", "i see", "got it",
        "uh", "um", "ah", "oh", "aha", "huh", "cool", "nice", "great", "alright", "all right",
        "mm-hm", "mhmm", "yeah yeah", "okay okay", "right right", "uh-hum",
    }
)
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def count_words(text: str) -> int:
    """Words in a transcript."""
    return len(_WORD.findall(text))


def is_backchannel(text: str) -> bool:
    """True for listener feedback ("mm-hmm", "yeah", "okay") that should not interrupt."""
    normal = " ".join(_WORD.findall(text.lower()))
    if not normal:
        return False
    if normal in _BACKCHANNELS:
        return True
    words = normal.split()
    return len(words) <= 3 and all(w in _BACKCHANNELS for w in words)


class EndOfTurnDelay:
    """How long after the user's last voiced audio to commit their turn (``EOUConfig``)."""

    def __init__(self, config: EOUConfig, threshold: float = 0.7) -> None:
        self._config = config
        self._threshold = threshold

    @property
    def threshold(self) -> float:
        """The turn detector's probability at or above which the user is taken to be done."""
        return self._threshold

    def delay(self, probability: float | None) -> float:
        """Seconds to wait, given the turn detector's probability (None: no detector)."""
        low, high = self._config.min_delay, self._config.max_delay
        if probability is None:
            return low
        p = min(1.0, max(0.0, probability))
        if self._config.mode == "ADAPTIVE":
            return low + (high - low) * (1.0 - p)
        return low if p >= self._threshold else high


class InterruptDecision(Enum):
    NONE = "none"
    PAUSE = "pause"
    INTERRUPT = "interrupt"


class InterruptionPolicy:
    """Decides what user speech over the agent means (``InterruptConfig``).

    The orchestrator reports how long the user has been speaking and what the STT heard; the
    policy answers NONE, PAUSE (tentative: hold the agent's voice) or INTERRUPT (barge-in).
    """

    def __init__(self, config: InterruptConfig, *, has_stt: bool, has_vad: bool) -> None:
        self._config = config
        mode = config.mode
        if mode == "STT_ONLY" and not has_stt:
            mode = "VAD_ONLY"
        if mode in ("VAD_ONLY", "HYBRID") and not has_vad:
            mode = "STT_ONLY" if has_stt else mode
        if mode == "HYBRID" and not has_stt:
            mode = "VAD_ONLY"
        self.mode = mode

    @property
    def config(self) -> InterruptConfig:
        return self._config

    def on_speech_duration(self, seconds: float) -> InterruptDecision:
        """Voiced audio over the agent has lasted ``seconds``."""
        if self.mode == "STT_ONLY" or seconds < self._config.interrupt_min_duration:
            return InterruptDecision.NONE
        if self.mode == "HYBRID" and self._config.resume_on_false_interrupt:
            return InterruptDecision.PAUSE
        return InterruptDecision.INTERRUPT

    def on_transcript(self, text: str, confidence: float) -> InterruptDecision:
        """The STT heard ``text`` while the agent was speaking."""
        if self.mode == "VAD_ONLY":
            return InterruptDecision.NONE
        if is_backchannel(text) or confidence < self._config.interrupt_min_confidence:
            return InterruptDecision.NONE
        if count_words(text) >= self._config.interrupt_min_words:
            return InterruptDecision.INTERRUPT
        return InterruptDecision.NONE
