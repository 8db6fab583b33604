"""Vocalis text layer."""
