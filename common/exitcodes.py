"""Exit codes, the same for every command (table in docs/cli.md), and the error a setting
or configuration file raises when an operator must fix it.

On the floor because the crawl's run record, the scheduler and the storage layer speak of
them too; the CLI's one-line printing of errors lives in ``newswatch.exitcodes``.
"""

from __future__ import annotations

from collections.abc import Iterable

OK = 0  # everything done
PARTIAL = 1  # done, but some outlets failed or some deliveries are still pending
USAGE = 2  # bad arguments or configuration (sources, rules, alerts, DATABASE_URL, Redis URL)
NOTHING = 3  # nothing could be fetched (every outlet unreachable or blocked, Redis down)

TABLE = {
    OK: "ok",
    PARTIAL: "partial: some outlets failed or deliveries remain pending",
    USAGE: "usage or configuration error",
    NOTHING: "nothing could be fetched",
}


class ConfigError(Exception):
    """A setting or configuration file an operator must fix (message names what and where)."""


def worst(codes: Iterable[int]) -> int:
    """The code of a command made of several steps: the most serious one wins (3 > 2 > 1 > 0)."""
    return max(codes, default=OK)
