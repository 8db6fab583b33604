"""Schema migrations with Alembic, run from code on an async engine.

``upgrade(engine)`` brings any database to the newest revision (``migrations/versions``); it is
idempotent and runs in one transaction (PostgreSQL's DDL is transactional). A new revision: add
a file to ``migrations/versions`` (``script.py.mako`` is the template) with ``down_revision``
set to the newest one, and change ``schema.py`` to match; ``tests/storage`` checks that the two
agree.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config(connection: Any = None) -> Config:
    """Alembic's configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location",
                           str(resources.files("vocalis.storage") / "migrations"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine) -> None:
    """Migrate the database to the newest schema."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _upgrade(connection: Any) -> None:
    command.upgrade(alembic_config(connection), "head")
