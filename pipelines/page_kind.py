"""Is this page an article? Listing, tag, author, about, contact, login and 404 pages are not.

Every general extractor returns text for those pages, so newswatch decides. Evidence:

* the URL: ``/tag/…``, ``/category/…``, ``/author/…``, ``/page/2``, ``/contact``,
  ``/login``, ``?s=`` search, the site root — unless the page's own markup says
  "article" (JSON-LD NewsArticle, og:type article), which outranks the URL;
* the markup: a "404 / page introuvable / الصفحة غير موجودة" title, a password form, a
  JSON-LD main entity that is a CollectionPage/ProfilePage/AboutPage/ContactPage/
  SearchResultsPage with no article type anywhere, og:type "profile";
* the extracted text and the headings: a listing has many headings that are links
  (teasers) and no paragraph of article length.

Whole-page link density was measured on the 80 real article pages and rejected as a
signal: article pages range from 0.02 to 0.98 (menus, footers, teaser rails).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from lxml.html import HtmlElement

from pipelines.metadata import ARTICLE_TYPES, PageMeta

# ``discovered_via`` values whose URLs are article items (the URL shape is then not judged).
ITEM_SOURCES = frozenset({"feed", "sitemap", "news-sitemap", "rss", "atom"})
NON_ARTICLE_TYPES = frozenset(
    {"CollectionPage", "ProfilePage", "AboutPage", "ContactPage", "SearchResultsPage", "ItemList", "FAQPage"}
)
_SECTION_WORDS = (
    r"tag|tags|etiquette|etiquettes|category|categories|categorie|rubrique|rubriques|topic|topics|theme"
    r"|themes|dossier|dossiers|author|authors|auteur|auteurs|autor|autores|writer|journaliste|journalist"
    r"|profile|profil|member|membre|وسم|تصنيف|كاتب"
)
_LISTING_PATH = re.compile(
    rf"^/(?:[a-z]{{2}}/)?(?P<kind>{_SECTION_WORDS})(?:/[^/]+){{0,2}}/?(?:page/\d+/?)?$", re.IGNORECASE
)
# A last path segment like an article's: "slug-12345", "slug.html", "2024/06/27/slug".
_ARTICLE_SLUG = re.compile(r"\d{5,}|\.(?:s?html?|php|aspx?)$|/(?:19|20)\d\d/[01]?\d/", re.IGNORECASE)
_PAGINATION = re.compile(r"/page/\d+/?$|/p/\d+/?$", re.IGNORECASE)
_INFO_PAGE = re.compile(
    r"^/(?:[a-z]{2}/)?(?P<kind>about|about-us|a-propos|apropos|qui-sommes-nous|quienes-somos|contact|contacts"
    r"|contact-us|contactez-nous|nous-contacter|contacto|login|log-in|signin|sign-in|connexion|se-connecter"
    r"|register|inscription|subscribe|abonnement|search|recherche|buscar|mentions-legales|legal|privacy"
    r"|politique-de-confidentialite|cgu|terms|من-نحن|اتصل-بنا)(?:\.html?|\.php|\.aspx)?/?$",
    re.IGNORECASE,
)
_AUTH_PATH = re.compile(r"wp-login\.php|/user/login|/account/login|/auth/", re.IGNORECASE)
_NOT_FOUND = re.compile(
    r"\b404\b|page not found|not found|page introuvable|page non trouvée|page inexistante|cette page n.existe pas"
    r"|página no encontrada|no se encontró la página|الصفحة غير موجودة|الصفحة المطلوبة غير موجودة|خطأ 404",
    re.IGNORECASE,
)
# A listing: at least this many linked headlines and no paragraph as long as this.
# On the 80 real article pages, the only page with >= 6 linked headlines and no paragraph
# over 300 characters declares og:type article (Telegraph: 6 headlines, 223 characters).
LISTING_MIN_TEASERS = 6
LISTING_MAX_PARAGRAPH = 300
# A page with a password field and less text than this is a login page.
LOGIN_MAX_TEXT = 800


def url_reason(url: str) -> str | None:
    """Why the URL alone looks like a non-article page (None when it may be an article).

    ``/category/politique/`` is a listing; ``/category/politique/hammouchi-paris-12345.html``
    (an article filed under its category, as some CMS do) is not."""
    if not url:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path or "/")
    query = parts.query.lower()
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


_VIDEO_EMBED = re.compile(r"youtube\.com|youtu\.be|dailymotion|vimeo|jwplayer|brightcove|facebook\.com/plugins/video", re.I)


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


def linked_headings(tree: HtmlElement) -> int:
    """Headings (h2-h4) that are mostly a link: one per teaser on a listing page."""
    count = 0
    for heading in tree.iter("h2", "h3", "h4"):
        text = " ".join(heading.text_content().split())
        if len(text) < 15:
            continue
        linked = sum(len(" ".join(a.text_content().split())) for a in heading.iter("a") if a.get("href"))
        if linked >= 0.6 * len(text):
            count += 1
    return count


def content_reason(text: str, tree: HtmlElement, meta: PageMeta) -> str | None:
    """Why the extracted text looks like a login page or a listing of teasers (None when it
    reads as an article). A listing has many linked headings and no real paragraph; pages
    whose markup says "article" are not second-guessed."""
    if len(text) < LOGIN_MAX_TEXT and tree.find(".//form//input[@type='password']") is not None:
        return "login form"
    if meta.has_article_markup:
        return None
    teasers = linked_headings(tree)
    longest = max((len(line) for line in text.splitlines()), default=0)
    if teasers >= LISTING_MIN_TEASERS and longest < LISTING_MAX_PARAGRAPH:
        return f"listing: {teasers} linked headlines, longest paragraph {longest} characters"
    return None
