"""Records of the local web: what a served path answers (Resource), a site and its ground truth.

Kept free of generation and serving code so tests, the demo and the benchmark can build,
inspect and serve sites without importing more than they use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BASE = "{BASE}"
"""Placeholder written into generated pages; the server replaces it with http://127.0.0.1:PORT."""


@dataclass
class Resource:
    """What one path (with its query) answers.

    ``responses`` serves different answers on successive requests (e.g. a 500 then a 200);
    once exhausted the last one repeats. ``stream_forever`` sends the body over and over
    without a Content-Length until the client hangs up (a size cap must stop it).
    ``substitute`` is off for binary bodies, where ``{BASE}`` must not be touched.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    responses: list[Resource] = field(default_factory=list)
    stream_forever: bool = False
    substitute: bool = True
    _served: int = field(default=0, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def next_answer(self) -> Resource:
        """The answer for this request: itself, or the next of ``responses``."""
        if not self.responses:
            return self
        with self._lock:
            index = min(self._served, len(self.responses) - 1)
            self._served += 1
        return self.responses[index]


@dataclass(frozen=True)
class ArticleTruth:
    """Ground truth of one generated article, for tests that check what a crawl stored."""

    path: str  # canonical path (what <link rel=canonical> says), without tracking parameters
    outlet: str
    language: str
    title: str
    author: str
    published: datetime  # aware, in the outlet's time zone
    date_precision: str  # "minute" or "day" (a page that shows only the day)
    date_source: str  # "jsonld" (JSON-LD + meta + <time>), "time" (<time> only) or "visible" (text only)
    topic: str  # "coop" (Morocco–France police/intelligence cooperation), "near" (near miss), or a section
    section: str
    lede: str
    last_paragraph: str
    words: int
    tracked_path: str = ""  # the utm-tagged path a feed links to, when it does
    event: str = ""  # the event it tells: articles of one event belong in one story ("" = its own event)
    copy_of: str = ""  # "outlet path" of the article it republishes word for word, when it does
    paragraphs: tuple[str, ...] = ()  # the whole article body, paragraph by paragraph (token F1 needs it)

    @property
    def text(self) -> str:
        """The expected article text: its paragraphs, one per line."""
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class OutletSpec:
    """How one outlet of a site is described in a sources.yaml (a site may hold several editions)."""

    name: str
    path_prefix: str
    country: str
    languages: tuple[str, ...]
    timezone: str
    feeds: tuple[str, ...] = ()  # paths, made absolute by sources_for
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    paywalled: bool = False


@dataclass
class Site:
    """One served host: its resources (path with query -> Resource) and what a crawl should find."""

    name: str
    resources: dict[str, Resource]
    outlets: list[OutletSpec] = field(default_factory=list)
    articles: list[ArticleTruth] = field(default_factory=list)
    non_articles: list[str] = field(default_factory=list)  # paths that must never become articles
    hidden: list[str] = field(default_factory=list)  # article paths only a sitemap or feed lists (no page links them)
    noise: tuple[str, ...] = ()  # strings of the shape's boilerplate that must not reach article text
    disallowed: list[str] = field(default_factory=list)  # paths robots.txt forbids (linked, never to be fetched)
    cases: dict[str, str] = field(default_factory=dict)  # bad site: path -> expected outcome
    not_found: Resource | None = None  # answer for unknown paths (a 404 page in the site's look)
    generated: list[Any] = field(default_factory=list, repr=False)  # the generated articles (to republish them)


@dataclass(frozen=True)
class RequestRecord:
    site: str
    method: str
    path: str
    status: int
    time: float
    user_agent: str = ""
