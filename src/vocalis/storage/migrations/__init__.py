"""Alembic migrations of the call history schema (run by ``vocalis.storage.migrate``)."""
