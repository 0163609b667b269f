"""Engine and sessions: SQLite (WAL) by default, any SQLAlchemy URL via DATABASE_URL.

``upgrade()`` applies the Alembic migrations; every command calls it first, so a fresh
machine needs no separate set-up step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _default_data_dir() -> Path | None:
    from common.settings import get_settings

    return get_settings().data_dir.resolve()


def _sqlite_folder(url: str) -> None:
    """Only the data folder (NEWSWATCH_DATA_DIR) is created on demand: a DATABASE_URL that
    names a folder that does not exist is a typo to report, not a tree to make."""
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    folder = Path(path).resolve().parent
    if folder.is_dir():
        return
    if folder == _default_data_dir():
        folder.mkdir(parents=True, exist_ok=True)
        return
    from common.exitcodes import ConfigError

    raise ConfigError(f"database folder {folder} does not exist (DATABASE_URL={url}); create it or fix the URL")


def redacted_url(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL has no password to find
        return url


def describe_database_error(exc: BaseException) -> str | None:
    """One line naming the database problem and the URL (password hidden), or None."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    url = getattr(exc, "newswatch_url", None)
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        url = url or getattr(current, "newswatch_url", None)
        current = current.__cause__ or current.__context__
    where = f" (DATABASE_URL={redacted_url(url)})" if url else " (DATABASE_URL)"
    for e in chain:
        if isinstance(e, NoSuchModuleError):
            driver = str(e).rsplit(":", 1)[-1].strip()
            hint = "; write postgresql+psycopg://…" if driver in ("postgres", "postgresql") else ""
            return f"database URL names an unknown database driver {driver!r}{hint}{where}"
        if isinstance(e, ArgumentError):
            return f"database URL is not a SQLAlchemy URL (e.g. sqlite:///data/newswatch.db){where}"
        if isinstance(e, OperationalError):
            reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            return f"cannot open the database: {reason}{where}"
    return None


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout, PostgreSQL a pool for workers."""
    try:
        make_url(url)
    except Exception as exc:
        exc.newswatch_url = url  # type: ignore[attr-defined]
        raise
    if url.startswith("sqlite"):
        _sqlite_folder(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
    except Exception as exc:
        exc.newswatch_url = url  # type: ignore[attr-defined]
        raise


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (default: the settings' database)."""
    if url is None:
        from common.settings import get_settings

        url = get_settings().resolved_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer now. On SQLite that is BEGIN IMMEDIATE: it
    waits (busy_timeout) for the one write lock, where a transaction opened by a read or a
    SAVEPOINT would fail with "database is locked" when it later tries to write. Other
    databases lock rows, not the file: nothing to do."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Bring the database at ``url`` (default: settings) to the newest migration."""
    from alembic import command

    engine = get_engine(url)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except Exception as exc:
        exc.newswatch_url = engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
        raise
