"""Generate one outlet-like website: homepage, robots.txt, sitemaps, feed, sections, articles, other pages.

Deterministic for a (name, seed): the same call builds the same bytes. Articles are dated
over the last 10 days (some older), vary in length (300–1500 words) and weight (40–150 KB
of HTML with the shape's noise), and some are about Morocco–France security cooperation.
Built for speed: site-wide chrome is made once, so thousands of articles take seconds.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from localweb import lexicon, pages
from localweb.model import BASE, ArticleTruth, OutletSpec, Resource, Site
from localweb.pages import Art, Chrome, Urls

DEFAULT_TIMEZONES = {"MA": "Africa/Casablanca", "FR": "Europe/Paris", "ES": "Europe/Madrid"}
HTML = "text/html; charset=utf-8"
PER_PAGE = 20
FEED_ITEMS = 50
SITEMAP_CHUNK = 1000
TOPIC_CYCLE = ["coop", "coop", "near", "economie", "economie", "sport", "sport", "culture", "societe", "societe"]


def shape_noise(shape: str, lang: str, site: str) -> tuple[str, ...]:
    """Boilerplate strings every article page of this shape shows (tags stripped) and extraction must drop."""
    lb = lexicon.LABELS[lang]
    return {
        "wordpress": (lb["reply"], lb["enter_comment"], lb["mobile"], lb["no_comment"], "TAGS"),
        "aggregator": (lb["reported"], lb["reported_more"], lb["source_link"], lb["published_in"], lexicon.TICKER[1]),
        "portal": (lb["flash"], "ArabicEnglishFrench", lexicon.IMAGE_FILES[0], "le ."),
        "readmore": (lb["read_also"], lb["related"], lb["further"], lb["interest"], lb["follow"].format(site=site)),
        "clean": (lb["cookies"], lb["newsletter"]),
    }[shape]


AGGREGATED_SOURCES = ["Maroc Diplomatique", "Le Matin", "MAP", "L'Opinion", "Hespress FR", "Médias24"]


def _rng(name: str, seed: int) -> random.Random:
    return random.Random(zlib.crc32(f"{name}\0{seed}".encode()))


def _resource(body: str, content_type: str = HTML) -> Resource:
    return Resource(body=body.encode("utf-8"), headers={"Content-Type": content_type})


def _make_chrome(name: str, lang: str, shape: str, urls: Urls, rng: random.Random, authors: list[str]) -> Chrome:
    tag_labels = lexicon.TAGS[lang]
    css = "".join(f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{(i * 7919) % 0xFFFFFF:06x}}}" for i in range(220))
    scripts = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
               f"gtag('js',new Date());gtag('config','G-{zlib.crc32(name.encode()) % 10**8:08d}');")
    pad_lines = [f"googletag.cmd.push(function(){{googletag.defineSlot('/2162/{slot}',[[728,90],[300,250]],"
                 f"'div-gpt-ad-{rng.randrange(10**12)}').addService(googletag.pubads());}});\n" for slot in range(1400)]
    offsets = [0]
    for line in pad_lines:
        offsets.append(offsets[-1] + len(line))
    return Chrome(name=name, lang=lang, shape=shape, urls=urls,
                  authors={a: pages.slugify(a) or f"auteur-{i}" for i, a in enumerate(authors)},
                  tags={t: pages.slugify(t) or f"tag-{i}" for i, t in enumerate(tag_labels)},
                  css=css, scripts=scripts, pad_lines=pad_lines, pad_offsets=offsets)


def _publication_times(rng: random.Random, n: int, today: date, tz: ZoneInfo) -> list[datetime]:
    """85 % within the last 10 days, the rest older (12–45 days); never today, so never in the future
    whatever the hour a test runs, and never on the 10-day boundary."""
    out = []
    for _ in range(n):
        days = rng.randint(1, 9) if rng.random() < 0.85 else rng.randint(12, 45)
        clock = time(rng.randint(6, 23), rng.randint(0, 59))
        out.append(datetime.combine(today - timedelta(days=days), clock, tzinfo=tz))
    return sorted(out)


def _articles(rng: random.Random, lang: str, shape: str, n: int, today: date, tz: ZoneInfo, authors: list[str],
              start_id: int) -> list[Art]:
    times = _publication_times(rng, n, today, tz)
    topics: list[str] = []
    while len(topics) < n:
        cycle = TOPIC_CYCLE[:]
        rng.shuffle(cycle)
        topics.extend(cycle)
    arts = []
    for i, when in enumerate(times):
        topic = topics[i]
        weekday = lexicon.WEEKDAYS[lang][when.weekday()]
        words = rng.randint(300, 1500)
        mode_roll = rng.random()
        if shape == "aggregator":
            mode = "jsonld" if mode_roll < 0.7 else "visible"
        else:
            mode = "jsonld" if mode_roll < 0.6 else ("time" if mode_roll < 0.8 else "visible")
        modified = when + timedelta(hours=rng.randint(1, 20), minutes=rng.randint(0, 59)) if rng.random() < 0.3 else None
        tags = rng.sample(lexicon.TAGS[lang], 3)
        slots = lexicon.event_slots(rng, lang, weekday)  # one event per article: one city, one person…
        arts.append(Art(
            id=start_id + i, section=lexicon.TOPIC_SECTION[topic], topic=topic,
            title=lexicon.make_title(rng, lang, topic, weekday, slots), author=rng.choice(authors), published=when,
            modified=modified, date_mode=mode, paragraphs=lexicon.make_paragraphs(rng, lang, topic, words, weekday, slots),
            tags=tags, size_target=int(rng.triangular(40_000, 150_000, 70_000)),
        ))
        arts[-1].event = lexicon.event_key(topic, lang, slots)
    return arts


_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _el(tag: str, content: str | list[str] | None = None, **attrs: str) -> str:
    """One XML element, escaped once here for every feed and sitemap: ``str`` content is text,
    a list is ready-made child elements, ``None`` an empty element (``<link href="..."/>``)."""
    head = tag + "".join(f' {name}="{xml_escape(value)}"' for name, value in attrs.items())
    if content is None:
        return f"<{head}/>"
    inner = xml_escape(content) if isinstance(content, str) else "".join(content)
    return f"<{head}>{inner}</{tag}>"


def _lines(elements: list[str]) -> str:
    return "".join(element + "\n" for element in elements)


def _rss(c: Chrome, arts: list[Art], now: datetime) -> str:
    items = [_el("item", [
        _el("title", a.title), _el("link", BASE + (a.tracked_path or a.path)),
        _el("guid", f"{c.name}-{a.id}", isPermaLink="false"), _el("pubDate", format_datetime(a.published)),
        _el("dc:creator", a.author), _el("category", lexicon.SECTIONS[c.lang][a.section]), _el("description", a.summary),
    ]) for a in arts]
    channel = [_el("title", c.name), _el("link", BASE + c.urls.home()), _el("description", c.name),
               _el("language", c.lang), _el("lastBuildDate", format_datetime(now)),
               _el("atom:link", href=BASE + c.urls.feed(), rel="self", type="application/rss+xml")]
    return (_XML + '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
            + _lines(["".join(channel)]) + _lines(items) + "</channel>\n</rss>\n")


def _atom(c: Chrome, arts: list[Art], now: datetime) -> str:
    entries = [_el("entry", [
        _el("title", a.title), _el("link", rel="alternate", href=BASE + (a.tracked_path or a.path)),
        _el("id", f"tag:{pages.slugify(c.name)},{a.published:%Y-%m-%d}:{a.id}"),
        _el("published", a.published.isoformat()), _el("updated", (a.modified or a.published).isoformat()),
        _el("author", [_el("name", a.author)]), _el("summary", a.summary),
    ]) for a in arts]
    head = [_el("title", c.name), _el("id", BASE + c.urls.home()), _el("updated", now.isoformat()),
            _el("link", rel="self", href=BASE + c.urls.feed()), _el("link", rel="alternate", href=BASE + c.urls.home())]
    return (_XML + f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{c.lang}">\n'
            + _lines(["".join(head)]) + _lines(entries) + "</feed>\n")


def _news_sitemap(c: Chrome, arts: list[Art]) -> str:
    publication = _el("news:publication", [_el("news:name", c.name), _el("news:language", c.lang)])
    urls = [_el("url", [
        _el("loc", BASE + a.path), _el("lastmod", (a.modified or a.published).isoformat()),
        _el("news:news", [publication, _el("news:publication_date", a.published.isoformat()),
                          _el("news:title", a.title)]),
    ]) for a in arts]
    return (_XML + f'<urlset xmlns="{_SITEMAP_NS}" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + _lines(urls) + "</urlset>\n")


def _plain_sitemap(paths: list[str], now: datetime) -> str:
    urls = [_el("url", [_el("loc", BASE + p), _el("lastmod", now.date().isoformat())]) for p in paths]
    return _XML + f'<urlset xmlns="{_SITEMAP_NS}">\n' + _lines(urls) + "</urlset>\n"


def _sitemap_index(paths: list[str], now: datetime) -> str:
    maps = [_el("sitemap", [_el("loc", BASE + p), _el("lastmod", now.isoformat())]) for p in paths]
    return _XML + f'<sitemapindex xmlns="{_SITEMAP_NS}">\n' + _lines(maps) + "</sitemapindex>\n"


_FEED_LINK = re.compile(rb'<link rel="alternate" type="application/(?:rss|atom)\+xml"[^>]*>\n?')


PAYWALL_NOTICE = "Cet article est réservé aux abonnés."


def robots_txt(disallow: list[str], sitemaps: list[str]) -> str:
    lines = ["User-agent: *"] + [f"Disallow: {d}" for d in disallow] + [""] + [f"Sitemap: {BASE}{s}" for s in sitemaps]
    return "\n".join(lines) + "\n"


def _republished(rng: random.Random, sources: Sequence[tuple[str, Art]], tz: ZoneInfo, authors: list[str],
                 start_id: int) -> list[tuple[Art, str, str]]:
    """Word-for-word copies of other outlets' articles (an aggregator's bread and butter), an
    hour after the original (same day), with (original's event, "outlet path" of the original)."""
    out = []
    for i, (outlet, src) in enumerate(sources):
        when = src.published.astimezone(tz)
        when = min(when + timedelta(hours=1), when.replace(hour=23, minute=59))
        copy = Art(id=start_id + i, section=src.section, topic=src.topic, title=src.title, author=rng.choice(authors),
                   published=when, modified=None, date_mode="jsonld", paragraphs=list(src.paragraphs),
                   tags=list(src.tags), size_target=src.size_target)
        out.append((copy, src.event or f"{outlet}#{src.id}", f"{outlet} {src.path}"))
    return out


def build_outlet_site(name: str, *, shape: str, language: str, n_articles: int, today: date, seed: int = 0,
                      path_prefix: str = "/", country: str = "MA", timezone: str = "", weight: str = "light",
                      advertise: bool = True, feed_path: str = "", hidden: int = 0, hidden_in: str = "sitemap",
                      paywalled: bool = False, republish: Sequence[tuple[str, Art]] = ()) -> Site:
    """Build one outlet. ``path_prefix`` ("/ar/") makes an edition that lives under one path of a host;
    ``weight`` "full" gives article pages the markup mass of real ones (``pages.PAGE_WEIGHTS``).

    Discovery variants: ``advertise=False`` drops the pages' ``<link rel="alternate">`` and
    robots.txt's ``Sitemap:`` line (a crawler must probe the usual locations); ``feed_path``
    serves the feed at another absolute path (e.g. "/feed.xml" at the host root); ``hidden``
    articles are linked from no page at all, only listed in the sitemap or the feed
    (``hidden_in``), so only that channel finds them (their paths in ``Site.hidden``).
    ``paywalled`` article pages show the headline and a short lede, then a subscribe box.
    ``republish``: (outlet, article) of other outlets' generated articles (``Site.generated``) this
    one copies word for word, in place of as many of its own ``n_articles``.
    """
    if hidden_in not in ("sitemap", "feed"):
        raise ValueError(f"hidden_in must be 'sitemap' or 'feed': {hidden_in!r}")
    if shape not in pages.SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {pages.SHAPES}")
    if weight not in pages.PAGE_WEIGHTS:
        raise ValueError(f"unknown page weight {weight!r}; expected one of {pages.PAGE_WEIGHTS}")
    if language not in lexicon.LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {lexicon.LANGUAGES}")
    if not path_prefix.startswith("/") or not path_prefix.endswith("/"):
        raise ValueError(f"path_prefix must start and end with '/': {path_prefix!r}")
    rng = _rng(name, seed)
    zone_name = timezone or DEFAULT_TIMEZONES.get(country, "UTC")
    tz = ZoneInfo(zone_name)
    urls = Urls(shape, path_prefix.rstrip("/"))
    authors = AGGREGATED_SOURCES if shape == "aggregator" and language == "fr" else lexicon.AUTHORS[language]
    chrome = _make_chrome(name, language, shape, urls, rng, authors)
    start_id = 10_000 + rng.randrange(80_000)
    arts = _articles(rng, language, shape, n_articles - len(republish), today, tz, authors, start_id=start_id)
    copies = _republished(rng, republish, tz, authors, start_id + n_articles) if republish else []
    arts += [copy for copy, _, _ in copies]
    events = {id(copy): (event, original) for copy, event, original in copies}
    taken: set[str] = set()
    for a in arts:
        a.path = urls.article(a)
        if a.path in taken:  # same slug the same day: the CMS appends the id, as WordPress appends "-2"
            a.slug_suffix = f"-{a.id % 1000}"
            a.path = urls.article(a)
        taken.add(a.path)
        if rng.random() < 0.3:
            sep = "&" if "?" in a.path else "?"
            a.tracked_path = f"{a.path}{sep}utm_source=rss&utm_medium=feed&utm_campaign={pages.slugify(name)}"
    if paywalled:  # subscribers only: a lede of 12 words, the rest behind the paywall
        for a in arts:
            a.paragraphs = [" ".join(a.paragraphs[0].split()[:12]).rstrip(".,;:") + "…", PAYWALL_NOTICE]
    every = sorted(arts, key=lambda a: a.published, reverse=True)
    recent = [a for a in every if a.published.date() >= today - timedelta(days=9)]
    secret = {id(a) for a in recent[1:1 + 2 * hidden:2]}  # every other recent one, never the newest
    newest = [a for a in every if id(a) not in secret]  # what pages link to
    hidden_arts = [a for a in every if id(a) in secret]
    for a in arts:  # links to other stories: read-also blocks, teasers, "most read"
        a.related = rng.sample(newest, min(len(newest), 17))
        a.related = [r for r in a.related if r is not a]
    ticker_titles = lexicon.TICKER * 3
    chrome.ticker = [(t, newest[i % len(newest)].path if newest else urls.home()) for i, t in enumerate(ticker_titles[:50])]
    chrome.weight, chrome.latest = weight, newest[:60]
    now = datetime.combine(today, time(6, 0), tzinfo=tz)

    res: dict[str, Resource] = {}
    truths: list[ArticleTruth] = []
    for a in arts:
        res[a.path] = _resource(pages.article_page(chrome, a))
        truths.append(ArticleTruth(
            path=a.path, outlet=name, language=language, title=a.title, author=a.author, published=a.published,
            date_precision="day" if (shape == "aggregator" and a.date_mode == "visible") else "minute",
            date_source=a.date_mode, topic=a.topic, section=a.section, lede=a.paragraphs[0],
            last_paragraph=a.paragraphs[-1], words=lexicon.word_count(a.paragraphs), tracked_path=a.tracked_path,
            event=events.get(id(a), (a.event or f"{name}#{a.id}", ""))[0], copy_of=events.get(id(a), ("", ""))[1],
            paragraphs=tuple(a.paragraphs),
        ))

    non_articles: list[str] = []
    section_paths: list[str] = []
    labels = lexicon.SECTIONS[language]
    for sec, label in labels.items():
        in_sec = [a for a in newest if a.section == sec]
        n_pages = max(1, -(-len(in_sec) // PER_PAGE))
        page_links = [(k, urls.section(sec, k)) for k in range(1, n_pages + 1)]
        for k in range(1, n_pages + 1):
            path = urls.section(sec, k)
            chunk = in_sec[(k - 1) * PER_PAGE: k * PER_PAGE]
            res[path] = _resource(pages.listing_page(chrome, label, path, chunk, pages=page_links))
            non_articles.append(path)
        section_paths.append(urls.section(sec))
    for label, slug in chrome.tags.items():
        path = urls.tag(slug)
        tagged = [a for a in newest if label in a.tags][:PER_PAGE]
        res[path] = _resource(pages.listing_page(chrome, label, path, tagged))
        non_articles.append(path)
    for author, slug in chrome.authors.items():
        path = urls.author(slug)
        theirs = [a for a in newest if a.author == author][:PER_PAGE]
        bio = f"{author} — {name}."
        res[path] = _resource(pages.listing_page(chrome, author, path, theirs, intro=bio, kind="ProfilePage"))
        non_articles.append(path)
    about_text = lexicon.make_paragraphs(rng, language, "culture", 250, "")
    static = {
        "about": pages.text_page(chrome, lexicon.LABELS[language]["about"], urls.static("about"),
                                 [f"{name}."] + about_text),
        "contact": pages.text_page(chrome, lexicon.LABELS[language]["contact"], urls.static("contact"),
                                   ["12, avenue Mohammed V, Rabat. Tél. : +212 5 37 00 00 00."], pages.contact_form(chrome)),
        "login": pages.text_page(chrome, lexicon.LABELS[language]["login"], urls.static("login"), [], pages.login_form(chrome)),
        "search": pages.listing_page(chrome, lexicon.LABELS[language]["search"] + " : maroc", urls.static("search"),
                                     newest[:10], kind="SearchResultsPage"),
    }
    for kind, html in static.items():
        res[urls.static(kind)] = _resource(html)
        non_articles.append(urls.static(kind))
    home = urls.home()
    res[home] = _resource(pages.listing_page(chrome, name, home, newest[:30], kind="WebSite"))
    non_articles.append(home)
    private = urls.private()
    res[private] = _resource(pages.text_page(chrome, "Espace rédaction", private, ["Brouillons internes."]))

    feed_path = feed_path or urls.feed()
    feed_items = sorted(newest + (hidden_arts if hidden_in == "feed" else []), key=lambda a: a.published,
                        reverse=True)[:FEED_ITEMS]
    if pages.FEED_KIND[shape] == "atom":
        res[feed_path] = _resource(_atom(chrome, feed_items, now), "application/atom+xml; charset=utf-8")
    else:
        res[feed_path] = _resource(_rss(chrome, feed_items, now), "application/rss+xml; charset=utf-8")
    maps = []
    mapped = newest + hidden_arts if hidden_in == "sitemap" else newest
    for k in range(max(1, -(-len(mapped) // SITEMAP_CHUNK))):
        path = urls.news_sitemap(k + 1)
        res[path] = _resource(_news_sitemap(chrome, mapped[k * SITEMAP_CHUNK:(k + 1) * SITEMAP_CHUNK]),
                              "application/xml; charset=utf-8")
        maps.append(path)
    pages_map = urls.pages_sitemap()
    res[pages_map] = _resource(_plain_sitemap([home, *section_paths, urls.static("about"), urls.static("contact")], now),
                               "application/xml; charset=utf-8")
    res[urls.sitemap_index()] = _resource(_sitemap_index([*maps, pages_map], now), "application/xml; charset=utf-8")
    disallow = [private] + ([f"{urls.prefix}/wp-admin/"] if shape == "wordpress" else [])
    res["/robots.txt"] = _resource(robots_txt(disallow, [urls.sitemap_index()] if advertise else []),
                                   "text/plain; charset=utf-8")
    if not advertise:
        for resource in res.values():
            if resource.headers.get("Content-Type") == HTML:
                resource.body = _FEED_LINK.sub(b"", resource.body)

    not_found_html = pages.text_page(chrome, lexicon.LABELS[language]["not_found"], home,
                                     [lexicon.LABELS[language]["not_found"] + "."])
    return Site(
        name=name, resources=res,
        outlets=[OutletSpec(name=name, path_prefix=path_prefix, country=country, languages=(language,),
                            timezone=zone_name, paywalled=paywalled, feeds=(feed_path,), sitemaps=(urls.sitemap_index(),),
                            sections=tuple(section_paths))],
        articles=truths, hidden=[a.path for a in hidden_arts], non_articles=non_articles, noise=shape_noise(shape, language, name), disallowed=[private],
        not_found=Resource(status=404, body=not_found_html.encode("utf-8"), headers={"Content-Type": HTML}),
        generated=arts,
    )

