"""Where a page process's time goes, per article: extraction against everything else.

Runs ``pipelines.page_job.process_pages`` (what each extraction process of a crawl runs)
in this one process over the crawl benchmark's full-weight pages, in batches of
NEWSWATCH_STORE_BATCH's default, into a fresh SQLite database with the shipped topic
rules, under cProfile; prints milliseconds per article for extraction and for each step
around it (signature, matching, the insert, story lookup, commit), and the top functions
outside extraction. For a sampling profile of a live crawl's page process, see --py-spy.

--plain runs without a profiler and times the steps with CPU timers around them (cProfile
inflates the many small calls of the store path several times over).

Usage: python bench/page_profile.py [--articles 400] [--top 25] [--plain | --py-spy] [--postgres URL]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localweb import build_outlet_site  # noqa: E402
from localweb.model import BASE  # noqa: E402
from storage.db import upgrade  # noqa: E402

SHAPES = [("wordpress", "fr"), ("aggregator", "fr"), ("portal", "ar"), ("readmore", "fr"), ("clean", "en"),
          ("clean", "es"), ("wordpress", "ar"), ("portal", "fr")]
BATCH = 8

# (label, file suffix, function name): the steps of a page outside and inside extraction
# (the store path writes a batch with Core statements since issue 15)
STEPS = [
    ("extraction (extract_article)", "pipelines/extract.py", "extract_article"),
    ("  of which trafilatura.bare_extraction", "trafilatura/core.py", "bare_extraction"),
    ("compress raw page", "storage/articles.py", "compress_html"),
    ("signature (stories.signature)", "matching/stories.py", "signature"),
    ("topic matching (matcher.match)", "", "match"),
    ("store_articles (articles + raw pages, batch)", "storage/articles.py", "store_articles"),
    ("  of which content_hash", "storage/articles.py", "content_hash"),
    ("store_stories_and_matches (batch)", "matching/store.py", "store_stories_and_matches"),
    ("  of which story choice (index + check)", "matching/store.py", "_closest"),
    ("story_index refresh", "matching/store.py", "story_index"),
    ("outlet id", "pipelines/page_job.py", "outlet_id"),
    ("commit", "sqlalchemy/orm/session.py", "commit"),
]

# (label, module, attribute) wrapped with a CPU timer in --plain runs: each step's own
# figure without a profiler's per-call overhead (inclusive: a step's calls inside another
# count in both)
TIMED = [
    ("extraction (extract_article)", "pipelines.extract", "extract_article"),
    ("compress raw page", "pipelines.page_job", "compress_html"),
    ("content hash", "pipelines.page_job", "content_hash"),
    ("signature (stories.signature)", "pipelines.matching.stories", "signature"),
    ("topic matching (Matcher.match)", "pipelines.matching.engine", "Matcher.match"),
    ("store_articles (articles + raw pages)", "storage.articles", "store_articles"),
    ("store_stories_and_matches", "pipelines.matching.store", "store_stories_and_matches"),
    ("story_index refresh", "pipelines.matching.store", "story_index"),
    ("commit (Session.commit)", "sqlalchemy.orm", "Session.commit"),
    ("write transaction (SQLite: under the lock)", "pipelines.page_job", "_write_all"),
]


def build_jobs(n: int, database_url: str) -> list:
    from pipelines.page_job import PageJob

    per = -(-n // len(SHAPES))
    jobs = []
    for i, (shape, lang) in enumerate(SHAPES):
        site = build_outlet_site(f"Profile {i}", shape=shape, language=lang, n_articles=per, today=date.today(),
                                 seed=300 + i, weight="full")
        base = f"http://127.0.0.{10 + i}:8000"
        for truth in site.articles:
            html = site.resources[truth.path].body.replace(BASE.encode(), base.encode())
            jobs.append(PageJob(html=html, url=base + truth.path, fetched_url=base + truth.path, outlet=site.name,
                                country="MA", homepage=base + "/", languages=(lang,), timezone=site.outlets[0].timezone,
                                database_url=database_url, rules_dir=str(ROOT / "config" / "rules")))
    return jobs[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--py-spy", action="store_true",
                        help="also sample this run with py-spy (pip install py-spy) and print its top functions")
    parser.add_argument("--postgres", default="",
                        help="a PostgreSQL server URL (as NEWSWATCH_TEST_POSTGRES_URL): store into a fresh database "
                             "there instead of SQLite")
    parser.add_argument("--plain", action="store_true",
                        help="no profiler: CPU ms per article of each step, from timers around the steps")
    parser.add_argument("--no-profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.py_spy:
        out = Path(tempfile.mkdtemp()) / "page_profile.txt"
        extra = ["--postgres", args.postgres] if args.postgres else []
        subprocess.run(["py-spy", "record", "--format", "raw", "--rate", "200", "--nonblocking", "-o", str(out), "--",
                        sys.executable, __file__, "--articles", str(args.articles), "--no-profile", *extra], check=True)
        print_py_spy(out, args.top)
        return
    from pipelines import page_job

    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            from bench.scale_bench import fresh_database

            url = fresh_database(args.postgres, "newswatch_page_profile")
        else:
            url = f"sqlite:///{Path(tmp) / 'profile.db'}"
            upgrade(url)
        jobs = build_jobs(args.articles, url)
        page_job.warm_up(url, jobs[0].rules_dir)
        page_job.process_pages(jobs[:BATCH])  # first-use costs (imports, caches) out of the figures
        jobs = jobs[BATCH:]
        profiler = cProfile.Profile() if not (args.no_profile or args.plain) else None
        timers = _install_timers() if args.plain else {}
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        stored = run_batches(page_job, jobs)
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    n = len(jobs)
    print(f"{n} full-weight pages through process_pages in batches of {BATCH}: {stored} stored, {seconds:.1f} s, "
          f"{seconds * 1000 / n:.1f} ms per article ({cpu * 1000 / n:.1f} ms of CPU){' (under cProfile: its overhead inflates small calls)' if profiler else ''}")
    if timers:
        print_timers(timers, cpu, n)
    if profiler is None:
        return
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]

    def cumulative(suffix: str, name: str) -> float:
        return sum(ct for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in table.items()
                   if func == name and file.replace("\\", "/").endswith(suffix if suffix else file[-1:])
                   and (suffix or "matching" in file))

    total = stats.total_tt  # type: ignore[attr-defined]
    extraction = cumulative("pipelines/extract.py", "extract_article")
    print(f"per article: total {total * 1000 / n:.1f} ms, extraction {extraction * 1000 / n:.1f} ms, "
          f"everything else {(total - extraction) * 1000 / n:.1f} ms")
    for label, suffix, name in STEPS:
        print(f"  {label:42s} {cumulative(suffix, name) * 1000 / n:7.2f} ms")
    print(f"\ntop {args.top} functions by own time outside extraction (ms per article):")
    inside = _inside_extraction(table)
    rows = sorted(((tt, file, line, func) for (file, line, func), (_cc, _nc, tt, _ct, _c) in table.items()
                   if (file, line, func) not in inside), reverse=True)[:args.top]
    for tt, file, line, func in rows:
        print(f"  {tt * 1000 / n:6.2f}  {func}  {'/'.join(Path(file).parts[-2:])}:{line}")


def run_batches(page_job: Any, jobs: list) -> int:
    """The measured part: the pages in batches, as a crawl's page process gets them; how many were stored.
    (Its own function so py-spy's samples of it leave the warm-up out.)"""
    stored = 0
    for k in range(0, len(jobs), BATCH):
        outcomes = page_job.process_pages(jobs[k:k + BATCH])
        stored += sum(1 for o in outcomes if isinstance(o, page_job.PageResult) and o.status == "stored")
    return stored


def _install_timers() -> dict[str, list[float]]:
    """Wrap each TIMED function that exists with a CPU timer; label -> [seconds, calls]."""
    import importlib

    timers: dict[str, list[float]] = {}
    for label, module_name, attribute in TIMED:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        function = getattr(owner, name, None)
        if function is None:
            continue
        slot = timers[label] = [0.0, 0]

        def timed(*args: Any, _function: Any = function, _slot: list[float] = slot, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return _function(*args, **kwargs)
            finally:
                _slot[0] += time.process_time() - started
                _slot[1] += 1

        setattr(owner, name, timed)
    return timers


def print_timers(timers: dict[str, list[float]], cpu: float, n: int) -> None:
    extraction = timers.get(TIMED[0][0], [0.0])[0]
    print(f"per article (CPU): total {cpu * 1000 / n:.2f} ms, extraction {extraction * 1000 / n:.2f} ms, "
          f"everything else {(cpu - extraction) * 1000 / n:.2f} ms")
    for label, (seconds, calls) in timers.items():
        print(f"  {label:42s} {seconds * 1000 / n:7.2f} ms  ({calls / n:.2f} calls)")


def _inside_extraction(table: dict) -> set:
    """Functions only ever called (transitively) from extract_article."""
    roots = {key for key in table if key[2] == "extract_article" and key[0].endswith("pipelines/extract.py")}
    inside = set(roots)
    changed = True
    while changed:
        changed = False
        for key, (_cc, _nc, _tt, _ct, callers) in table.items():
            if key not in inside and callers and all(caller in inside for caller in callers):
                inside.add(key)
                changed = True
    return inside


def print_py_spy(path: Path, top: int) -> None:
    """py-spy's raw output (collapsed stacks): share of samples per leaf function and per step."""
    leaves: dict[str, int] = {}
    steps: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if not any(frame.startswith("run_batches (") for frame in frames):
            continue  # building the pages, imports, warm-up
        samples = int(count)
        total += samples
        leaves[frames[-1]] = leaves.get(frames[-1], 0) + samples
        for label, _suffix, name in STEPS:
            if any(f"{name} (" in frame for frame in frames):
                steps[label] = steps.get(label, 0) + samples
    print(f"py-spy: {total} samples in the measured batches; share of them per step:")
    for label, _suffix, _name in STEPS:
        print(f"  {label:42s} {100 * steps.get(label, 0) / max(total, 1):5.1f} %")
    print(f"  {'everything but extraction':42s} {100 - 100 * steps.get(STEPS[0][0], 0) / max(total, 1):5.1f} %")
    print(f"top {top} functions by own samples:")
    for leaf, samples in sorted(leaves.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {100 * samples / total:5.1f} %  {leaf}")


if __name__ == "__main__":
    main()
