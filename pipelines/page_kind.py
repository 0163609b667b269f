"""Is this page an article? Listing, tag, author, about, contact, login and 404 pages are not.

Every general extractor returns text for those pages, so newswatch decides. Evidence:

* the URL: ``/tag/…``, ``/category/…``, ``/author/…``, ``/page/2``, ``/contact``,
  ``/login``, ``?s=`` search, the site root — unless the page's own markup says
  "article" (JSON-LD NewsArticle, og:type article), which outranks the URL;
* the markup: a "404 / page introuvable / الصفحة غير موجودة" title, a password form, a
  JSON-LD main entity that is a CollectionPage/ProfilePage/AboutPage/ContactPage/
  SearchResultsPage with no article type anywhere, og:type "profile";
* the extracted text: a listing is mostly headlines that are links elsewhere on the page
  (teasers) — measured as the share of the text's lines that are anchor texts.

Whole-page link density was measured on the 80 real article pages and rejected as a
signal: article pages range from 0.02 to 0.98 (menus, footers, teaser rails).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from lxml.html import HtmlElement

from pipelines.metadata import ARTICLE_TYPES, PageMeta

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
# A listing's text is mostly headlines linking elsewhere: share of text that is anchor text.
LISTING_LINK_SHARE = 0.5
_MIN_ANCHOR_CHARS = 15
# A page with a password field and less text than this is a login page.
LOGIN_MAX_TEXT = 800


def url_reason(url: str) -> str | None:
    """Why the URL alone looks like a non-article page (None when it may be an article)."""
    if not url:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path or "/")
    query = parts.query.lower()
    if re.fullmatch(r"/(?:[a-z]{2}(?:-[a-z]{2})?/?)?(?:index\.\w+)?", path, re.IGNORECASE):
        if not re.search(r"(?:^|&)(?:p|page_id|id|article|story)=\d", query):
            return "home page"
    match = _LISTING_PATH.match(path)
    if match:
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
    title = " ".join((tree.findtext(".//title") or "").split())
    h1 = tree.xpath("(//h1)[1]")
    heading = " ".join(h1[0].text_content().split()) if h1 else ""
    for label, text in (("title", title), ("heading", heading)):
        if text and len(text) < 120 and _NOT_FOUND.search(text) and not meta.article_jsonld:
            return f"error page ({label}: {text[:60]!r})"
    if not (meta.jsonld_types & ARTICLE_TYPES) and meta.og_type != "article":
        kinds = sorted(meta.jsonld_types & NON_ARTICLE_TYPES)
        if kinds:
            return f"JSON-LD says {kinds[0]}"
        if meta.og_type == "profile":
            return "og:type profile"
    return None


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def anchor_texts(tree: HtmlElement) -> set[str]:
    texts: set[str] = set()
    for anchor in tree.iter("a"):
        text = _norm(anchor.text_content())
        if len(text) >= _MIN_ANCHOR_CHARS:
            texts.add(text)
    return texts


def link_share(text: str, anchors: set[str]) -> float:
    """Share of the text's characters on lines that are (or start with) a link's text."""
    prefixes = {a[:25] for a in anchors if len(a) >= 25}
    total = linked = 0
    for line in text.splitlines():
        key = _norm(line)
        if not key:
            continue
        total += len(key)
        if key in anchors or (len(key) >= 25 and key[:25] in prefixes):
            linked += len(key)
    return linked / total if total else 0.0


def content_reason(text: str, tree: HtmlElement, meta: PageMeta) -> str | None:
    """Why the extracted text looks like a listing of teasers (None when it reads as an article)."""
    if len(text) < LOGIN_MAX_TEXT and tree.xpath("//form//input[@type='password']"):
        return "login form"
    if meta.has_article_markup and meta.article_jsonld is not None:
        return None
    share = link_share(text, anchor_texts(tree))
    if share >= LISTING_LINK_SHARE:
        return f"listing: {share:.0%} of the text is link headlines"
    return None
