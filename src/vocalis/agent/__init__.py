"""Vocalis agent layer."""
