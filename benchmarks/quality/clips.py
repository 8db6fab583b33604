"""Clips for the steps of a call, at the rate a path sends."""

from __future__ import annotations

import numpy as np

from .corpus import Step
from .microphone import Clip
from .speech import synthesize, voice_named, voiced_span


def clip(kind: str, text: str, voice: str, rate: int) -> Clip:
    """``text`` said by ``voice`` at ``rate``."""
    audio = synthesize(voice_named(voice), text, rate)
    return Clip(kind, text, voice, audio, voiced_span(audio, rate))


def pause_clip(step: Step, rate: int) -> Clip:
    """Both halves of a pause sentence with ``step.pause`` seconds of silence between the last
    voiced sound of the first half and the first of the second."""
    first = synthesize(voice_named(step.voice), step.text, rate)
    second = synthesize(voice_named(step.voice), step.second_half, rate)
    a_start, a_end = voiced_span(first, rate)
    b_start, b_end = voiced_span(second, rate)
    tail = len(first) / rate - a_end
    gap = max(0.0, step.pause - tail - b_start)
    audio = np.concatenate([first, np.zeros(round(gap * rate), dtype=np.float32), second])
    offset = len(first) / rate + gap
    return Clip("pause", step.full_text, step.voice, audio, (a_start, offset + b_end))


def step_clips(step: Step, rate: int) -> tuple[Clip, list[Clip]]:
    """The main clip of ``step`` and the clips spoken over the agent's answer."""
    if step.kind == "pause":
        main = pause_clip(step, rate)
    else:
        main = clip("trigger" if step.kind == "story" else "turn", step.text, step.voice, rate)
    overlay = [clip(step.overlay_kind, text, step.voice, rate) for text in step.overlay]
    return main, overlay
