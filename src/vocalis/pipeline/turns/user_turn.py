"""``UserTurnDraft``: the user's turn while it is being heard, before it is committed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UserTurnDraft:
    """Final transcripts so far, the interim text still being transcribed, and the timing."""

    parts: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    interim: str = ""
    speech_end_at: float | None = None
    """Clock reading of the last voiced sample (as the VAD placed it)."""
    vad_end_at: float | None = None
    """When the VAD decided the speech had ended (``speech_end_at`` + its silence window)."""
    stt_final_at: float | None = None
    ending_confidence: float | None = None
    """The STT's confidence in the last word of the latest final part (None: not scored)."""

    @property
    def text(self) -> str:
        return " ".join(self.parts).strip()

    @property
    def has_words(self) -> bool:
        return bool(self.parts or self.interim)

    @property
    def confidence(self) -> float | None:
        return sum(self.confidences) / len(self.confidences) if self.confidences else None

    def add_final(
        self, text: str, confidence: float, at: float, ending_confidence: float | None = None
    ) -> None:
        self.parts.append(text)
        self.confidences.append(confidence)
        self.interim = ""
        self.stt_final_at = at
        self.ending_confidence = ending_confidence

    def promote_interim(self, at: float) -> None:
        """The final transcript never came: the interim text stands in for it."""
        if self.interim:
            self.add_final(self.interim, 0.0, at)

    def take(self) -> tuple[str, float | None]:
        """The text and confidence of the turn; the draft starts over (timing is kept)."""
        text, confidence = self.text, self.confidence
        self.parts, self.confidences = [], []
        self.ending_confidence = None
        return text, confidence
