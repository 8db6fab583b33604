"""Turn-taking options: when the user's turn ends and what counts as an interruption.

Every default is written once here with the reason for it. They match the reference except
``resume_on_false_interrupt``, which is on by default: a cough or an "mm-hmm" pauses the agent
and, when no real words follow, the agent resumes where it stopped instead of going silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EOUMode = Literal["DEFAULT", "ADAPTIVE"]
InterruptMode = Literal["VAD_ONLY", "STT_ONLY", "HYBRID"]


@dataclass
class EOUConfig:
    """How long to wait after the user's last voiced audio before answering.

    ``min_max_speech_wait_timeout`` is ``[min, max]`` seconds. DEFAULT waits ``min`` when the
    turn detector says the user is done (or when there is no turn detector) and ``max`` when it
    says they are not. ADAPTIVE interpolates: ``min + (max - min) * (1 - p)``. The wait counts
    from the end of the user's speech, so the VAD's own silence window is not added on top.

    ``min_ending_confidence`` (beyond the reference; 0, off, by default): a turn whose last word
    the STT heard with less confidence than this is not trusted to be finished, whatever the
    turn detector says. A weak STT decodes the first half of a sentence, cut by a pause, into a
    whole one ("We need a taxi for" heard as "We need a taxi call."), and its last word is then
    the one it is least sure of. Needs an STT that scores words (Whisper, Deepgram).
    """

    mode: EOUMode = "DEFAULT"
    min_max_speech_wait_timeout: list[float] | tuple[float, float] = field(
        default_factory=lambda: [0.5, 0.8]
    )
    min_ending_confidence: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in ("DEFAULT", "ADAPTIVE"):
            raise ValueError(f"EOUConfig.mode must be 'DEFAULT' or 'ADAPTIVE', got {self.mode!r}")
        value = self.min_max_speech_wait_timeout
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ValueError("min_max_speech_wait_timeout must be a list or tuple of 2 numbers")
        low, high = value
        if not all(isinstance(v, (int, float)) for v in (low, high)):
            raise ValueError("min_max_speech_wait_timeout values must be numbers")
        if low < 0 or high < 0 or low > high:
            raise ValueError("min_max_speech_wait_timeout must satisfy 0 <= min <= max")
        if not 0.0 <= self.min_ending_confidence <= 1.0:
            raise ValueError("min_ending_confidence must be between 0 and 1")

    @property
    def min_delay(self) -> float:
        return float(self.min_max_speech_wait_timeout[0])

    @property
    def max_delay(self) -> float:
        return float(self.min_max_speech_wait_timeout[1])


@dataclass
class InterruptConfig:
    """When user speech over the agent is a real barge-in.

    - ``VAD_ONLY``: ``interrupt_min_duration`` seconds of voiced audio interrupt.
    - ``STT_ONLY``: ``interrupt_min_words`` transcribed words (confidence at least
      ``interrupt_min_confidence``) interrupt.
    - ``HYBRID`` (default): enough voiced audio pauses the agent; real words (not a
      backchannel such as "mm-hmm") confirm the interruption. Without words, the pause is a
      false interruption and the agent resumes after ``false_interrupt_pause_duration``.
    ``interrupt_fade_duration`` fades the agent's voice out instead of cutting it.
    """

    mode: InterruptMode = "HYBRID"
    interrupt_min_duration: float = 0.5
    interrupt_min_words: int = 2
    interrupt_min_confidence: float = 0.0
    false_interrupt_pause_duration: float = 2.0
    resume_on_false_interrupt: bool = True
    interrupt_fade_duration: float = 0.4

    def __post_init__(self) -> None:
        if self.mode not in ("VAD_ONLY", "STT_ONLY", "HYBRID"):
            raise ValueError(
                f"InterruptConfig.mode must be VAD_ONLY, STT_ONLY or HYBRID, got {self.mode!r}"
            )
        if self.interrupt_min_duration <= 0:
            raise ValueError("interrupt_min_duration must be > 0")
        if self.interrupt_min_words <= 0:
            raise ValueError("interrupt_min_words must be > 0")
        if not 0.0 <= self.interrupt_min_confidence <= 1.0:
            raise ValueError("interrupt_min_confidence must be within 0.0..1.0")
        if self.false_interrupt_pause_duration <= 0:
            raise ValueError("false_interrupt_pause_duration must be > 0")
        if self.interrupt_fade_duration < 0:
            raise ValueError("interrupt_fade_duration must be >= 0")
