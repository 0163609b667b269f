"""The Alembic migrations create exactly what the models describe, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import get_engine
from storage.models import Base

# full-text search objects of migration 0002 (FTS5 table and its shadow tables on SQLite,
# a GIN expression index on PostgreSQL): hand-written, deliberately not in the models
FTS_NAMES = ("articles_fts", "ix_articles_fts")


def _not_fts(name: str | None, type_: str, parent_names: object) -> bool:
    return not (name or "").startswith(FTS_NAMES)


def test_migrations_match_models(database_url: str) -> None:
    engine = get_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": _not_fts}), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration in storage/migrations/versions/ (the next revision after the head): {diff}"
    assert {"articles", "outlets", "raw_pages", "crawl_runs", "matches"} <= set(inspect(engine).get_table_names())
