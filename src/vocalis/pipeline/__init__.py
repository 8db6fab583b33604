"""Vocalis pipeline layer."""
