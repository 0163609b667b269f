"""Feed → Slack latency of ``newswatch watch``, and what an idle poll costs on the wire.

Serves live outlets on 127.0.0.1 (``localweb.live``: a feed and a news sitemap that
answer conditional GETs), runs ``newswatch watch --every MINUTES`` as a subprocess with an
immediate-alert Slack subscription pointed at a local webhook server, publishes ``--items``
security-cooperation articles at random moments, and measures for each the time from "it
appears in the feed" to "the webhook server receives the Slack message naming it".

Each item is a different story (built from an outlet generated 20 days further back each time,
so the story index — 7-day window — never folds two items into one story, which would rightly
alert only the first; the subscription has no max_age_days). Prints latency p50/p95/max, passes, and bytes per idle poll: from the
server (request head + response head of each 304) and from Scrapy's stats (whole pass, with
robots.txt).

Usage: python bench/watch_bench.py [--every 2] [--items 8] [--minutes 16] [--outlets 2] [--backlog 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from localweb import build_outlet_site
from localweb.live import FEED_PATH, SITEMAP_PATH, LiveOutlet
from localweb.model import Site

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fr", "en", "ar", "es"]
PASS_LINE = re.compile(r"^pass (\d+): (\d+) feed/sitemap GETs, (\d+) not modified, (\d+) unchanged, (\d+) changed; "
                       r"(\d+) new article\(s\); (\d+) B on the wire; ([\d.]+) s")


class Webhook:
    """A Slack incoming-webhook stand-in that records when each message arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append((time.time(), body.decode("utf-8", "replace")))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/X"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def outlet_with_items(name: str, language: str, count: int, index: int, outlets: int, backlog: int
                      ) -> tuple[Site, list[Any], list[Any]]:
    """One served outlet holding ``count`` cooperation articles, each from a generation 20 days
    further back than any other outlet's or its own (distinct stories, even across languages:
    an event's names and dates are shared), and ``backlog`` other articles listed in the feed
    from the start (so a feed weighs what a real one does)."""
    resources: dict[str, Any] = {}
    items: list[Any] = []
    old: list[Any] = []
    spec = None
    for k in range(count):
        today = date.today() - timedelta(days=20 * (k * outlets + index))
        site = build_outlet_site(name, shape="wordpress", language=language, n_articles=12 + (3 * backlog if k == 0 else 0),
                                 today=today, seed=k)
        spec = spec or site.outlets[0]
        if k == 0:
            old = [a for a in site.articles if a.topic not in ("coop", "near")][:backlog]
            resources.update({a.path: site.resources[a.path] for a in old})
        # published in the 10 days before the generation's day (a few generated ones are older)
        coop = [a for a in site.articles if a.topic == "coop" and a.path not in resources
                and a.published.date() >= today - timedelta(days=10)]
        if not coop:
            continue
        resources.update({a.path: site.resources[a.path] for a in coop[:1]})
        items.append(coop[0])
    assert spec is not None
    return Site(name=name, resources=resources, outlets=[spec]), items, old


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=2.0, help="poll period, minutes")
    parser.add_argument("--items", type=int, default=8, help="articles published during the run")
    parser.add_argument("--minutes", type=float, default=16.0, help="length of the run")
    parser.add_argument("--outlets", type=int, default=2, help="live outlets (one language each)")
    parser.add_argument("--backlog", type=int, default=20, help="older items each feed lists from the start")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    per_outlet = -(-args.items // args.outlets)
    outlets = []
    for i in range(args.outlets):
        site, items, old = outlet_with_items(f"Live {i + 1}", LANGUAGES[i % len(LANGUAGES)], per_outlet,
                                             index=i, outlets=args.outlets, backlog=args.backlog)
        live = LiveOutlet(site).start()
        for article in reversed(old):
            live.publish(article)
        outlets.append((live, items))
    hook = Webhook()
    tmp = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    sources = tmp / "sources.yaml"
    sources.write_text(yaml.safe_dump({"outlets": [o.sources_entry() for o, _ in outlets]}), encoding="utf-8")
    alerts = tmp / "alerts.yaml"
    alerts.write_text(yaml.safe_dump({"subscriptions": [{
        "name": "desk", "channel": {"type": "slack", "webhook_env": "NEWSWATCH_BENCH_WEBHOOK"},
        "topics": ["security-cooperation"], "immediate": {"min_score": 0.6}, "max_age_days": None}]}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k != "DATABASE_URL"}
    env.update({"NEWSWATCH_DATA_DIR": str(tmp / "data"), "DATABASE_URL": f"sqlite:///{tmp / 'newswatch.db'}",
                "NEWSWATCH_CONFIG_DIR": str(ROOT / "config"), "NEWSWATCH_ALERTS_FILE": str(alerts),
                "NEWSWATCH_BENCH_WEBHOOK": hook.url, "NEWSWATCH_DOWNLOAD_DELAY": "0", "NEWSWATCH_AUTOTHROTTLE": "false",
                "NEWSWATCH_LOG_LEVEL": "WARNING"})

    # publication moments: uniform over the run (after the first pass), leaving one period + 1 min to be seen
    horizon = max(10.0, args.minutes * 60 - args.every * 60 - 60)
    schedule = sorted((rng.uniform(5, horizon), o, item) for o, items in outlets for item in items)[: args.items]
    proc = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "watch", "--every", str(args.every),
                             "--sources", str(sources), "--days", "1000"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    passes: list[tuple[float, list[int], float]] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            match = PASS_LINE.match(line)
            if match:
                passes.append((time.time(), [int(g) for g in match.groups()[:7]], float(match.group(8))))
            print(f"  | {line.rstrip()}", flush=True)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while not passes and proc.poll() is None:  # the first pass reads the backlog: the clock starts after it
        time.sleep(0.2)
    start = time.time()
    published: list[tuple[float, Any]] = []
    for offset, live, item in schedule:
        time.sleep(max(0.0, start + offset - time.time()))
        live.publish(item)
        published.append((time.time(), item))
        print(f"published {item.path} at +{time.time() - start:.0f} s", flush=True)
    time.sleep(max(0.0, start + args.minutes * 60 - time.time()))
    stop_at = time.time()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=120)
    stop_s = time.time() - stop_at
    reader.join(timeout=5)

    latencies, missing = [], []
    for at, item in published:
        arrived = [t for t, body in hook.received if item.path in body and t >= at]
        (latencies.append(min(arrived) - at) if arrived else missing.append(item.path))
    passes = passes[1:]  # the backlog pass
    idle = [p for p in passes if p[1][4] == 0 and p[1][5] == 0 and p[1][2] > 0]
    not_modified = [h for o, _ in outlets for h in o.log() if h.status == 304]
    conditional_urls = 2 * len(outlets)  # a feed and a news sitemap per outlet
    per_304 = statistics.mean(h.request_bytes + h.response_head_bytes for h in not_modified) if not_modified else 0.0
    full = [h for o, _ in outlets for h in o.log(FEED_PATH) + o.log(SITEMAP_PATH) if h.status == 200]
    result = {
        "every_minutes": args.every, "items": len(published), "alerted": len(latencies), "missing": missing,
        "latency_s": {"p50": round(statistics.median(latencies), 1) if latencies else None,
                      "p95": round(percentile(latencies, 95), 1) if latencies else None,
                      "max": round(max(latencies), 1) if latencies else None,
                      "all": [round(x, 1) for x in latencies]},
        "passes": len(passes), "idle_passes": len(idle),
        "pass_seconds": {"idle_median": round(statistics.median(p[2] for p in idle), 2) if idle else None,
                         "max": round(max(p[2] for p in passes), 2) if passes else None},
        "idle_poll_bytes": {
            "per_conditional_get_304": round(per_304, 1),
            "per_idle_poll_server_side": round(per_304 * conditional_urls, 1),
            "per_idle_pass_scrapy_stats_with_robots": round(statistics.median(p[1][6] for p in idle), 1) if idle else None,
            "full_feed_or_sitemap_200_mean": round(statistics.mean(h.request_bytes + h.response_head_bytes + h.body_bytes
                                                                   for h in full), 1) if full else None,
        },
        "sigterm_exit_code": code, "sigterm_stop_s": round(stop_s, 2),
        "load_average_1m": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=2))
    for live, _ in outlets:
        live.stop()
    return 0 if not missing and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
