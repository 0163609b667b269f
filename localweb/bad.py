"""The bad-input outlet: every way a real site goes wrong, each linked from its feed and sitemap.

``Site.cases`` maps each path to what a crawl must do with it; ``Site.articles`` lists the
pages that must end up stored (with their text, to check decoding). Cases: a 404, a 500
then 200, a 503 with Retry-After then 200, a page slower than the timeout, a redirect
loop, windows-1256 Arabic and ISO-8859-1 French pages declared as such, truncated HTML,
a binary body labelled text/html, a body over the size cap and one that never ends, a
malformed feed, an empty article (a video page), an empty body, a soft 404, and an
article whose text shows markup (``<script>``) that must stay text.
"""

from __future__ import annotations

import json
import random
import zlib
from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from localweb import lexicon
from localweb.model import BASE, ArticleTruth, OutletSpec, Resource, Site
from localweb.outlet import robots_txt

TZ = "Africa/Casablanca"


def _page(title: str, paragraphs: list[str], *, lang: str, published: datetime | None, charset: str = "utf-8",
          path: str = "", og_type: str = "article", extra_head: str = "", body_extra: str = "") -> str:
    head_date = ""
    if published is not None:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
              "datePublished": published.isoformat(), "inLanguage": lang, "url": BASE + path}
        ld_text = json.dumps(ld, ensure_ascii=False).replace("<", "\\u003c")
        head_date = (f'<meta property="article:published_time" content="{published.isoformat()}">\n'
                     f'<script type="application/ld+json">{ld_text}</script>\n')
    paras = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    when = f'<time datetime="{published.isoformat()}">{escape(lexicon.visible_date(lang, "long", published))}</time>' if published else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n<title>{escape(title)}</title>\n'
            f'<link rel="canonical" href="{BASE}{escape(path)}">\n<meta property="og:type" content="{og_type}">\n'
            f'<meta property="og:title" content="{escape(title)}">\n{head_date}{extra_head}</head>\n<body>\n'
            f'<nav><a href="/">{escape(lexicon.LABELS[lang]["home"])}</a> '
            f'<a href="/a-propos">{escape(lexicon.LABELS[lang]["about"])}</a></nav>\n'
            f'<article><h1>{escape(title)}</h1>\n<div class="date">{when}</div>\n<div class="content">\n{paras}</div></article>\n'
            f"{body_extra}<footer><p>Le Site Cass&eacute;</p></footer>\n</body>\n</html>\n")


def _html(text: str, charset: str = "utf-8", status: int = 200) -> Resource:
    return Resource(status=status, body=text.encode(charset), headers={"Content-Type": f"text/html; charset={charset}"})


def build_bad_site(name: str, today: date, *, slow_delay: float = 10.0, huge_bytes: int = 12 * 1024 * 1024) -> Site:
    """Build the bad-input outlet. ``slow_delay`` must exceed the crawl's timeout; ``huge_bytes`` its size cap."""
    rng = random.Random(zlib.crc32(name.encode()))
    tz = ZoneInfo(TZ)
    res: dict[str, Resource] = {}
    cases: dict[str, str] = {}
    truths: list[ArticleTruth] = []
    feed_items: list[tuple[str, str, datetime]] = []

    def when(k: int) -> datetime:
        return datetime.combine(today - timedelta(days=1 + k % 5), time(6 + k % 14, 5 * k % 60), tzinfo=tz)

    def article(path: str, lang: str, topic: str, k: int, *, charset: str = "utf-8", expect: str = "article",
                paragraphs: list[str] | None = None, title: str = "", store: bool = True,
                slots: dict[str, str] | None = None) -> tuple[str, list[str], datetime]:
        published = when(k)
        weekday = lexicon.WEEKDAYS[lang][published.weekday()]
        slots = slots if slots is not None else lexicon.event_slots(rng, lang, weekday)  # one event per article
        title = title or lexicon.make_title(rng, lang, topic, weekday, slots)
        paragraphs = paragraphs or lexicon.make_paragraphs(rng, lang, topic, 350, weekday, slots)
        html = _page(title, paragraphs, lang=lang, published=published, charset=charset, path=path)
        cases[path] = expect
        feed_items.append((path, title, published))
        if store:
            truths.append(ArticleTruth(
                path=path, outlet=name, language=lang, title=title, author="", published=published,
                date_precision="minute", date_source="jsonld", topic=topic, section=lexicon.TOPIC_SECTION.get(topic, topic),
                lede=paragraphs[0], last_paragraph=paragraphs[-1], words=lexicon.word_count(paragraphs),
                event=lexicon.event_key(topic, lang, slots) if slots else ""))
        return html, paragraphs, published

    html, _, _ = article("/articles/ok-fr.html", "fr", "coop", 0)
    res["/articles/ok-fr.html"] = _html(html)
    html, _, _ = article("/articles/ok-ar.html", "ar", "coop", 1)
    res["/articles/ok-ar.html"] = _html(html)

    hostile = ["Le message publié sur le forum contenait le code <script>alert('xss')</script> et un lien "
               "<a href=\"javascript:void(0)\">cliquez</a>, affichés ici comme du texte.",
               "Les enquêteurs de la DGSN et de la DGSI ont analysé ce message dans le cadre de leur coopération "
               "contre la cybercriminalité entre le Maroc et la France.",
               "Ils rappellent que le texte affiché ne doit jamais être exécuté : <b>gras</b> & \"guillemets\"."]
    html, _, _ = article("/articles/hostile.html", "fr", "coop", 2, paragraphs=hostile,
                         title="Cybercriminalité : le <script> qui inquiétait Rabat et Paris")
    res["/articles/hostile.html"] = _html(html)

    html, _, _ = article("/articles/flaky.html", "fr", "economie", 3, expect="500 then 200: stored after a retry")
    res["/articles/flaky.html"] = Resource(responses=[_html("<h1>Internal Server Error</h1>", status=500), _html(html)])
    html, _, _ = article("/articles/busy.html", "fr", "sport", 4, expect="503 with Retry-After then 200: stored after waiting")
    busy = _html("<h1>Service Unavailable</h1>", status=503)
    busy.headers["Retry-After"] = "1"
    res["/articles/busy.html"] = Resource(responses=[busy, _html(html)])

    cases["/articles/missing.html"] = "404: an error record, nothing stored"
    feed_items.append(("/articles/missing.html", "Article supprimé", when(5)))
    res["/articles/missing.html"] = _html(_page("Page introuvable", ["Cette page n'existe pas ou a été supprimée."],
                                                lang="fr", published=None, og_type="website"), status=404)

    html, _, _ = article("/articles/slow.html", "fr", "culture", 6, expect="slower than the timeout: a timeout record",
                         store=False)
    res["/articles/slow.html"] = Resource(body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"},
                                          delay=slow_delay)

    cases["/loop/a"] = "redirect loop: an error record"
    feed_items.append(("/loop/a", "Article déplacé", when(7)))
    res["/loop/a"] = Resource(status=302, headers={"Location": BASE + "/loop/b", "Content-Type": "text/html"})
    res["/loop/b"] = Resource(status=301, headers={"Location": BASE + "/loop/a", "Content-Type": "text/html"})

    ar_day = lexicon.WEEKDAYS["ar"][when(8).weekday()]
    ar_slots = lexicon.event_slots(rng, "ar", ar_day)
    ar_paras = lexicon.make_paragraphs(rng, "ar", "coop", 300, ar_day, ar_slots)
    html, _, _ = article("/articles/arabe-1256.html", "ar", "coop", 8, charset="windows-1256", paragraphs=ar_paras,
                         slots=ar_slots,
                         expect="windows-1256 page: stored with the Arabic text decoded right")
    res["/articles/arabe-1256.html"] = _html(html, "windows-1256")
    fr_day = lexicon.WEEKDAYS["fr"][when(9).weekday()]
    fr_slots = lexicon.event_slots(rng, "fr", fr_day)
    fr_paras = lexicon.make_paragraphs(rng, "fr", "coop", 300, fr_day, fr_slots)
    html, _, _ = article("/articles/latin1.html", "fr", "coop", 9, charset="iso-8859-1", paragraphs=fr_paras,
                         slots=fr_slots,
                         title="Sécurité : Rabat et Paris renforcent leur coopération policière",
                         expect="ISO-8859-1 page: stored with accents decoded right")
    res["/articles/latin1.html"] = _html(html, "iso-8859-1")

    html, paras, _ = article("/articles/truncated.html", "fr", "societe", 10,
                             expect="truncated HTML: stored from what arrived (lede kept) or one error record")
    lede_end = html.index(escape(paras[0])) + len(escape(paras[0]))
    cut = html.index("<p>", lede_end) + 40  # cut inside the second paragraph: no closing tags at all
    res["/articles/truncated.html"] = Resource(body=html[:cut].encode(), headers={"Content-Type": "text/html; charset=utf-8"})

    cases["/articles/binary.html"] = "binary body labelled text/html: an error record, nothing stored"
    feed_items.append(("/articles/binary.html", "Galerie photo", when(11)))
    blob = b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(40_000))
    res["/articles/binary.html"] = Resource(body=blob, headers={"Content-Type": "text/html"}, substitute=False)

    cases["/articles/huge.html"] = f"{huge_bytes} bytes with Content-Length: over the size cap, an error record"
    feed_items.append(("/articles/huge.html", "Dossier complet", when(12)))
    filler = "<p>" + "Texte de remplissage sans fin. " * 2000 + "</p>\n"
    huge = ("<!DOCTYPE html><html><head><title>Dossier</title></head><body>" + filler * (huge_bytes // len(filler) + 1))
    res["/articles/huge.html"] = Resource(body=huge.encode()[:huge_bytes], headers={"Content-Type": "text/html; charset=utf-8"},
                                          substitute=False)
    cases["/articles/endless.html"] = "endless body without Content-Length: cut at the size cap, an error record"
    feed_items.append(("/articles/endless.html", "Direct : suivez la journée", when(13)))
    res["/articles/endless.html"] = Resource(body=filler.encode(), headers={"Content-Type": "text/html; charset=utf-8"},
                                             stream_forever=True, substitute=False)

    cases["/articles/video.html"] = "video page without text: no article stored (empty extraction recorded)"
    feed_items.append(("/articles/video.html", "Vidéo : la cérémonie en images", when(14)))
    video_ld = {"@context": "https://schema.org", "@type": "VideoObject", "name": "La cérémonie en images",
                "uploadDate": when(14).isoformat(), "contentUrl": BASE + "/media/ceremonie.mp4"}
    res["/articles/video.html"] = _html(_page(
        "Vidéo : la cérémonie en images", [], lang="fr", published=None, path="/articles/video.html", og_type="video.other",
        extra_head=f'<script type="application/ld+json">{json.dumps(video_ld, ensure_ascii=False)}</script>\n',
        body_extra='<div class="player"><video src="/media/ceremonie.mp4" controls></video></div>\n'))
    cases["/articles/empty-body.html"] = "200 with an empty body: no article stored"
    feed_items.append(("/articles/empty-body.html", "Brève", when(15)))
    res["/articles/empty-body.html"] = Resource(body=b"", headers={"Content-Type": "text/html; charset=utf-8"})
    cases["/articles/soft-404.html"] = "200 page saying 'Page introuvable': not an article"
    feed_items.append(("/articles/soft-404.html", "Ancien article", when(16)))
    res["/articles/soft-404.html"] = _html(_page("Page introuvable", ["Désolé, la page demandée est introuvable.",
                                                                     "Retournez à l'accueil ou utilisez la recherche."],
                                                 lang="fr", published=None, og_type="website"))

    # inputs: a good feed listing everything, a malformed one, a news sitemap, robots.txt
    now = datetime.combine(today, time(6, 0), tzinfo=tz)
    items = "".join(f"<item><title>{xml_escape(t)}</title><link>{BASE}{xml_escape(p)}</link>"
                    f"<pubDate>{format_datetime(w)}</pubDate></item>\n" for p, t, w in feed_items)
    res["/feed.xml"] = Resource(body=(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Le Site Cassé</title>'
        f"<link>{BASE}/</link><description>Tout ce qui peut mal tourner</description>"
        f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>\n{items}</channel></rss>\n").encode(),
        headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    cases["/feed-broken.xml"] = "malformed feed XML: one error record, the crawl goes on"
    res["/feed-broken.xml"] = Resource(body=(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Flux & cassé</title>\n'
        f"<item><title>Brève&nbsp;urgente</title><link>{BASE}/articles/ok-fr.html</link>\n"
        "<item><title>Sans fin <b>gras</title>\n").encode(), headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    urls = "".join(f"<url><loc>{BASE}{xml_escape(p)}</loc><news:news><news:publication><news:name>Le Site Cassé</news:name>"
                   f"<news:language>fr</news:language></news:publication><news:publication_date>{w.isoformat()}"
                   f"</news:publication_date><news:title>{xml_escape(t)}</news:title></news:news></url>\n"
                   for p, t, w in feed_items)
    res["/sitemap.xml"] = Resource(body=(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + urls + "</urlset>\n").encode(),
        headers={"Content-Type": "application/xml; charset=utf-8"})
    res["/robots.txt"] = Resource(body=robots_txt(["/private/"], ["/sitemap.xml"]).encode(),
                                  headers={"Content-Type": "text/plain; charset=utf-8"})
    links = "".join(f'<li><a href="{escape(p)}">{escape(t)}</a></li>' for p, t, _ in feed_items)
    res["/"] = _html(
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n<title>Le Site Cassé</title>\n'
        f'<link rel="alternate" type="application/rss+xml" title="Flux" href="{BASE}/feed.xml">\n'
        f'<link rel="alternate" type="application/rss+xml" title="Flux (ancien)" href="{BASE}/feed-broken.xml">\n'
        f'<meta property="og:type" content="website">\n</head>\n<body>\n<h1>Le Site Cassé</h1>\n<ul>{links}</ul>\n'
        '<p><a href="/a-propos">À propos</a> <a href="/private/">Espace rédaction</a></p>\n</body>\n</html>\n')
    res["/a-propos"] = _html(_page("À propos", ["Un site de test qui échoue de toutes les façons connues."],
                                   lang="fr", published=None, og_type="website"))
    res["/private/"] = _html(_page("Privé", ["Interdit aux robots."], lang="fr", published=None, og_type="website"))
    return Site(
        name=name, resources=res,
        outlets=[OutletSpec(name=name, path_prefix="/", country="MA", languages=("fr", "ar"), timezone=TZ,
                            feeds=("/feed.xml", "/feed-broken.xml"), sitemaps=("/sitemap.xml",))],
        articles=truths, non_articles=["/", "/a-propos", "/articles/soft-404.html", "/articles/video.html",
                                       "/articles/missing.html"],
        noise=(), disallowed=["/private/"], cases=cases,
        not_found=_html(_page("Page introuvable", ["Cette page n'existe pas."], lang="fr", published=None,
                              og_type="website"), status=404),
    )
