"""Vocalis transports layer."""
