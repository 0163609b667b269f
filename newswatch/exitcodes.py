"""Exit codes and one-line errors, the same for every command (table in docs/cli.md).

A cron job, systemd unit or CI step only sees the exit code, and an operator reads the
first line of stderr: so an expected problem (bad config, unreachable database or Redis,
missing rules) is one ``Error: what: where`` line and a code that says which kind of
failure it was, never a traceback (``newswatch -v`` adds the traceback).
"""

from __future__ import annotations

import click

from common.exitcodes import NOTHING, OK, PARTIAL, TABLE, USAGE, ConfigError, worst  # noqa: F401 - the CLI's names


class CliError(click.ClickException):
    """An expected failure: click prints ``Error: <message>`` on one line and exits with ``code``."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(" ".join(message.split()) if "\n" not in message else message.strip())
        self.exit_code = code


def describe(exc: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit code) for an exception an operator can fix, else None (a bug).

    Imports are lazy: only the libraries a command already loaded are consulted."""
    import sys

    if isinstance(exc, ConfigError):
        return str(exc), USAGE
    if type(exc).__name__ == "ValidationError" and type(exc).__module__.startswith("pydantic"):
        first = exc.errors()[0]  # type: ignore[attr-defined]
        field = ".".join(str(p) for p in first.get("loc", ())) or "?"
        return f"setting {field.upper()} (environment): {first.get('msg')}: {first.get('input')!r}", USAGE
    names = {type(e).__module__.split(".")[0] for e in _chain(exc)}
    if "sqlalchemy" in names or "alembic" in names or "sqlite3" in names or "psycopg" in names:
        from storage.db import describe_database_error

        message = describe_database_error(exc)
        if message:
            return message, USAGE
    if "redis" in names and "redis" in sys.modules:
        import redis

        for e in _chain(exc):
            if isinstance(e, redis.exceptions.RedisError):
                from crawler.redis_frontier import describe_redis_error

                return describe_redis_error(e), NOTHING
    for e in _chain(exc):
        for module, cls in (("common.outlets", "SourcesError"), ("pipelines.matching.rules", "RulesError"),
                            ("alerts.subscriptions", "AlertsConfigError")):
            kind = getattr(sys.modules.get(module), cls, None)
            if kind is not None and isinstance(e, kind):
                return str(e), USAGE
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
