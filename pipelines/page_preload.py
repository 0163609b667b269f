"""Imported once by the page pool's fork server, before it forks the page processes.

The page processes (``pipelines.extract_stage``) are forked from a multiprocessing fork
server that preloads this module. Everything loaded here is loaded once and shared
copy-on-write by every page process instead of being loaded again in each: the extraction
stack (trafilatura, lxml), the matching and story modules (datasketch, numpy, ahocorasick),
SQLAlchemy and the models, and py3langid's model (memory-mapped from the user's cache, so its pages are shared too).
``gc.freeze()`` then moves these objects out of the collector's reach, so collections in
the page processes do not write to (and so copy) the shared pages.

Nothing here opens a database or reads the rules: a connection must not cross a fork, and
the rules folder is the crawl's setting, so each page process opens its own store
(``pipelines.page_job.warm_up``). The fork server swallows only ImportError from a
preload, so this module never raises: a page process imports whatever failed here itself.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

PRELOADED = (
    "pipelines.page_job",
    "pipelines.extract",
    "pipelines.matching.engine",
    "pipelines.matching.store",
    "pipelines.matching.stories",
    "storage.articles",
    "storage.db",
)


def preload() -> bool:
    """Import the page stack and load the language model; False if any of it failed."""
    import importlib

    try:
        for name in PRELOADED:
            importlib.import_module(name)
        from pipelines.language import warm

        warm()  # the model's arrays are mapped from the user's cache (pipelines/langid_model.py)
    except Exception as exc:  # noqa: BLE001 - the page processes load it themselves, and report
        logger.debug("page preload incomplete: %s", exc)
        return False
    return True


preload()
gc.freeze()
