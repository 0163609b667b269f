"""The Alembic migrations create exactly what the models describe, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import get_engine
from storage.models import Base


def test_migrations_match_models(database_url: str) -> None:
    engine = get_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; run `python -m storage.regen_migration`: {diff}"
    assert {"articles", "outlets", "raw_pages", "crawl_runs", "matches"} <= set(inspect(engine).get_table_names())
