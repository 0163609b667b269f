"""One scheduler per database: a lock held for the life of ``newswatch schedule``.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated
connection whose ``application_name`` names the holder (pid, host), so a second instance
can say who is running. SQLite: an exclusive ``flock`` on ``<database>.scheduler.lock``
beside the database file, holding the same description. Both are released by the
operating system / server when the process dies, even by SIGKILL: no stale lock to clean.
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

ADVISORY_KEY = 0x6E657773  # "news"; fits in 32 bits, so pg_locks shows it as objid with classid 0


class SchedulerAlreadyRunning(RuntimeError):
    """Another ``newswatch schedule`` holds the lock on this database."""


def _holder_label() -> str:
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"newswatch schedule pid={os.getpid()} host={socket.gethostname()} since={started}"


class SchedulerLock:
    """``acquire()`` or raise ``SchedulerAlreadyRunning``; ``release()`` (also on exit of ``with``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Any = None
        self._file: Any = None

    @property
    def where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def acquire(self) -> None:
        if self.engine.dialect.name == "postgresql":
            self._acquire_postgres()
        elif self.engine.dialect.name == "sqlite":
            self._acquire_sqlite()
        else:  # pragma: no cover - other backends are not supported by newswatch
            raise SchedulerAlreadyRunning(f"cannot lock a {self.engine.dialect.name} database")

    def _acquire_postgres(self) -> None:
        conn = self.engine.connect()
        try:
            conn.execute(text("SELECT set_config('application_name', :label, false)"), {"label": _holder_label()[:63]})
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
            conn.commit()
            if not got:
                holder = conn.execute(
                    text(
                        "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = :key AND l.granted "
                        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    ),
                    {"key": ADVISORY_KEY},
                ).first()
                who = holder[0] if holder and holder[0] else "another process"
                raise SchedulerAlreadyRunning(
                    f"another scheduler is already running on {self.where} ({who}); stop it first"
                )
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _sqlite_path(self) -> Path | None:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return None
        return Path(database).resolve().with_name(Path(database).name + ".scheduler.lock")

    def _acquire_sqlite(self) -> None:
        path = self._sqlite_path()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the process life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            who = handle.read().strip() or "another process"
            handle.close()
            raise SchedulerAlreadyRunning(
                f"another scheduler is already running on {self.where} ({who}; lock file {path}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(_holder_label() + "\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> SchedulerLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
