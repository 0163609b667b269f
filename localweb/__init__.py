"""A local web of outlet-like sites served on 127.0.0.1, for crawl tests, ``newswatch demo`` and the benchmark.

Nothing here reaches the internet: ``build_outlet_site`` generates a news site in one of
five page shapes (those of ../shared/seeds), ``build_bad_site`` one that fails in every
known way, and ``LocalWeb`` serves them, one threaded server per site, logging requests.
Each ``Site`` carries its ground truth (articles, non-article pages, noise, bad cases).

    with LocalWeb(sample_web(date.today())) as web:
        sources = sources_for(web, web.sites)   # a sources.yaml dict; feeds left to discovery
"""

from localweb.bad import build_bad_site
from localweb.model import ArticleTruth, OutletSpec, RequestRecord, Resource, Site
from localweb.outlet import build_outlet_site
from localweb.pages import SHAPES
from localweb.sample import BAD_SITE, merge_sites, sample_web, sources_for
from localweb.server import LocalWeb

__all__ = [
    "ArticleTruth", "BAD_SITE", "LocalWeb", "OutletSpec", "RequestRecord", "Resource", "SHAPES", "Site",
    "build_bad_site", "build_outlet_site", "merge_sites", "sample_web", "sources_for",
]
