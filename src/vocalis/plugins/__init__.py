"""Vocalis plugins layer."""
