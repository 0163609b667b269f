"""The article record: made by extraction (pipelines/extract.py), passed by the page stage
(pipelines/page_job.py: extract, then analyse language, story and matches, then store) and
written by storage (storage/articles.py). On the floor so none of them imports another for it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


class ExtractionError(Exception):
    """A page that must not become an article; ``kind`` is counted in crawl stats."""

    kind = "extraction_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAnArticle(ExtractionError):
    """Listing, tag, author, about, contact, login or 404 page."""

    kind = "not_an_article"


class EmptyExtraction(ExtractionError):
    """An article page with no text worth keeping (e.g. a video page)."""

    kind = "empty_extraction"


@dataclass
class ExtractedArticle:
    url: str
    text: str
    title: str = ""
    author: str | None = None
    published: datetime | None = None  # timezone-aware
    site_name: str | None = None
    description: str | None = None
    language: str | None = None
    language_confidence: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data
