"""HTML of the five page shapes (see ../shared/seeds/README.md), as their CMSs would render them.

wordpress   news theme: breadcrumb, repeated title, comment counter "0", author line,
            "LEAVE A REPLY" comment form, "Quitter la version mobile"
aggregator  republisher: a ~50-headline multilingual ticker, a photo-report widget
            ("Merci d'avoir signalé!"), "Publié dans X le dd - mm - yyyy", "Cliquez ici pour lire…"
portal      "FLASH INFOS" bar, language switcher "ArabicEnglishFrench", image file names, "le .";
            in Arabic, an older PHP portal: the body as text in one <div>, paragraphs separated
            by <br /><br />, the header's "today" date and comments with their own dates
readmore    inline "À lire :" links, follow lines, "Sujets associés", "Aller plus loin" and
            "Ces articles devraient vous intéresser" teaser blocks
clean       the target: an article with ordinary navigation only

Pure functions from records to strings. Absolute URLs carry the ``{BASE}`` placeholder the
server fills in; every page but the deliberately broken ones is well-formed (tags balanced).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from urllib.parse import quote

from localweb.lexicon import IMAGE_FILES, LABELS, SECTIONS, visible_date
from localweb.model import BASE

SHAPES = ("wordpress", "aggregator", "portal", "readmore", "clean")
FEED_KIND = {"wordpress": "rss", "aggregator": "rss", "portal": "atom", "readmore": "rss", "clean": "atom"}
ON_DATE = {"fr": "le", "ar": "يوم", "en": "on", "es": "el"}
DATE_STYLE = {"wordpress": "long", "aggregator": "day", "portal": "weekday", "readmore": "dash", "clean": "long"}


def slugify(text: str, limit: int = 8) -> str:
    """ASCII slug for Latin text; Arabic keeps its letters, percent-encoded as Arabic sites do."""
    words = text.split()[:limit]
    joined = " ".join(words)
    if any("\u0600" <= ch <= "\u06ff" for ch in joined):
        kept = "".join(ch if ch.isalnum() else "-" for ch in joined)
        return quote("-".join(part for part in kept.split("-") if part))
    ascii_text = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode().lower()
    kept = "".join(ch if ch.isalnum() else "-" for ch in ascii_text)
    return "-".join(part for part in kept.split("-") if part)


@dataclass
class Art:
    """One generated article before rendering."""

    id: int
    section: str
    topic: str
    title: str
    author: str
    published: datetime
    modified: datetime | None
    date_mode: str  # jsonld | time | visible
    paragraphs: list[str]
    tags: list[str]
    size_target: int
    path: str = ""
    tracked_path: str = ""
    slug_suffix: str = ""
    event: str = ""  # lexicon.event_key: "" = its own event
    related: list[Art] = field(default_factory=list)

    @property
    def summary(self) -> str:
        lede = self.paragraphs[0]
        return lede if len(lede) < 180 else lede[:177].rsplit(" ", 1)[0] + "…"


@dataclass
class Urls:
    """The URL scheme of one shape under a path prefix ("" for a whole host, "/fr" for an edition)."""

    shape: str
    prefix: str

    def home(self) -> str:
        return self.prefix + "/"

    def article(self, art: Art) -> str:
        p, d, slug = self.prefix, art.published, slugify(art.title) + art.slug_suffix
        return {
            "wordpress": f"{p}/{d.year}/{d.month:02d}/{d.day:02d}/{slug}/",
            "aggregator": f"{p}/actualite/{art.id}/{slug}",
            "portal": f"{p}/index.php/{art.section}/{art.id}-{slug}",
            "readmore": f"{p}/{slug},{art.id}.html",
            "clean": f"{p}/{art.section}/article/{d.year}/{d.month:02d}/{d.day:02d}/{slug}_{art.id}_3210.html",
        }[self.shape]

    def section(self, sec: str, page: int = 1) -> str:
        p = self.prefix
        if self.shape == "wordpress":
            return f"{p}/category/{sec}/" + (f"page/{page}/" if page > 1 else "")
        if self.shape == "aggregator":
            return f"{p}/rubrique/{sec}" + (f"?page={page}" if page > 1 else "")
        if self.shape == "portal":
            return f"{p}/index.php/{sec}" + (f"?start={20 * (page - 1)}" if page > 1 else "")
        if self.shape == "readmore":
            return f"{p}/rubrique/{sec}.html" + (f"?debut={20 * (page - 1)}" if page > 1 else "")
        return f"{p}/{sec}/" + (f"{page}/" if page > 1 else "")

    def tag(self, slug: str) -> str:
        p = self.prefix
        return {"wordpress": f"{p}/tag/{slug}/", "aggregator": f"{p}/mot-cle/{slug}",
                "portal": f"{p}/index.php/tags/{slug}", "readmore": f"{p}/mot/{slug}.html",
                "clean": f"{p}/sujet/{slug}/"}[self.shape]

    def author(self, slug: str) -> str:
        p = self.prefix
        return {"wordpress": f"{p}/author/{slug}/", "aggregator": f"{p}/source/{slug}",
                "portal": f"{p}/index.php/auteurs/{slug}", "readmore": f"{p}/auteur/{slug}.html",
                "clean": f"{p}/signataires/{slug}/"}[self.shape]

    def static(self, kind: str) -> str:
        """about, contact, login, search."""
        p = self.prefix
        table = {
            "wordpress": {"about": "/qui-sommes-nous/", "contact": "/contact/", "login": "/wp-login.php",
                          "search": "/?s=maroc"},
            "aggregator": {"about": "/a-propos", "contact": "/contact", "login": "/connexion",
                           "search": "/recherche?q=maroc"},
            "portal": {"about": "/index.php/qui-sommes-nous", "contact": "/index.php/contact",
                       "login": "/index.php/connexion", "search": "/index.php/recherche?searchword=maroc"},
            "readmore": {"about": "/qui-sommes-nous.html", "contact": "/contact.html",
                         "login": "/spip.php?page=login", "search": "/spip.php?page=recherche&recherche=maroc"},
            "clean": {"about": "/a-propos/", "contact": "/contact/", "login": "/connexion/",
                      "search": "/recherche/?keywords=maroc"},
        }
        return p + table[self.shape][kind]

    def feed(self) -> str:
        p = self.prefix
        return {"wordpress": f"{p}/feed/", "aggregator": f"{p}/rss.xml", "portal": f"{p}/index.php?format=feed&type=atom",
                "readmore": f"{p}/spip.php?page=backend", "clean": f"{p}/rss/une.xml"}[self.shape]

    def sitemap_index(self) -> str:
        return f"{self.prefix}/sitemap_index.xml"

    def news_sitemap(self, k: int) -> str:
        return f"{self.prefix}/sitemaps/news-{k}.xml"

    def pages_sitemap(self) -> str:
        return f"{self.prefix}/sitemaps/pages.xml"

    def private(self) -> str:
        return f"{self.prefix}/private/"


@dataclass
class Chrome:
    """What every page of one site shares: name, language, URLs, navigation, padding material."""

    name: str
    lang: str
    shape: str
    urls: Urls
    authors: dict[str, str]  # name -> slug
    tags: dict[str, str]  # label -> slug
    css: str
    scripts: str
    pad_lines: list[str]
    pad_offsets: list[int]
    ticker: list[tuple[str, str]] = field(default_factory=list)  # (title, path)
    weight: str = "light"  # "full": the markup mass of a real news page (see ``PAGE_WEIGHTS``)
    latest: list[Art] = field(default_factory=list)  # newest articles, for full pages' menus and card grids

    @property
    def labels(self) -> dict[str, str]:
        return LABELS[self.lang]

    @property
    def dir(self) -> str:
        return "rtl" if self.lang == "ar" else "ltr"


PAGE_WEIGHTS = ("light", "full")
"""light: each shape's own noise around the article, padded to size with one inline script
(cheap to parse: fast tests). full: the same plus what makes real pages costly to parse,
as measured on ../shared/fixtures/real-pages (hundreds to thousands of elements): a mega
menu, an icon sprite, share bars, a grid of teaser cards and a footer site map."""

_ICONS = ("facebook", "x", "whatsapp", "telegram", "linkedin", "email", "print", "copy")


def _icon(name: str) -> str:
    return (f'<svg class="icon icon-{name}" viewBox="0 0 24 24" aria-hidden="true"><use href="#i-{name}"></use>'
            f'<path d="M{len(name)} 2h{20 - len(name)}v20H2z"></path></svg>')


def _sprite() -> str:
    symbols = "".join(f'<symbol id="i-{n}" viewBox="0 0 24 24"><path d="M{k} {k}h12v12H{k}z"></path>'
                      f'<circle cx="12" cy="12" r="{k + 3}"></circle></symbol>' for k, n in enumerate(_ICONS))
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{symbols}</svg>\n'


def _cycle(arts: list[Art], start: int, n: int) -> list[Art]:
    """``n`` articles from ``start``, wrapping around: a small site's menus are as full as a big one's."""
    return [arts[(start + i) % len(arts)] for i in range(n)] if arts else []


def _mega_menu(c: Chrome) -> str:
    """Every section with a column of its latest headlines, as big news sites' menus have."""
    cols = []
    for k, (sec, label) in enumerate(SECTIONS[c.lang].items()):
        items = "".join(f'<li class="mega-item"><a class="mega-link" href="{escape(a.path)}"><span>{escape(a.title)}</span></a></li>'
                        for a in _cycle(c.latest, k * 4, 12))
        cols.append(f'<div class="mega-col"><div class="mega-head">{_a(c.urls.section(sec), label)}</div>'
                    f'<ul class="mega-list">{items}</ul></div>')
    return f'<div class="mega-menu" hidden><div class="mega-inner">{"".join(cols)}</div></div>\n'


def _share_bar(c: Chrome) -> str:
    items = "".join(f'<li class="share-item"><a class="share-link share-{n}" href="#" rel="nofollow">{_icon(n)}'
                    f'<span class="sr-only">{n}</span></a></li>' for n in _ICONS)
    return f'<div class="share-bar"><ul class="share-list">{items}</ul></div>\n'


def _card(c: Chrome, art: Art) -> str:
    label = SECTIONS[c.lang][art.section]
    return (f'<article class="card"><div class="card__inner"><a class="card__media" href="{escape(art.path)}" tabindex="-1">'
            f'<picture><source type="image/webp" srcset="/images/{art.id}-320.webp 320w, /images/{art.id}-640.webp 640w">'
            f'<img src="/images/{art.id}-320.jpg" alt="" loading="lazy" width="320" height="180"></picture></a>'
            f'<div class="card__body"><span class="card__kicker">{escape(label)}</span>'
            f'<h3 class="card__title">{_a(art.path, art.title)}</h3>'
            f'<div class="card__meta"><time datetime="{_iso(art.published)}">{escape(visible_date(c.lang, "dash", art.published))}</time>'
            f'{_icon("copy")}</div></div></div></article>')


def _card_grid(c: Chrome, arts: list[Art]) -> str:
    cards = "".join(_card(c, a) for a in _cycle(arts, 0, 24))
    return (f'<section class="more-news" aria-label="{escape(c.labels["most_read"])}"><div class="section-head">'
            f'<span class="section-title">{escape(c.labels["most_read"])}</span></div><div class="cards">{cards}</div></section>\n')


def _site_map_footer(c: Chrome) -> str:
    cols = []
    for sec, label in SECTIONS[c.lang].items():
        links = "".join(f'<li>{_a(c.urls.section(sec, k), f"{label} {k}")}</li>' for k in range(1, 9))
        tags = "".join(f'<li>{_a(c.urls.tag(slug), name)}</li>' for name, slug in list(c.tags.items())[:6])
        cols.append(f'<div class="fcol"><span class="fcol-title">{escape(label)}</span><ul>{links}{tags}</ul></div>')
    return f'<div class="footer-sitemap">{"".join(cols)}</div>\n'


def _a(path: str, text: str, cls: str = "", absolute: bool = False) -> str:
    href = (BASE + path) if absolute else path
    c = f' class="{cls}"' if cls else ""
    return f'<a href="{escape(href)}"{c}>{escape(text)}</a>'


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _head(c: Chrome, title: str, canonical: str, og_type: str, extra: str = "", description: str = "") -> str:
    feed_type = "application/atom+xml" if FEED_KIND[c.shape] == "atom" else "application/rss+xml"
    return (
        f'<!DOCTYPE html>\n<html lang="{c.lang}" dir="{c.dir}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} - {escape(c.name)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="description" content="{escape(description or title)}">\n'
        f'<link rel="canonical" href="{BASE}{escape(canonical)}">\n'
        f'<link rel="alternate" type="{feed_type}" title="{escape(c.name)} » Flux" href="{BASE}{escape(c.urls.feed())}">\n'
        f'<meta property="og:type" content="{og_type}">\n<meta property="og:title" content="{escape(title)}">\n'
        f'<meta property="og:url" content="{BASE}{escape(canonical)}">\n'
        f'<meta property="og:site_name" content="{escape(c.name)}">\n'
        f'<meta property="og:locale" content="{c.lang}_MA">\n{extra}'
        f"<style>{c.css}</style>\n<script>{c.scripts}</script>\n</head>\n"
    )


def _header(c: Chrome) -> str:
    lb, u = c.labels, c.urls
    nav = "".join(f"<li>{_a(u.section(s), label)}</li>" for s, label in SECTIONS[c.lang].items())
    tags = "".join(f"<li>{_a(u.tag(slug), label)}</li>" for label, slug in list(c.tags.items())[:5])
    return (
        f'<div class="cookie-banner"><p>{escape(lb["cookies"])}</p></div>\n'
        f'<header class="site-header"><div class="top-bar"><ul class="top-links">'
        f'<li>{_a(u.static("about"), lb["about"])}</li><li>{_a(u.static("contact"), lb["contact"])}</li>'
        f'<li>{_a(u.static("login"), lb["login"])}</li></ul>'
        f'<form class="search-form" action="{escape(u.static("search").split("?")[0])}" method="get">'
        f'<input type="search" name="q" placeholder="{escape(lb["search"])}"><button type="submit">{escape(lb["search"])}</button></form></div>\n'
        f'<div class="logo">{_a(u.home(), c.name)}</div>\n'
        f'<nav class="main-menu"><ul>{nav}</ul></nav>\n<nav class="hot-tags"><ul>{tags}</ul></nav>'
        + (_mega_menu(c) if c.weight == "full" else "") + '</header>\n'
    )


def _footer(c: Chrome) -> str:
    lb, u = c.labels, c.urls
    authors = "".join(f"<li>{_a(u.author(slug), name)}</li>" for name, slug in list(c.authors.items())[:4])
    mobile = f'<div class="mobile-exit"><a href="?ampoff">{escape(lb["mobile"])}</a></div>' if c.shape == "wordpress" else ""
    return (
        f'<footer class="site-footer"><div class="footer-cols"><ul class="footer-links">'
        f'<li>{_a(u.static("about"), lb["about"])}</li><li>{_a(u.static("contact"), lb["contact"])}</li>'
        f'<li>{_a(u.static("search"), lb["search"])}</li><li>{_a(u.private(), "Espace rédaction")}</li>'
        f'<li><a href="#">{escape(lb["legal"])}</a></li></ul><ul class="footer-authors">{authors}</ul></div>'
        f'<div class="newsletter"><p>{escape(lb["newsletter"])}</p><form action="#" method="post">'
        f'<input type="email" name="email"><button type="submit">OK</button></form></div>'
        + (_site_map_footer(c) if c.weight == "full" else "")
        + f'<p class="copyright">© {escape(c.name)}</p>{mobile}</footer>\n'
    )


def _teaser(c: Chrome, art: Art, with_summary: bool = True, css: str = "teaser") -> str:
    summary = f"<p>{escape(art.summary)}</p>" if with_summary else ""
    when = visible_date(c.lang, "dash", art.published) if c.shape != "aggregator" else ""
    return (f'<div class="{css}"><h3>{_a(art.path, art.title)}</h3>'
            f'<span class="teaser-date">{escape(when)}</span>{summary}</div>')


def _sidebar(c: Chrome, arts: list[Art]) -> str:
    items = "".join(f"<li>{_a(a.path, a.title)}</li>" for a in arts[:6])
    return (f'<aside class="sidebar"><div class="widget most-read"><h4>{escape(c.labels["most_read"])}</h4>'
            f"<ol>{items}</ol></div></aside>\n")


def _padding(c: Chrome, html_so_far: int, target: int) -> str:
    """Inline ad/analytics script sized so the page reaches ``target`` bytes (real pages are heavy)."""
    need = target - html_so_far - 60
    if need <= 0:
        return ""
    # pad_offsets[i] = length of the first i lines
    lo, hi = 0, len(c.pad_offsets) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if c.pad_offsets[mid] <= need:
            lo = mid
        else:
            hi = mid - 1
    return '<script type="text/javascript">\n' + "".join(c.pad_lines[:lo]) + "</script>\n"


def _jsonld(obj: dict) -> str:
    text = json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/ld+json">{text}</script>\n'


def _article_jsonld(c: Chrome, art: Art) -> str:
    obj = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
        "datePublished": _iso(art.published), "dateModified": _iso(art.modified or art.published),
        "author": {"@type": "Person", "name": art.author},
        "publisher": {"@type": "Organization", "name": c.name, "logo": {"@type": "ImageObject", "url": BASE + "/logo.png"}},
        "mainEntityOfPage": {"@type": "WebPage", "@id": BASE + art.path}, "url": BASE + art.path,
        "inLanguage": c.lang, "articleSection": SECTIONS[c.lang][art.section], "keywords": ", ".join(art.tags),
        "image": [BASE + f"/images/{art.id}.jpg"],
    }
    return _jsonld(obj)


def _date_html(c: Chrome, art: Art) -> str:
    """The visible date line; with a machine-readable <time> unless the page shows text only."""
    text = visible_date(c.lang, DATE_STYLE[c.shape], art.published)
    if art.date_mode == "visible":
        html = f'<span class="post-date">{escape(text)}</span>'
    else:
        html = f'<time class="entry-date published" datetime="{_iso(art.published)}">{escape(text)}</time>'
    if art.modified is not None and c.shape in ("wordpress", "clean"):
        html += f' <span class="updated">{escape(c.labels["updated"])} {escape(visible_date(c.lang, "dash", art.modified))}</span>'
    return html


def _paragraphs(paras: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>\n" for p in paras)


def article_page(c: Chrome, art: Art) -> str:
    lb, u = c.labels, c.urls
    extra = ""
    if art.date_mode == "jsonld":
        extra = (f'<meta property="article:published_time" content="{_iso(art.published)}">\n'
                 + (f'<meta property="article:modified_time" content="{_iso(art.modified)}">\n' if art.modified else "")
                 + _article_jsonld(c, art))
    extra += f'<meta name="author" content="{escape(art.author)}">\n' if c.shape != "aggregator" else ""
    head = _head(c, art.title, art.path, "article", extra, art.summary)
    author_link = _a(u.author(c.authors[art.author]), art.author)
    section_label = SECTIONS[c.lang][art.section]
    tags = " - ".join(_a(u.tag(c.tags[t]), t) for t in art.tags)
    related = art.related
    body = [f'<body class="single {c.shape}">\n']
    if c.weight == "full":
        body.append(_sprite())
    body.append(_header(c))
    if c.weight == "full":
        body.append(_share_bar(c))

    if c.shape == "wordpress":
        body.append(
            f'<div class="td-crumb-container"><div class="entry-crumbs">{_a(u.home(), lb["home"])} '
            f'<i class="td-icon-right"></i> {_a(u.section(art.section), section_label)} <i class="td-icon-right"></i> '
            f'<span class="td-bred-no-url-last">{escape(art.title)}</span></div></div>\n'
            f'<div class="td-main-content"><article class="post type-post"><header class="td-post-title">'
            f'<h1 class="entry-title">{escape(art.title)}</h1><div class="td-module-meta-info">'
            f'<div class="td-post-author-name">{author_link}</div> <span class="td-post-date">{_date_html(c, art)}</span>'
            f'<div class="td-post-comments"><a href="{escape(art.path)}#respond"><i class="td-icon-comments"></i>0</a></div>'
            f'</div></header>\n<div class="td-post-sharing">{escape(lb["share"])}</div>\n'
            f'<div class="td-post-content tagdiv-type"><figure class="wp-caption"><img src="/wp-content/uploads/{art.id}.jpg" alt=""></figure>\n'
            f"{_paragraphs(art.paragraphs)}</div>\n"
            f'<footer><div class="td-post-source-tags"><ul class="td-tags"><li><span>TAGS</span></li>'
            + "".join(f"<li>{_a(u.tag(c.tags[t]), t)}</li>" for t in art.tags)
            + f'</ul></div><div class="td-author-name">{author_link}</div></footer></article>\n'
            f'<div class="comments" id="comments"><div class="td-comments-title-wrap"><h4 class="block-title">'
            f'<span>{escape(lb["no_comment"])}</span></h4></div><div id="respond" class="comment-respond">'
            f'<h3 id="reply-title" class="comment-reply-title">{escape(lb["reply"])}</h3>'
            f'<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">'
            f'<div class="clearfix"></div><div class="comment-form-input-wrap td-form-comment">'
            f'<textarea placeholder="Comment:" id="comment" name="comment" cols="45" rows="8"></textarea>'
            f'<div class="td-warning-comment">{escape(lb["enter_comment"])}</div></div>'
            f'<div class="comment-form-input-wrap td-form-author"><input id="author" name="author" placeholder="Name:*" type="text">'
            f'<div class="td-warning-author">{escape(lb["enter_name"])}</div></div>'
            f'<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p>'
            f"</form></div></div></div>\n"
        )
    elif c.shape == "aggregator":
        ticker = "".join(f"<li>{_a(path, title)}</li>" for title, path in c.ticker)
        source = c.authors[art.author]
        body.append(
            f'<div class="news-ticker"><ul class="ticker-list">{ticker}</ul></div>\n'
            f'<div class="photo-report"><img src="/photos/report-{art.id % 7}.jpg" alt="">'
            f'<div class="report-done"><p>{escape(lb["reported"])}</p><p>{escape(lb["reported_more"])}</p></div></div>\n'
            f'<div class="article-main"><h1 class="article-title">{escape(art.title)}</h1>\n'
            f'<p class="article-source">{escape(lb["published_in"])} {_a(u.author(source), art.author)} '
            f'{ON_DATE[c.lang]} {_date_html(c, art)}</p>\n'
            f'<div class="article-body">{_paragraphs(art.paragraphs)}</div>\n'
            f'<p class="source-link"><a href="https://www.example.com/source/{art.id}" rel="nofollow">'
            f'{escape(lb["source_link"])}</a></p></div>\n'
        )
    elif c.shape == "portal":
        old = c.lang == "ar"  # an older PHP portal: <br> paragraphs, a "today" clock, dated comments
        if old:
            today = max((a.published for a in c.latest), default=art.published)
            body.append(f'<div class="today">{escape(visible_date(c.lang, "weekday", today))}</div>\n')
            text = "<br /><br />\n".join(escape(p) for p in art.paragraphs)
            comments = "".join(
                f'<div class="comment"><span class="cdate">{escape(visible_date(c.lang, "weekday", art.published + timedelta(hours=h)))}'
                f"</span><br />{escape(words)}</div>"
                for h, words in ((3, "شكرا على هذا الخبر المفيد"), (27, "نتمنى المزيد من التنسيق الأمني"))
            )
            article_body = (f'<div itemprop="articleBody">{text}</div>\n'
                            f'<div class="comments"><div class="ctitle">التعليقات</div>{comments}</div>\n')
        else:
            article_body = f'<div itemprop="articleBody">{_paragraphs(art.paragraphs)}</div>'
        flash = " | ".join(_a(a.path, a.title) for a in related[:6])
        images = "".join(f'<div class="slide"><img src="/images/{name}" alt="{escape(name)}"><p class="caption">{escape(name)}</p></div>'
                         for name in IMAGE_FILES[: 2 + art.id % 2])
        body.append(
            f'<div class="flash-infos"><span class="flash-label">{escape(lb["flash"])}</span><span class="sep">:</span>'
            f'<div class="flash-items">{flash}</div></div>\n'
            f'<div class="lang-switcher"><a href="{escape(u.home())}?lang=ar">Arabic</a><a href="{escape(u.home())}?lang=en">English</a>'
            f'<a href="{escape(u.home())}?lang=fr">French</a></div>\n<div class="slider">{images}</div>\n'
            f'<div class="item-page"><div class="page-header"><h2 itemprop="headline">{escape(art.title)}</h2></div>\n'
            f'<dl class="article-info"><dd class="published">le .</dd><dd class="create">{_date_html(c, art)}</dd>'
            f'<dd class="createdby">{author_link}</dd></dl>\n'
            f'<p class="img-caption">IMG {art.published:%Y%m%d} WA{art.id % 10000:04d}</p>\n'
            f"{article_body}</div>\n"
        )
    elif c.shape == "readmore":
        paras = art.paragraphs
        parts: list[str] = []
        inline = related[:3]
        for i, para in enumerate(paras):
            parts.append(f"<p>{escape(para)}</p>\n")
            if inline and i % 2 == 1 and i < len(paras) - 1:
                other = inline.pop(0)
                parts.append(f'<p class="lire-aussi"><strong>{escape(lb["read_also"])}</strong> {_a(other.path, other.title)}</p>\n')
        initials = "".join(w[0] for w in art.author.split()[:2]).upper() + "." if c.lang != "ar" else art.author
        further = "".join(_teaser(c, a, css="plus-loin-item") for a in related[3:7])
        interest = "".join(_teaser(c, a, css="interest-item") for a in related[7:17])
        body.append(
            f'<div class="article"><h1 class="titre">{escape(art.title)}</h1>\n'
            f'<div class="info-publi">{_date_html(c, art)} - {escape(section_label)} - {escape(lb["by"])} {escape(initials)}</div>\n'
            f'<div class="texte">{"".join(parts)}</div>\n'
            f'<div class="follow"><p><a href="https://news.google.com/">{escape(c.name)} Google News</a> {escape(lb["follow"].format(site=c.name))}</p>'
            f'<p><a href="https://whatsapp.com/">{escape(c.name)} sur WhatsApp</a> {escape(lb["follow_wa"].format(site=c.name))}</p></div>\n'
            f'<div class="mots-cles">{escape(lb["related"])} {tags}</div>\n'
            f'<div class="plus-loin"><h2>{escape(lb["further"])}</h2>{further}</div>\n'
            f'<div class="interest"><h2>{escape(lb["interest"])}</h2>{interest}</div></div>\n'
        )
    else:  # clean
        body.append(
            f'<main class="article-page"><article class="article"><h1 class="article__title">{escape(art.title)}</h1>\n'
            f'<div class="meta"><span class="meta__author">{author_link}</span> <span class="meta__date">{_date_html(c, art)}</span></div>\n'
            f'<div class="article__content">{_paragraphs(art.paragraphs)}</div></article></main>\n'
        )
    if c.weight == "full":
        body.append(_share_bar(c) + _card_grid(c, [a for a in c.latest if a is not art]))
    if c.shape != "clean":
        body.append(_sidebar(c, related))
    body.append(_footer(c))
    html = head + "".join(body)
    return html + _padding(c, len(html) + 20, art.size_target) + "</body>\n</html>\n"


def listing_page(c: Chrome, title: str, path: str, arts: list[Art], *, intro: str = "", pages: list[tuple[int, str]] | None = None,
                 kind: str = "CollectionPage") -> str:
    """Section, tag, author, search and home pages: teasers, pagination, no article body."""
    head = _head(c, title, path, "website", _jsonld({"@context": "https://schema.org", "@type": kind, "name": title,
                                                    "url": BASE + path}))
    pager = ""
    if pages:
        pager = '<nav class="pagination">' + " ".join(_a(p, f'{c.labels["page"]} {n}') for n, p in pages) + "</nav>\n"
    teasers = "".join(_teaser(c, a) for a in arts)
    return (head + f'<body class="archive {c.shape}">\n' + _header(c)
            + f'<main class="listing"><h1 class="archive-title">{escape(title)}</h1>\n'
            + (f'<div class="archive-intro"><p>{escape(intro)}</p></div>\n' if intro else "")
            + f'<div class="teasers">{teasers}</div>\n{pager}</main>\n' + _sidebar(c, arts[5:]) + _footer(c) + "</body>\n</html>\n")


def text_page(c: Chrome, title: str, path: str, paragraphs: list[str], form: str = "") -> str:
    """About, contact and login pages: prose or a form, plainly not news."""
    head = _head(c, title, path, "website", _jsonld({"@context": "https://schema.org", "@type": "WebPage", "name": title}))
    return (head + f'<body class="page {c.shape}">\n' + _header(c) + f'<main class="page-content"><h1>{escape(title)}</h1>\n'
            + _paragraphs(paragraphs) + form + "</main>\n" + _footer(c) + "</body>\n</html>\n")


def login_form(c: Chrome) -> str:
    return (f'<form class="login" action="{escape(c.urls.static("login"))}" method="post"><label>E-mail <input type="email" name="log"></label>'
            f'<label>Mot de passe <input type="password" name="pwd"></label><button type="submit">{escape(c.labels["login"])}</button></form>\n')


def contact_form(c: Chrome) -> str:
    return ('<form class="contact" action="#" method="post"><input type="text" name="name"><input type="email" name="email">'
            f'<textarea name="message" rows="6"></textarea><button type="submit">{escape(c.labels["contact"])}</button></form>\n')
