"""Shared fixtures: databases (SQLite always, PostgreSQL when NEWSWATCH_TEST_POSTGRES_URL is set)
and the read-only ../shared folder (tests that need it skip, saying why, where it is absent)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from common.settings import reset_settings
from storage.db import dispose_engines, get_engine, upgrade

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("NEWSWATCH_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
POSTGRES_URL = os.environ.get("NEWSWATCH_TEST_POSTGRES_URL", "")


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: the shared seeds/fixtures are not in this checkout")
    return SHARED_DIR


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str]:
    """A private database for this test session, made on the server NEWSWATCH_TEST_POSTGRES_URL
    names, so two test runs on one server (developers, CI) never drop each other's tables."""
    if not POSTGRES_URL:
        pytest.skip("NEWSWATCH_TEST_POSTGRES_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"newswatch_test_{os.getpid()}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    dispose_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    dispose_engines()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database on each backend; the PostgreSQL run skips when unset."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'newswatch.db'}"
    else:
        url = request.getfixturevalue("postgres_base_url")
        _reset_postgres(url)
    upgrade(url)
    yield url
    dispose_engines()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'newswatch.db'}"
    upgrade(url)
    yield url
    dispose_engines()


@pytest.fixture
def nw_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Point every setting at a temporary data folder (and this checkout's config)."""
    monkeypatch.setenv("NEWSWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(PROJECT_ROOT / "config"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSWATCH_DATABASE_URL", raising=False)
    reset_settings()
    yield tmp_path / "data"
    reset_settings()
    dispose_engines()


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """``use_database(url)`` points the settings (so ``session_scope()`` and the CLI) at ``url``
    for this test; the settings are read afresh before and after."""

    def use(url: str) -> str:
        monkeypatch.setenv("DATABASE_URL", url)
        reset_settings()
        return url

    yield use
    reset_settings()


@pytest.fixture
def fresh_page_worker() -> Iterator[None]:
    """Each test is a new page-worker process: no cached store or story index, before or after."""
    from pipelines import page_job
    from pipelines.matching.store import reset_story_indexes

    page_job._STORES.clear()
    reset_story_indexes()
    yield
    for store in page_job._STORES.values():
        store.session.close()
    page_job._STORES.clear()
    reset_story_indexes()
