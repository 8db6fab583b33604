"""Databases for the storage tests: a SQLite file, and a real PostgreSQL server (slow)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from tests.storage.postgres import PostgresServer, find_bin_dir


@pytest.fixture(scope="session")
def postgres():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer(bin_dir).init()
    yield server
    server.destroy()


async def new_postgres_database(server: PostgresServer) -> str:
    """A fresh database on ``server``; its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(server.url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return server.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'calls.db'}"
    return asyncio.run(new_postgres_database(request.getfixturevalue("postgres")))
