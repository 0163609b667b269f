"""The bundled sample web (for ``newswatch demo``) and the sources.yaml that points a crawl at it.

``merge_sites`` puts several editions on one host, as France 24 serves /fr/, /ar/ and /es/:
one robots.txt for all, the host root redirecting to the first edition, and one outlet
per edition in the generated sources.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from localweb.bad import build_bad_site
from localweb.model import BASE, Resource, Site
from localweb.outlet import build_outlet_site, robots_txt
from localweb.server import LocalWeb

BAD_SITE = "Le Site Cassé"


def merge_sites(name: str, editions: list[Site]) -> Site:
    """One host serving several editions (each built with its own ``path_prefix``)."""
    resources: dict[str, Resource] = {}
    disallow: list[str] = []
    sitemaps: list[str] = []
    for site in editions:
        for path, res in site.resources.items():
            if path == "/robots.txt":
                continue
            if path in resources:
                raise ValueError(f"editions of {name!r} both serve {path!r}: give each its own path_prefix")
            resources[path] = res
        disallow.extend(site.disallowed)
        robots = site.resources["/robots.txt"].body.decode()  # only what each edition advertises
        sitemaps.extend(line.split(BASE, 1)[1] for line in robots.splitlines() if line.startswith("Sitemap:"))
    resources["/robots.txt"] = Resource(body=robots_txt(disallow, sitemaps).encode(),
                                        headers={"Content-Type": "text/plain; charset=utf-8"})
    first = editions[0].outlets[0].path_prefix
    if "/" not in resources:
        resources["/"] = Resource(status=302, headers={"Location": BASE + first, "Content-Type": "text/html"})
    return Site(
        name=name, resources=resources,
        outlets=[spec for s in editions for spec in s.outlets],
        articles=[a for s in editions for a in s.articles],
        hidden=[p for s in editions for p in s.hidden],
        non_articles=[p for s in editions for p in s.non_articles],
        noise=tuple(dict.fromkeys(n for s in editions for n in s.noise)),
        disallowed=disallow, not_found=editions[0].not_found,
        generated=[a for s in editions for a in s.generated],
    )


def sample_web(today: date, n_articles: int = 12, include_bad: bool = True) -> list[Site]:
    """About six outlets across the five shapes and four languages, plus a shared-host outlet and the bad one."""
    n = n_articles
    courrier = build_outlet_site("Le Courrier de Casablanca", shape="wordpress", language="fr", n_articles=n,
                                 today=today, seed=1)
    # the aggregator republishes a quarter of its articles word for word from Le Courrier (the
    # security-cooperation ones first): in a story with their original, never counted twice
    picked = sorted(courrier.generated, key=lambda a: (a.topic != "coop", a.id))[: n // 4]
    sites = [
        courrier,
        build_outlet_site("Revue de Presse Maroc", shape="aggregator", language="fr", n_articles=n, today=today, seed=2,
                          republish=[(courrier.name, a) for a in picked]),
        build_outlet_site("Akhbar Al Maghrib", shape="portal", language="ar", n_articles=n, today=today, seed=3),
        build_outlet_site("Diaspora Express", shape="readmore", language="fr", n_articles=n, today=today, seed=4),
        build_outlet_site("Maghreb Daily", shape="clean", language="en", n_articles=n, today=today, seed=5),
        merge_sites("Radio Monde", [
            build_outlet_site("Radio Monde (fr)", shape="clean", language="fr", n_articles=n, today=today, seed=6,
                              path_prefix="/fr/", country="FR"),
            build_outlet_site("Radio Monde (ar)", shape="clean", language="ar", n_articles=n, today=today, seed=7,
                              path_prefix="/ar/", country="FR"),
            build_outlet_site("Radio Monde (es)", shape="clean", language="es", n_articles=n, today=today, seed=8,
                              path_prefix="/es/", country="FR"),
        ]),
    ]
    if include_bad:
        sites.append(build_bad_site(BAD_SITE, today))
    return sites


def sources_for(web: LocalWeb, sites: list[Site], *, with_feeds: bool = False, with_sections: bool = False) -> dict[str, Any]:
    """A sources.yaml-shaped dict for the served ``sites``.

    By default no feed, sitemap or section is listed, so a crawl must discover them from the
    homepage and robots.txt; ``with_feeds`` lists feeds and sitemaps, ``with_sections`` sections.
    """
    outlets: list[dict[str, Any]] = []
    for site in sites:
        base = web.base_url(site.name)
        for spec in site.outlets:
            entry: dict[str, Any] = {"name": spec.name, "homepage": base + spec.path_prefix, "country": spec.country,
                                     "languages": list(spec.languages), "timezone": spec.timezone}
            if with_feeds:
                entry["feeds"] = [base + p for p in spec.feeds]
                entry["sitemaps"] = [base + p for p in spec.sitemaps]
            if spec.paywalled:
                entry["paywalled"] = True
            if with_sections and spec.sections:
                entry["sections"] = [base + p for p in spec.sections]
            outlets.append(entry)
    return {"outlets": outlets}
