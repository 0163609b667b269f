"""Crawl progress for the person watching: per-outlet counters while the crawl runs.

On a terminal one line is redrawn in place every second (the outlets with activity,
busiest first); in a pipe or a log file (cron, systemd) a plain line every 30 s, so logs
stay readable. Counts come from Scrapy's signals; nothing here touches the crawl.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from typing import Any, TextIO

from scrapy import signals

from common.signals import crawl_error

TTY_EVERY, PLAIN_EVERY = 1.0, 30.0


def progress_line(pages: Counter[str], articles: Counter[str], errors: Counter[str], width: int) -> str:
    """``pages 120 · articles 40 · errors 3 | Le360 12/40 · Hespress 8/30 …`` cut to ``width``. Pure."""
    head = f"pages {sum(pages.values())} · articles {sum(articles.values())} · errors {sum(errors.values())}"
    busiest = sorted(pages, key=lambda n: (-articles[n], -pages[n], n))
    parts = [f"{name[:20]} {articles[name]}/{pages[name]}" + (f" !{errors[name]}" if errors[name] else "")
             for name in busiest]
    line = head + (" | " + " · ".join(parts) if parts else "")
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


class OutletProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every = TTY_EVERY if self.tty else PLAIN_EVERY
        self.pages: Counter[str] = Counter()
        self.articles: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.last = time.monotonic()
        self.drawn = False

    @classmethod
    def attach(cls, crawler: Any, stream: TextIO) -> OutletProgress:
        progress = cls(stream)
        crawler.signals.connect(progress.on_response, signal=signals.response_received)
        crawler.signals.connect(progress.on_item, signal=signals.item_scraped)
        crawler.signals.connect(progress.on_error, signal=crawl_error)
        crawler.signals.connect(progress.on_close, signal=signals.spider_closed)
        return progress

    def on_response(self, response: Any, request: Any, spider: Any) -> None:
        outlet = request.meta.get("outlet")
        if outlet:
            self.pages[outlet] += 1
        self._tick()

    def on_item(self, item: Any, **_: Any) -> None:
        if isinstance(item, dict) and item.get("outlet"):
            self.articles[item["outlet"]] += 1
        self._tick()

    def on_error(self, outlet: str, **_: Any) -> None:
        self.errors[outlet] += 1
        self._tick()

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        width = shutil.get_terminal_size((120, 20)).columns - 1
        line = progress_line(self.pages, self.articles, self.errors, width if self.tty else 400)
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
            self.drawn = True
        else:
            self.stream.write(f"progress: {line}\n")
        self.stream.flush()

    def on_close(self, **_: Any) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
