"""``python -m localweb``: serve the sample web until Ctrl-C, printing its URLs.

    python -m localweb --articles 400 --port-base 0 [--sources-out local-sources.yaml]

``--port-base 0`` takes free ports; ``--port-base 8100`` serves site i on port 8100 + i.
``--sources-out`` writes a sources.yaml pointing at the served sites (feeds left to discovery
unless ``--with-feeds``), so ``newswatch crawl --sources`` can run against them from another shell.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

import yaml

from localweb.sample import sample_web, sources_for
from localweb.server import LocalWeb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localweb", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=12, help="articles per outlet (default 12)")
    parser.add_argument("--port-base", type=int, default=0, help="first port; 0 = any free port (default)")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help="date the sites are 'today' (YYYY-MM-DD)")
    parser.add_argument("--no-bad", action="store_true", help="leave out the bad-input outlet")
    parser.add_argument("--sources-out", type=Path, help="write a sources.yaml for the served sites here")
    parser.add_argument("--with-feeds", action="store_true", help="list feeds and sitemaps in --sources-out")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sites = sample_web(args.today, n_articles=args.articles, include_bad=not args.no_bad)
    built = time.perf_counter() - started
    n_articles = sum(len(s.articles) for s in sites)
    try:
        web = LocalWeb(sites, port_base=args.port_base).start()
    except OSError as exc:
        print(f"cannot listen from port {args.port_base}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(sites)} sites, {n_articles} articles generated in {built:.1f}s; serving on 127.0.0.1 (Ctrl-C stops)")
    for site in sites:
        for spec in site.outlets:
            print(f"  {spec.name:<28} {web.base_url(site.name)}{spec.path_prefix}")
    if args.sources_out:
        data = sources_for(web, sites, with_feeds=args.with_feeds)
        args.sources_out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        print(f"sources written to {args.sources_out}")
    sys.stdout.flush()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()
        print(f"stopped after {len(web.requests)} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
