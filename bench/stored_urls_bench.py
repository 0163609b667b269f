"""Memory and time of the crawler's "already stored" check, per 100,000 stored URLs.

The spider loads the canonical URLs of every stored page of the outlets it crawls, at every
pass, so that no stored URL is fetched again (crawler/spiders/news.py, ``_load_stored_urls``).
This fills a fresh SQLite database with N stored articles (each with its raw page, the
fetched URL differing from the article URL for one in ten, as when a page names another
canonical), then loads them as the spider does and prints: the memory the loaded structure
keeps, the peak while loading (both from tracemalloc, which numpy reports to), the load
time (a separate load, without tracemalloc) and the cost of one lookup.

Usage: python bench/stored_urls_bench.py [--urls 100000] [--lookups 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.outlets import Outlet  # noqa: E402
from crawler.spiders.news import NewsSpider  # noqa: E402
from storage.db import get_engine, upgrade  # noqa: E402
from storage.models import Article, RawPage  # noqa: E402
from storage.models import Outlet as OutletRow  # noqa: E402

HOME = "https://www.bench-outlet.example/"


def article_url(i: int) -> str:
    """A news-like URL: section, date, slug and id (~90 characters, as on real outlets)."""
    day = 1 + i % 28
    return f"{HOME}politique/2026/03/{day:02d}/le-gouvernement-annonce-une-reforme-{i}-des-retraites.html"


def fill(database_url: str, n: int) -> None:
    """N stored articles of one outlet, with raw pages; one in ten fetched from another URL."""
    engine = get_engine(database_url)
    html = zlib.compress(b"<html></html>")
    with engine.begin() as conn:
        outlet_id = conn.execute(insert(OutletRow).values(name="Bench", homepage=HOME, languages=["fr"])
                                 .returning(OutletRow.id)).scalar_one()
        for start in range(0, n, 5000):
            ids = range(start, min(n, start + 5000))
            conn.execute(insert(Article), [{"id": i + 1, "url": article_url(i), "outlet_id": outlet_id,
                                            "content_hash": f"{i:064x}"} for i in ids])
            conn.execute(insert(RawPage), [{"article_id": i + 1, "html_zlib": html,
                                            "fetched_url": article_url(i) + ("?utm_source=x" if i % 10 == 0 else "")}
                                           for i in ids])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=100_000, help="stored articles")
    parser.add_argument("--lookups", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'stored.db'}"
        upgrade(url)
        fill(url, args.urls)
        spider = NewsSpider()
        spider.outlets = [Outlet(name="Bench", homepage=HOME, country="MA", languages=["fr"])]
        get_engine(url).dispose()  # the engine's own allocations are not the structure's
        t0 = time.perf_counter()
        spider._load_stored_urls(url)
        load = time.perf_counter() - t0  # timed without tracemalloc, which slows every allocation
        tracemalloc.start()
        stored = spider._load_stored_urls(url)
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        present = [article_url(random.randrange(args.urls)) for _ in range(args.lookups // 2)]
        absent = [article_url(args.urls + i) for i in range(args.lookups // 2)]
        t0 = time.perf_counter()
        hits = sum(u in stored for u in present) + sum(u in stored for u in absent)
        lookup = (time.perf_counter() - t0) / args.lookups
    assert len(stored) == args.urls, len(stored)
    assert hits == len(present), hits
    per = 100_000 / args.urls
    print(f"{args.urls} stored URLs loaded as {type(stored).__name__}: kept {kept * per / 2**20:.1f} MiB and peak "
          f"{peak * per / 2**20:.1f} MiB while loading (per 100k URLs), load {load * per:.2f} s per 100k URLs, "
          f"lookup {lookup * 1e6:.2f} us")


if __name__ == "__main__":
    main()
