"""Vocalis metrics layer."""
