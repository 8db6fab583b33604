"""The sound clips Vocalis bundles (royalty-free: synthesized by ``tools/make_sound_clips.py``),
as the reference's ``resources/`` files: keyboard typing for thinking, office ambience for
background, and hold music for transfers."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"

AGENT_KEYBOARD = RESOURCES / "agent-keyboard.ogg"
"""Soft key clicks in bursts (8 s loop): the default thinking sound."""

OFFICE_NOISE = RESOURCES / "office-noise.ogg"
"""Room tone, ventilation hum and faint murmur (12 s loop): the default background."""

HOLD_MUSIC = RESOURCES / "hold-music.ogg"
"""A calm electric-piano progression (16 s loop): what a caller on hold hears."""
