"""The crawl bench's process-tree sampler: an idle child reads as idle, a busy one as on a core
or waiting for one, and the tree's memory as PSS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crawl_bench import pss_kib, tree_sampler  # noqa: E402


def _child(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


def test_an_idle_child_is_idle_and_a_busy_one_is_not() -> None:
    with tree_sampler(None, 0.2) as sampler:  # every child tree of this process
        sleeper = _child("import time; time.sleep(4)")  # long beside its start-up on a busy machine
        busy = _child("import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end: pass")
        sleeper.wait()
        busy.wait()
    idle = sampler.sched[sleeper.pid]
    worker = sampler.sched[busy.pid]
    assert idle.life > 1.0 and worker.life > 1.0
    assert idle.sleep / idle.life > 0.8  # asleep: nothing to do
    assert (worker.run + worker.wait) / worker.life > 0.8  # on a core, or wanting one
    assert sampler.peak_pss_kib > 1000  # two interpreters' memory, in KiB


def test_pss_of_this_process_is_at_most_its_rss() -> None:
    with open("/proc/self/status") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    assert 0 < pss_kib(os.getpid()) <= rss * 1.05
