"""Vocalis audio layer."""
