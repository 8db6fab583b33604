"""Vocalis testing layer."""
