"""Cheap page metadata: title, author, site name, description, canonical URL, JSON-LD types.

trafilatura's own metadata pass costs as much as a third of the extraction (its author
search and htmldate), so newswatch reads the handful of fields it needs directly from
``<meta>``, JSON-LD and a few XPaths on the already-parsed tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "LiveBlogPosting",
        "BlogPosting",
        "SocialMediaPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
        "SatiricalArticle",
    }
)

_WS = re.compile(r"\s+")
_BYLINE_PREFIX = re.compile(
    r"^(?:par|by|por|de|écrit\s+par|ecrit\s+par|rédigé\s+par|auteur|author|autor|بقلم|كتب|إعداد)\s*:?\s+",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " « ")


def clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


@dataclass
class PageMeta:
    title: str = ""
    author: str | None = None
    site_name: str | None = None
    description: str | None = None
    canonical: str | None = None
    og_type: str = ""
    h1: str = ""  # text of the first <h1>
    title_tag: str = ""  # text of <title>
    jsonld_types: set[str] = field(default_factory=set)
    article_jsonld: dict[str, Any] | None = None

    @property
    def has_article_markup(self) -> bool:
        return self.og_type == "article" or bool(self.jsonld_types & ARTICLE_TYPES)


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _names(value: Any) -> list[str]:
    """Names in a JSON-LD author/publisher value (string, object or list of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _meta_map(tree: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if key and content and key not in found:
            found[key] = clean(content)
    return found


def _strip_site(title: str, site_name: str | None) -> str:
    """'Headline | Site' -> 'Headline' when the tail is the site name (or short)."""
    for sep in _TITLE_SEPARATORS:
        if sep in title:
            head, _, tail = title.rpartition(sep)
            tail_key = tail.strip().lower()
            if head.strip() and (
                (site_name and (tail_key in site_name.lower() or site_name.lower() in tail_key))
                or len(tail.split()) <= 3
                and len(head) > 2 * len(tail)
            ):
                return head.strip()
    return title


def author_from_elements(elements: Iterable[HtmlElement], site_name: str | None = None) -> str | None:
    """The first byline-looking text among ``elements`` (rel/itemprop/class "author", "byline").

    Collected by the noise pass, which visits every element anyway (a separate XPath
    search cost ~1 ms a page)."""
    return _clean_author(_first_byline(elements), site_name)


_BYLINE_IN_TEXT = re.compile(
    r"(?:^|[|—–·-]\s*)(?:(?:écrit|ecrit|rédigé|redige|written|escrito|redactado)\s+)?"
    r"(?:par|by|por|بقلم|كتب(?:ها)?(?:\s+بواسطة)?|بواسطة|إعداد)\s*:?\s+(?P<name>[^\s|—–·,،:;\d][^|—–·,،:;\d]{1,58}?)"
    r"\s*(?=[|—–·,،;]|\s-\s|$|\s(?:publié|publie|le\s\d|mis à jour|posted|published|updated|publicado|on\s|el\s\d|نشر|بتاريخ|يوم|في\s))",
    re.IGNORECASE,
)
# How many text nodes after the headline are searched for a byline.
_BYLINE_LOOKAHEAD = 12


def author_from_text(headline: HtmlElement | None, site_name: str | None = None) -> str | None:
    """A byline written as text under the headline ("Par Leïla Amrani — Publié le …",
    "بتاريخ 13/03/2025 | بقلم: عبد الرحيم الزهراوي"), on pages without author markup."""
    if headline is None:
        return None
    # the elements themselves, not id()s: lxml's proxy of a block already looked at is freed
    # and its id() reused by the next block's, which was then skipped unread
    seen: set[HtmlElement] = set()
    for text in headline.xpath(f"following::text()[normalize-space()][position() <= {_BYLINE_LOOKAHEAD}]"):
        parent = text.getparent()
        if parent is None:
            continue
        block = parent
        while block.tag in ("a", "span", "b", "strong", "em", "i", "font") and block.getparent() is not None:
            block = block.getparent()
        if block in seen:
            continue
        seen.add(block)
        line = clean(block.text_content())
        if len(line) > 200:
            continue
        found = _BYLINE_IN_TEXT.search(line)
        if found:
            name = _clean_author(found.group("name"), site_name)
            if name and len(name.split()) <= 5:
                return name
    return None


# class/id words of the blocks an author is never read from: comment sections and forms
# (a commenter's "comment-author", a form's "Nom *" label), related-stories boxes,
# sidebars and widgets, the page footer (a CMS credit "Drupal por Smartica"). Whole words,
# so that a body's "no-sidebars" or a post's "comments-open" state class is no region.
_NO_AUTHOR_WORD = re.compile(
    r"(?:comments?|commentaires?|commentlist|comment-list|comments?[-_](?!open|closed|count|link|number|off\b|on\b)\w[\w-]*"
    r"|jcomments?[\w-]*|disqus[\w-]*|dsq-[\w-]+|fb-comments?|reactions?|respond|commentform|reply-form"
    r"|تعليق|تعليقات|التعليقات"
    r"|related[\w-]*|[\w-]+[-_]related[\w-]*|yarpp[\w-]*|crp_related"
    r"|sidebar|side-bar|sidebar[-_](?:\d+|primary|secondary|widgets?|area|content|inner|wrapper|container)"
    r"|(?:primary|secondary|main|blog|site|page|post|article)[-_]sidebar|widget-area|widgets?|widget[-_][\w-]+"
    r"|footer|site-footer|page-footer|main-footer|global-footer|colophon)",
    re.IGNORECASE,
)
# Elements that are never such a block themselves (a state class on them says nothing).
_PAGE_TAGS = frozenset({"html", "body", "main", "head"})


def no_author_region(element: HtmlElement) -> bool:
    """True for a comment section/form, related box, sidebar or page footer (by class/id)."""
    if element.tag in _PAGE_TAGS:
        return False
    words = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(words.strip()) and _no_author_words(words)


@lru_cache(maxsize=8192)
def _no_author_words(words: str) -> bool:
    return any(_NO_AUTHOR_WORD.fullmatch(word) for word in words.split())


def _first_byline(elements: Iterable[HtmlElement]) -> str | None:
    for element in elements:
        if element.tag in ("meta", "link"):
            continue
        text = _BYLINE_PREFIX.sub("", clean(element.text_content()).lstrip(",;:|–—-· "))
        if 2 < len(text) <= 80 and not any(ch.isdigit() for ch in text) and "@" not in text:
            return text
    return None


def _clean_author(value: str | None, site_name: str | None) -> str | None:
    text = _BYLINE_PREFIX.sub("", clean(value))
    if not text or text.startswith(("http://", "https://", "/")) or len(text) > 120:
        return None
    if site_name and text.lower() == site_name.lower():
        return None
    return text


_HEADLINE_CLASS = re.compile(r"title|titre|headline|heading|عنوان", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def _visible_headline(tree: HtmlElement, title_tag: str) -> str:
    """On a page without og:title, JSON-LD headline or ``<h1>`` (older portals), the
    headline shown in a title-classed block (``<div class="news_title">``) when it shares
    most of its words with ``<title>``: ``<title>`` is often a shortened form."""
    wanted = set(_WORD.findall(title_tag.casefold()))
    if len(wanted) < 3:
        return ""
    body = tree.find("body")
    if body is None:
        return ""
    for element in body.iter("div", "span", "td", "h2", "h3", "p", "font", "b", "strong"):
        words = f"{element.get('class', '')} {element.get('id', '')}"
        if not words.strip() or not _HEADLINE_CLASS.search(words):
            continue
        text = clean(element.text_content())
        if not 15 <= len(text) <= 250:
            continue
        shared = wanted & set(_WORD.findall(text.casefold()))
        if len(shared) >= 0.6 * min(len(wanted), len(set(_WORD.findall(text.casefold())))):
            return text
    return ""


def read_meta(tree: HtmlElement, url: str, jsonld: list[dict[str, Any]]) -> PageMeta:
    """Metadata of a parsed page; every field may be empty, none raises."""
    meta = _meta_map(tree)
    page = PageMeta(og_type=meta.get("og:type", "").lower())
    article: dict[str, Any] | None = None
    publisher: str | None = None
    for obj in jsonld:
        types = _types(obj)
        page.jsonld_types |= types
        if article is None and types & ARTICLE_TYPES:
            article = obj
        if publisher is None and types & {"NewsMediaOrganization", "Organization", "WebSite"}:
            names = _names(obj)
            publisher = names[0] if names else None
    page.article_jsonld = article

    site = meta.get("og:site_name") or (
        _names(article.get("publisher"))[0] if article and _names(article.get("publisher")) else None
    )
    site = site or publisher or meta.get("application-name")
    if not site and url:
        site = (urlsplit(url).hostname or "").removeprefix("www.") or None
    page.site_name = clean(site) or None

    headline = article.get("headline") if article else None
    h1 = tree.find(".//h1")
    page.h1 = clean(h1.text_content()) if h1 is not None else ""
    title_tag = tree.findtext(".//title")
    page.title_tag = clean(title_tag)
    title = (
        meta.get("og:title")
        or (clean(headline) if isinstance(headline, str) else "")
        or meta.get("twitter:title")
        or page.h1
        or page.title_tag
    )
    page.title = _strip_site(title, page.site_name) if title else ""
    if page.title and title == page.title_tag:
        page.title = _visible_headline(tree, page.title) or page.title

    description = meta.get("og:description") or meta.get("description") or meta.get("twitter:description")
    if not description and article and isinstance(article.get("description"), str):
        description = clean(article["description"])
    page.description = description or None

    author: str | None = None
    if article:
        names = [clean(n) for n in _names(article.get("author")) if clean(n)]
        author = ", ".join(dict.fromkeys(names)) or None
    for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl"):
        if not author and meta.get(key):
            author = meta[key]
    page.author = _clean_author(author, page.site_name)  # else: author_from_elements after the noise pass

    canonical = tree.find(".//link[@rel='canonical']")
    declared = (canonical.get("href", "") if canonical is not None else "") or meta.get("og:url", "")
    if declared.strip():
        absolute = urljoin(url, declared.strip()) if url else declared.strip()
        if urlsplit(absolute).scheme in ("http", "https"):
            page.canonical = absolute
    return page
