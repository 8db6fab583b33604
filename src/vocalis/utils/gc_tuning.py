"""Garbage-collector settings for a process that paces realtime audio.

A full collection walks every live object; with hundreds of sessions in one process that is
tens of milliseconds during which no audio frame leaves. ``tune_gc_for_realtime`` collects once,
freezes everything alive so far (modules, loaded models) out of later collections, and makes
collections rarer. Call it once, after the models are loaded (``vocalis serve`` does).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations between young-generation collections (CPython's default is 700)."""


def tune_gc_for_realtime(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Collect, freeze the survivors, and space collections out (process-wide; idempotent)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, 50, 1000)
