"""Native Tortoise migrations: an empty database migrated from `migrations/` matches the models.

The autodetector is the one `tortoise makemigrations` runs: if it would write a migration,
a model changed without one. The applied list must equal the files, so that the server's
start-up (which applies them) and `/readyz` agree with what is on disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.recorder import MigrationRecorder

from app.db import apply_migrations, pending_migrations, tortoise_config
from app.settings import Settings
from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
async def migrated(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str
) -> AsyncIterator[Settings]:
    """A database that was empty, migrated by the same call the server makes at start."""
    if request.param == "postgres":
        settings = Settings(database_url=postgres_url)
    else:
        settings = Settings(database_url=f"sqlite://{tmp_path / 'fresh.sqlite3'}")
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    if not settings.is_sqlite:
        # This run's own database (see conftest): emptied here, migrated again below.
        await get_connection("default").execute_script(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )
    try:
        await apply_migrations(settings)
        yield settings
    finally:
        await Tortoise.close_connections()


def migration_files(repo_root: Path) -> list[str]:
    return sorted(f"models.{path.stem}" for path in (repo_root / "migrations").glob("[0-9]*.py"))


async def test_models_need_no_migration_that_is_not_on_disk(migrated: Settings) -> None:
    apps = tortoise_config(migrated)["apps"]
    detector = MigrationAutodetector(Tortoise.apps, apps)

    writers = await detector.changes()

    assert [w.name for w in writers] == [], (
        "the models differ from migrations/: run `tortoise makemigrations` and review it"
    )


async def test_applied_migrations_equal_the_files_on_disk(
    migrated: Settings, repo_root: Path
) -> None:
    applied = await MigrationRecorder(get_connection("default")).applied_migrations()

    assert sorted(f"{key.app_label}.{key.name}" for key in applied) == migration_files(repo_root)
    assert await pending_migrations(migrated) == []


async def test_every_model_table_has_every_column(migrated: Settings) -> None:
    """Selecting every field of every model proves the tables match, not only the files."""
    models = list(Tortoise.apps["models"].values())
    assert models
    for model in models:
        # Fails with "no such column" if a migration left a field out.
        await model.all().limit(1).values(*model._meta.fields_db_projection)
