"""Start-up time of the CLI: ``newswatch --help`` and ``newswatch extract FILE``.

Each command runs ``--runs`` times in a fresh interpreter (as a user would run it); the
figures are wall-clock medians (min, max beside them) and the median CPU time of the
child. The first ``extract`` on a machine also writes py3langid's model cache
(pipelines/langid_model.py); ``--cold`` measures that first run with an empty cache.

    .venv/bin/python bench/cli_start.py [--runs 7] [--page FILE] [--cold]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGE = ROOT.parent / "shared" / "fixtures" / "real-pages" / "trafilatura" / "bbc.com.52241221.html"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(args: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``runs`` runs of ``newswatch ARGS`` (output discarded)."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, start = _cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "newswatch.cli", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return walls, cpus


def summary(name: str, walls: list[float], cpus: list[float]) -> str:
    return (f"{name:34} wall median {statistics.median(walls):.3f} s (min {min(walls):.3f}, max {max(walls):.3f})"
            f"  cpu median {statistics.median(cpus):.3f} s  n={len(walls)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--page", type=Path, default=DEFAULT_PAGE)
    ap.add_argument("--cold", action="store_true", help="also time extract's first run with an empty model cache")
    args = ap.parse_args()
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(summary("newswatch --help", *time_command(["--help"], args.runs)))
    time_command(["extract", str(args.page)], 1)  # the model cache exists from here on
    print(summary(f"newswatch extract {args.page.name}", *time_command(["extract", str(args.page)], args.runs)))
    if args.cold:
        walls: list[float] = []
        cpus: list[float] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                w, c = time_command(["extract", str(args.page)], 1, env={**os.environ, "XDG_CACHE_HOME": cache})
            walls += w
            cpus += c
        print(summary("  same, first run (empty cache)", walls, cpus))
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
