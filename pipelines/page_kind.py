"""Is this page an article? Listing, tag, author, about, contact, login and 404 pages are not.

Every general extractor returns text for those pages, so newswatch decides; rejecting a
real article costs more than storing a listing, so rejection needs strong evidence, and a
page kept against some evidence says why (``extra["kind_doubt"]``). Evidence:

* conclusive URLs: the site root, ``/contact``, ``/a-propos``, ``/login``, ``wp-login.php``
  — unless the page's JSON-LD says "article", which outranks the URL;
* the markup: a "404 / page introuvable / الصفحة غير موجودة" title, a JSON-LD main entity
  that is a CollectionPage/ProfilePage/AboutPage/ContactPage/SearchResultsPage with no
  article type anywhere, og:type "profile";
* the structure (``text_structure``): a listing — a tag or author archive, an
  aggregator's per-source page, a section — is many headline links (a link filling its
  block: ``<h3><a>``, ``<li><a>``) and no long run of text between them; an article is
  one long run (its body), whatever its sidebar holds. On the 80 real article pages the
  shortest longest-run is 355 characters; on listing fixtures the longest is 204;
* a listing-like URL (``/tag/…``, ``/category/…``, ``/author/…``, ``/page/2``, ``?s=``) only
  counts when the structure agrees; a password field only in the page's main area of a
  page without article-length text (a login box in a sidebar or comment area is not).

Whole-page link density was measured on the 80 real article pages and rejected as a
signal: article pages range from 0.02 to 0.98 (menus, footers, teaser rails). The
structure pass costs ~0.5 ms a page (bench/extract_quality.py, "classifier" line).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

from common.url_words import LISTING_WORDS, SERVICE_WORDS, alternation
from pipelines.metadata import ARTICLE_TYPES, PageMeta

# ``discovered_via`` values whose URLs are article items (the URL shape is then not judged).
ITEM_SOURCES = frozenset({"feed", "sitemap", "news-sitemap", "rss", "atom"})
NON_ARTICLE_TYPES = frozenset(
    {"CollectionPage", "ProfilePage", "AboutPage", "ContactPage", "SearchResultsPage", "ItemList", "FAQPage"}
)
_SECTION_WORDS = alternation(LISTING_WORDS)
_LISTING_PATH = re.compile(
    rf"^/(?:[a-z]{{2}}/)?(?P<kind>{_SECTION_WORDS})(?:/[^/]+){{0,2}}/?(?:page/\d+/?)?$", re.IGNORECASE
)
# A last path segment like an article's: "slug-12345", "slug.html", "2024/06/27/slug".
_ARTICLE_SLUG = re.compile(r"\d{5,}|\.(?:s?html?|php|aspx?)$|/(?:19|20)\d\d/[01]?\d/", re.IGNORECASE)
_PAGINATION = re.compile(r"/page/\d+/?$|/p/\d+/?$", re.IGNORECASE)
_INFO_PAGE = re.compile(
    rf"^/(?:[a-z]{{2}}/)?(?:index\.php/)?(?P<kind>{alternation(SERVICE_WORDS)})(?:\.html?|\.php|\.aspx)?/?$",
    re.IGNORECASE,
)
_INFO_QUERY = re.compile(
    r"(?:^|&)(?:page|option|action|view)=(?P<kind>login|connexion|identification|register|inscription|contact|about"
    r"|a-propos|apropos|qui-sommes-nous|mentions-legales|recherche|search)(?:&|$)",
    re.IGNORECASE,
)
_AUTH_PATH = re.compile(r"wp-login\.php|/user/login|/account/login|/auth/", re.IGNORECASE)
_NOT_FOUND = re.compile(
    r"\b404\b|page not found|not found|page introuvable|page non trouvée|page inexistante|cette page n.existe pas"
    r"|página no encontrada|no se encontró la página|الصفحة غير موجودة|الصفحة المطلوبة غير موجودة|خطأ 404",
    re.IGNORECASE,
)
# A page with a password field and less text than this is a login page.
LOGIN_MAX_TEXT = 800


def url_is_conclusive(reason: str) -> bool:
    """Whether a ``url_reason`` may reject on its own: a home, about, contact or login URL
    may; a listing-like URL (tag, category, author, pagination, search) may not, since CMSs
    file real articles under such paths; the page's structure must agree."""
    return not (" listing (" in reason or reason.startswith(("paginated listing", "login or search page")))


def url_reason(url: str) -> str | None:
    """Why the URL alone looks like a non-article page (None when it may be an article).

    ``/category/politique/`` is a listing; ``/category/politique/hammouchi-paris-12345.html``
    (an article filed under its category, as some CMS do) is not."""
    if not url:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path or "/")
    query = parts.query.lower()
    match = _INFO_QUERY.search(query)
    if match:  # SPIP, old PHP portals: spip.php?page=login, index.php?option=contact
        return f"{match.group('kind').lower()} page ({path}?{query})"
    if re.fullmatch(r"/(?:[a-z]{2}(?:-[a-z]{2})?/?)?(?:index\.\w+)?", path, re.IGNORECASE):
        if not re.search(r"(?:^|&)(?:p|page_id|id|article|story)=\d", query):
            return "home page"
    match = _LISTING_PATH.match(path)
    if match and not _ARTICLE_SLUG.search(path):
        return f"{match.group('kind').lower()} listing ({path})"
    if _PAGINATION.search(path) or re.search(r"(?:^|&)(?:page|paged)=\d", query):
        return f"paginated listing ({path})"
    match = _INFO_PAGE.match(path)
    if match:
        return f"{match.group('kind').lower()} page ({path})"
    if _AUTH_PATH.search(path) or re.search(r"(?:^|&)(?:s|q|search)=", query):
        return f"login or search page ({path}?{query})" if query else f"login page ({path})"
    return None


def markup_reason(tree: HtmlElement, meta: PageMeta) -> str | None:
    """Why the page's markup says it is not an article (None when it may be one)."""
    for label, text in (("title", meta.title_tag), ("heading", meta.h1)):
        if text and len(text) < 120 and _NOT_FOUND.search(text) and not meta.article_jsonld:
            return f"error page ({label}: {text[:60]!r})"
    if not (meta.jsonld_types & ARTICLE_TYPES) and meta.og_type != "article":
        kinds = sorted(meta.jsonld_types & NON_ARTICLE_TYPES)
        if kinds:
            return f"JSON-LD says {kinds[0]}"
        if meta.og_type == "profile":
            return "og:type profile"
    return None


_VIDEO_EMBED = re.compile(
    r"youtube\.com|youtu\.be|dailymotion|vimeo|jwplayer|brightcove|facebook\.com/plugins/video", re.I
)


def is_video_page(tree: HtmlElement, meta: PageMeta) -> bool:
    """A page whose content is a video: og:type video.*, or a VideoObject main entity with no
    article type, or (no article markup either way) a player or video embed inside ``<main>``
    / ``<article>``. Its text is then the caption and description, not the player."""
    if meta.og_type.startswith("video"):
        return True
    if "VideoObject" in meta.jsonld_types and not meta.jsonld_types & ARTICLE_TYPES:
        return True
    if meta.has_article_markup:
        return False
    for container in (tree.find(".//body//article"), tree.find(".//body//main")):
        if container is None:
            continue
        if container.find(".//video") is not None:
            return True
        if any(_VIDEO_EMBED.search(frame.get("src", "")) for frame in container.iter("iframe")):
            return True
    return False


_INLINE_TAGS = frozenset(
    {"a", "span", "em", "strong", "b", "i", "u", "font", "small", "big", "sup", "sub", "mark", "abbr"}
)
_NOT_TEXT = frozenset(
    {"script", "style", "noscript", "template", "option", "select", "textarea", "button", "title"}
)
_TEXT_NODES = XPath("//body//text()")
# A link is a headline when it has this many words and characters and fills its block.
HEADLINE_MIN_WORDS = 3
HEADLINE_MIN_CHARS = 15
HEADLINE_BLOCK_SHARE = 0.6
# Running text shorter than this is not counted (labels, dates, counters).
RUN_MIN_NODE = 40


def _block_of(element: HtmlElement) -> HtmlElement:
    node = element
    while node.tag in _INLINE_TAGS:
        parent = node.getparent()
        if parent is None:
            break
        node = parent
    return node


def _inline_chars(block: HtmlElement) -> int:
    """Characters of ``block``'s own line: its text outside child blocks (a teaser's
    ``<li><a>title</a><p>summary</p></li>`` has the title as its own line)."""
    size = len((block.text or "").strip())
    for child in block:
        if isinstance(child.tag, str) and child.tag in _INLINE_TAGS:
            size += len(" ".join(child.text_content().split()))
        size += len((child.tail or "").strip())
    return size


def text_structure(tree: HtmlElement) -> tuple[int, int]:
    """``(headlines, longest_run)``: links that are headlines (a teaser's title filling its
    block: ``<h3><a>``, ``<li><a>``), and the longest stretch of running text, in characters,
    with no headline in between. A listing is many headlines and short runs (one summary per
    teaser); an article is one long run (its body), whatever its sidebar holds. Links inside
    a paragraph are part of the run."""
    headline_links: set[HtmlElement] = set()
    for link in tree.iterfind(".//body//a"):
        text = " ".join(link.text_content().split())
        if len(text) < HEADLINE_MIN_CHARS or len(text.split()) < HEADLINE_MIN_WORDS:
            continue
        if len(text) >= HEADLINE_BLOCK_SHARE * _inline_chars(_block_of(link)):
            headline_links.add(link)
    in_headlines = {node for link in headline_links for node in link.iter()}
    run = longest = 0
    for text in _TEXT_NODES(tree):
        parent = text.getparent()
        if text.is_tail and parent is not None:
            parent = parent.getparent()
        if parent is None or parent.tag in _NOT_TEXT:
            continue
        if parent in in_headlines:
            run = 0
            continue
        size = len(text.strip())
        if size >= RUN_MIN_NODE or (size and run):
            run += size
            longest = max(longest, run)
    return len(headline_links), longest


# Listing by structure: at least this many headlines and no run of text this long.
# On the 80 real article pages the shortest longest-run is 355 characters (DW, 26
# headlines); on the listing fixtures the longest is 204.
LISTING_MIN_HEADLINES = 6
LISTING_MAX_RUN = 300
# og:type "article" (WordPress puts it on every page, archives included) only yields to a
# listing whose runs are all shorter than this.
MARKED_MAX_RUN = 200
_SIDE_AREA = re.compile(
    r"side|widget|comment|respond|reply|footer|header|menu|nav|login-box|loginbox|member", re.I
)


def _main_area_password(tree: HtmlElement) -> bool:
    """A password field outside sidebars, comment areas, headers and footers."""
    for field in tree.iterfind(".//form//input[@type='password']"):
        side = False
        for node in field.iterancestors():
            if node.tag in ("aside", "footer", "header", "nav") or _SIDE_AREA.search(
                f"{node.get('class', '')} {node.get('id', '')}"
            ):
                side = True
                break
        if not side:
            return True
    return False


def content_reason(
    text: str, tree: HtmlElement, meta: PageMeta, url_hint: str | None = None
) -> tuple[str | None, str | None]:
    """``(reason, doubt)``: why the page is a login page or a listing (None when it reads as
    an article), and, when a page is kept against some evidence (a listing-like URL, a
    password box), why it was kept.

    Rejection needs strong evidence: a listing-like URL (``url_hint``, from ``url_reason``)
    counts only when the structure agrees (many headlines, no long run of text); a password
    field only when it is in the page's main area and the page has no article-length text.
    A JSON-LD article is never a listing."""
    password = tree.find(".//form//input[@type='password']") is not None
    strict = bool(meta.jsonld_types & ARTICLE_TYPES)
    if strict and not password and not url_hint:
        return None, None  # a JSON-LD article: no need to weigh its structure (~0.3 ms)
    headlines, run = text_structure(tree)
    doubt = None
    if password:
        if run < LISTING_MAX_RUN and len(text) < LOGIN_MAX_TEXT and _main_area_password(tree):
            return "login form", None
        doubt = f"kept: a password box on the page, but {run} characters of running text"
    if meta.og_type == "article" and not strict:
        max_run = MARKED_MAX_RUN
    else:
        max_run = LISTING_MAX_RUN
    shape = f"{headlines} headlines, longest run of text {run} characters"
    if not strict and headlines >= LISTING_MIN_HEADLINES and run < max_run:
        return (f"{url_hint}: {shape}" if url_hint else f"listing: {shape}"), None
    if url_hint:
        doubt = f"kept: the URL looks like a {url_hint} but the page reads as an article ({shape})"
    return None, doubt
