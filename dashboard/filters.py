"""The filter of the matches list: one record parsed from the query string, and back.

Filters live in the URL so a filtered view can be shared; ``query_string`` rebuilds the
URL of the same view with one thing changed (sort, page) for links, CSV and Atom.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

View = Literal["matches", "stories"]
TriageFilter = Literal["", "new", "relevant", "not_relevant", "done"]
TRIAGE_STATES: tuple[str, ...] = ("new", "relevant", "not_relevant", "done")
SortKey = Literal["-date", "date", "-score", "score", "outlet", "-outlet"]
SORT_KEYS: tuple[str, ...] = ("-date", "date", "-score", "score", "outlet", "-outlet")
DEFAULT_SORT = "-date"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 10_000


def clean_text(value: str | None, limit: int = 200) -> str:
    """Strip what no database accepts (NUL) and what no filter needs (surrounding blanks)."""
    if not value:
        return ""
    return value.replace("\x00", "").strip()[:limit]


@dataclass(frozen=True)
class MatchFilters:
    topic: str = ""
    outlet: str = ""
    country: str = ""
    language: str = ""
    date_from: date | None = None
    date_to: date | None = None
    min_score: float | None = None
    q: str = ""
    triage: str = ""  # "" = any; "new" = not yet triaged
    sort: str = DEFAULT_SORT
    view: str = "matches"  # or "stories": one row per story, its best match
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def build(cls, **raw: Any) -> MatchFilters:
        """Normalise raw values (already typed by FastAPI): clean strings, clamp numbers."""
        sort = raw.get("sort") or DEFAULT_SORT
        per_page = raw.get("per_page") or DEFAULT_PER_PAGE
        return cls(
            topic=clean_text(raw.get("topic")),
            outlet=clean_text(raw.get("outlet")),
            country=clean_text(raw.get("country"), 8),
            language=clean_text(raw.get("language"), 8),
            date_from=raw.get("date_from"),
            date_to=raw.get("date_to"),
            min_score=raw.get("min_score"),
            q=clean_text(raw.get("q")),
            triage=raw.get("triage") if raw.get("triage") in TRIAGE_STATES else "",
            sort=sort if sort in SORT_KEYS else DEFAULT_SORT,
            view="stories" if raw.get("view") == "stories" else "matches",
            page=min(max(int(raw.get("page") or 1), 1), MAX_PAGE),
            per_page=min(max(int(per_page), 1), MAX_PER_PAGE),
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-default filter values as query parameters (after ``changes``)."""
        values = asdict(replace(self, **changes))
        defaults = asdict(MatchFilters())
        out: dict[str, str] = {}
        for key, value in values.items():
            if value is None or value == "" or value == defaults[key]:
                continue
            out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def query_string(self, **changes: Any) -> str:
        """``?a=b&...`` for this filter with ``changes``; empty string when all default."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else ""

    def sort_link(self, column: str) -> str:
        """Query string sorting by ``column``; clicking the current column flips the order."""
        if self.sort == f"-{column}":
            target = column
        elif self.sort == column:
            target = f"-{column}"
        else:
            target = column if column == "outlet" else f"-{column}"
        return self.query_string(sort=target, page=1)

    @property
    def active(self) -> bool:
        return bool(self.params(sort=DEFAULT_SORT, page=1, per_page=DEFAULT_PER_PAGE))
