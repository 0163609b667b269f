"""Imported by page worker processes in tests/test_page_worker_crash.py: a stand-in for
``process_pages`` that kills its process, as an out-of-memory kill would, on a marked page."""

from __future__ import annotations

import os

from pipelines.page_job import Outcome, PageJob, process_pages


def process_pages_or_die(jobs: list[PageJob]) -> list[Outcome]:
    if any("/crash-me/" in job.url for job in jobs):
        os._exit(137)
    return process_pages(jobs)
