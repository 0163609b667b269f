"""Boilerplate that general extractors keep on Moroccan and French news pages, and its removal.

Two passes, both cheap:

* ``strip_dom_noise`` (before extraction): drops an outlet's own CSS ``noise_selectors``
  plus built-in blocks recognised by class/id — news tickers and "flash infos" bars,
  language switchers, share bars, related-post widgets, breadcrumbs, comment forms — and
  "read more" sections announced by a heading ("Aller plus loin", "Ces articles devraient
  vous intéresser", "مقالات ذات صلة", ...). A block holding most of the page's paragraph
  text is never dropped, so a theme that puts ``related`` on ``<body>`` cannot empty a page
  (but a comment section is, beside an article of its own). Byline candidates are kept
  for the author pick only outside removed blocks, comment sections, related boxes,
  sidebars and the page footer (pipelines.metadata.no_author_region).
* ``clean_text`` (after extraction): drops lines that are boilerplate whatever the markup
  ("À lire : …" links inside the body, "Publié dans X le …" republication lines, "Cliquez
  ici pour lire l'article depuis sa source", "LEAVE A REPLY", "Quitter la version mobile",
  image file names, empty "le ." date lines, paywall and audio-player prompts, promotion
  lines: "Suivez X sur Google News", "Abonnez-vous à notre newsletter", "تابعونا على …") and cuts the text at a trailing "related articles" heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from cssselect import GenericTranslator, SelectorError
from lxml.etree import XPath, XPathError
from lxml.html import HtmlElement

from pipelines.dates import parse_text_date
from pipelines.metadata import no_author_region
from pipelines.paragraphs import split_br_paragraphs

# ---------------------------------------------------------------- DOM pass
_NOISE_CLASS_PARTS = (
    # tickers / breaking-news bars
    "ticker",
    "breaking-news",
    "breaking_news",
    "breakingnews",
    "flash-info",
    "flashinfo",
    "flash_info",
    "news-flash",
    "newsflash",
    "marquee",
    "urgent-news",
    "last-news-bar",
    # language switchers
    "lang-switch",
    "language-switch",
    "languages-switch",
    "language-selector",
    "lang-selector",
    "wpml-ls",
    "polylang",
    "trp-language",
    "lang-menu",
    "language-menu",
    "gtranslate",
    # share bars
    "share-buttons",
    "share-bar",
    "sharebar",
    "social-share",
    "sharedaddy",
    "addtoany",
    "a2a_kit",
    "post-sharing",
    "share-post",
    "post-share",
    "entry-share",
    "sharing-buttons",
    "share-links",
    "social-sharing",
    "shareaholic",
    "heateor",
    "essb_links",
    # related / read-more widgets
    "related-posts",
    "related_posts",
    "relatedposts",
    "jp-relatedposts",
    "yarpp",
    "related-articles",
    "related_articles",
    "td-related",
    "crp_related",
    "read-also",
    "also-read",
    "lire-aussi",
    "a-lire",
    "more-articles",
    "you-may-like",
    "recommended-posts",
    # breadcrumbs, comments, report widgets, mobile switch
    "breadcrumb",
    "comment-respond",
    "comments-area",
    "comment-form",
    "comments-link",
    "comment-count",
    "disqus",
    "fb-comments",
    "report-image",
    "report-abuse",
    "mobile-switch",
    "wpmobile",
    # video player chrome (controls, settings menus)
    "vjs-control",
    "jw-controls",
    "jw-controlbar",
    "plyr__controls",
    "player-controls",
    "video-controls",
    "mejs-controls",
    "ytp-chrome",
    # modal dialogs and pop-ups (subscription prompts, "save this article" boxes)
    "modal",
    "popup",
    "pop-up",
    # cookie and consent banners, "most read" / "most popular" blocks
    "cookie",
    "gdpr",
    "rgpd",
    "consent",
    "most-read",
    "mostread",
    "most_read",
    "most-popular",
    "mostpopular",
    "most-viewed",
    "mostviewed",
    "popular-posts",
    "plus-lus",
    "pluslus",
)
_NOISE_IDS = ("respond", "comments", "disqus_thread", "breadcrumbs", "ticker", "news-ticker", "cookie")
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "svg", "path", "option", "link", "meta"})
_PROTECTED_TAGS = frozenset({"html", "body", "main", "article", "head"})


def _trie_regex(words: Sequence[str]) -> str:
    """One regex alternation shaped as a trie: far faster than a flat list of 80 literals."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


_NOISE_CLASS_RE = re.compile(_trie_regex(_NOISE_CLASS_PARTS))
# Whole class/id words only: a comment list of an old portal (class="comments"), but not a
# live blog's "live-match-comments" timeline, which is the article.
_NOISE_WORDS = frozenset({"comments", "comment", "commentlist", "comment-list", "commentaires", "reactions"})


@lru_cache(maxsize=16384)
def _noisy_attribute(value: str) -> bool:
    lowered = value.lower()
    return bool(_NOISE_CLASS_RE.search(lowered)) or not _NOISE_WORDS.isdisjoint(lowered.split())


# Headings that announce a block of links to other stories: the block goes, and in text
# everything after such a heading goes.
RELATED_HEADINGS = re.compile(
    r"^(?:aller plus loin|ces articles devraient vous intéresser|sur le même sujet|dans la même rubrique"
    r"|articles? similaires|articles? liés|articles? associés|à lire (?:aussi|également)|lire aussi"
    r"|vous aimerez aussi|vous (?:pourriez|pourrez) aussi aimer|nos derniers articles|les plus lus|les plus (?:lus|vus|partagés|commentés)"
    r"|most (?:read|popular|viewed|shared)|lo más (?:leído|visto)|los más leídos|الأكثر (?:قراءة|مشاهدة|تعليقا|تعليقاً)"
    r"|الأكثر قراءة|آخر الأخبار|أخبار ذات صلة"
    r"|related (?:articles|stories|posts|news)|more (?:stories|news)|you may also like|read more"
    r"|recommended(?: for you)?|noticias relacionadas|te puede interesar|más noticias|relacionad[ao]s"
    r"|también te puede interesar|مقالات ذات صلة|أخبار ذات صلة|اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا"
    r"|المزيد من الأخبار|مواضيع ذات صلة|plus de vidéos|autres vidéos|more videos|más vídeos|المزيد من الفيديوهات)\s*[:.!…]*$",
    re.IGNORECASE,
)
# Cheap prefilter for those headings: short texts holding one of their key words.
_HEADING_HINT = re.compile(
    _trie_regex(
        (
            "loin",
            "ntéress",
            "même",
            "imilaire",
            "liés",
            "ssociés",
            "ire aussi",
            "ire également",
            "aimer",
            "plus lus",
            "erniers articles",
            "elated",
            "ore stories",
            "ore news",
            "lso like",
            "ead more",
            "ecommend",
            "elacionad",
            "nteresar",
            "oticias",
            "صلة",
            "أيضا",
            "المزيد",
            "plus vus",
            "plus partagés",
            "plus commentés",
            "ost read",
            "ost popular",
            "ost viewed",
            "ost shared",
            "más leído",
            "más visto",
            "الأكثر",
            "آخر الأخبار",
        )
    )
)
_INLINE = frozenset({"span", "em", "strong", "b", "i", "a", "font"})


def _heading_element(element: HtmlElement, text: str, is_tail: bool) -> HtmlElement | None:
    """The smallest element whose whole text is the related-stories heading ``text``."""
    if not RELATED_HEADINGS.match(" ".join(text.split())):
        return None
    node: HtmlElement | None = element.getparent() if is_tail else element
    while node is not None and node.tag in _INLINE:
        parent = node.getparent()
        if parent is None or len(" ".join(parent.text_content().split())) > 80:
            break
        node = parent
    if node is None or len(" ".join(node.text_content().split())) > 80:
        return None
    return node


@lru_cache(maxsize=256)
def css_to_xpath(selector: str) -> XPath | None:
    """Compile an outlet's CSS selector; a bad one is ignored (and reported by the config loader)."""
    try:
        return XPath(GenericTranslator().css_to_xpath(selector))
    except (SelectorError, XPathError, ValueError, TypeError):
        return None


def _paragraph_chars(element: HtmlElement) -> int:
    return sum(len(p.text_content()) for p in element.iter("p"))


def _paragraph_chars_outside_comments(tree: HtmlElement) -> int:
    """Paragraph text of the page but for comment sections (class/id word "comments", …)."""
    total = 0
    for paragraph in tree.iter("p"):
        if not any(
            _is_comment_section(f"{node.get('class') or ''} {node.get('id') or ''}")
            for node in paragraph.iterancestors()
            if node.tag not in _PROTECTED_TAGS
        ):
            total += len(paragraph.text_content())
    return total


@lru_cache(maxsize=4096)
def _is_comment_section(attributes: str) -> bool:
    return not _NOISE_WORDS.isdisjoint(attributes.lower().split())


_BLOCKS = ("h1",)
# Share of a table's text its article body must hold for the table to be unwrapped.
_BODY_SHARE = 0.5
_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")


def unwrap_layout_tables(tree: HtmlElement, br_bodies: Sequence[HtmlElement] = ()) -> int:
    """Turn layout tables (a page laid out in ``<td>`` columns, as old portals and
    aggregators still are) into ``<div>`` blocks, so the extractor reads paragraphs, not
    one giant table cell rendered as a single "| … |" line. Only a table holding the
    page's ``<h1>`` and paragraphs, or (on a page without ``<h1>``, as old portals are) a
    body holding half the table's text and most of the page's paragraph text (readers'
    comments left out) is unwrapped: a ``<br>``-paragraph body (``br_bodies``, from
    pipelines.paragraphs) or the ``<p>``s of an innermost table (Joomla 1.5's
    ``table.contentpaneopen``); data tables are left alone.
    (Unwrapping every table with paragraphs cost a lede on an archived magazine page.)"""
    changed = 0
    page_paragraphs = 0
    has_h1 = any(True for _ in tree.iter(*_BLOCKS))
    for table in list(tree.iter("table")):
        if table.getparent() is None or table.tag != "table":
            continue
        inside = sum(len(p.text_content()) for p in table.iter("p"))
        if inside < 200:
            continue
        if has_h1:
            if not any(True for _ in table.iter(*_BLOCKS)):
                continue
        else:
            # readers' comments are no part of the page's text a body is weighed against
            page_paragraphs = page_paragraphs or _paragraph_chars_outside_comments(tree)
            if inside < 0.6 * page_paragraphs:
                continue
            # the body must be the table's main text, not a boxed aside within it: <br>
            # paragraphs, or the <p> paragraphs of an innermost table (Joomla 1.5's
            # table.contentpaneopen)
            table_chars = len(" ".join(table.text_content().split())) or 1
            p_body = inside >= _BODY_SHARE * table_chars and table.find(".//table") is None
            if not p_body and not any(
                table in set(body.iterancestors())
                and len(" ".join(body.text_content().split())) >= _BODY_SHARE * table_chars
                for body in br_bodies
            ):
                continue
        for element in table.iter(*_TABLE_PARTS):
            element.tag = "div"
            changed += 1
    return changed


def strip_dom_noise(
    tree: HtmlElement, noise_selectors: Sequence[str] = (), bylines: list[HtmlElement] | None = None
) -> int:
    """Remove noise blocks in place; return how many elements were removed.

    When ``bylines`` is a list, elements that look like an author byline (rel/itemprop
    "author", class "author"/"byline") are appended to it before anything is removed.
    """
    body = tree.find("body")
    if body is None:
        return 0
    unwrap_layout_tables(body, split_br_paragraphs(body))
    total = 0

    def page_chars() -> int:
        nonlocal total
        if not total:
            total = _paragraph_chars(body) or 1
        return total

    doomed: list[HtmlElement] = []
    for selector in noise_selectors:
        compiled = css_to_xpath(selector)
        if compiled is not None:
            doomed.extend(el for el in compiled(tree) if isinstance(el, HtmlElement))
    doomed.extend(teaser_lists(body))
    doomed.extend(link_menus(body))
    headings: list[HtmlElement] = []
    candidates: list[HtmlElement] = []  # byline-looking elements, filtered by region below
    headline: HtmlElement | None = None
    hint = _HEADING_HINT.search
    for element in body.iter():
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIPPED_TAGS:
            continue
        if tag == "h1" and headline is None:
            headline = element
        get = element.get
        klass, ident = get("class"), get("id")
        if klass or ident:
            attributes = f"{klass or ''} {ident or ''}"
            if (
                bylines is not None
                and ("author" in attributes or "byline" in attributes)
                and len(candidates) < _MAX_BYLINE_CANDIDATES
            ):
                candidates.append(element)
            if tag not in _PROTECTED_TAGS and _noisy_attribute(attributes):
                chars = _paragraph_chars(element)
                if chars <= 0.4 * page_chars() or (
                    # a long discussion outweighs a short article, and is still no part of it
                    _is_comment_section(attributes)
                    and page_chars() - chars >= _MIN_TEXT_BESIDE_COMMENTS
                    and next(element.iter("h1"), None) is None
                ):
                    doomed.append(element)
        text = element.text
        if text and len(text) < 80 and hint(text):
            heading = _heading_element(element, text, False)
            if heading is not None:
                headings.append(heading)
        text = element.tail
        if text and len(text) < 80 and hint(text):
            heading = _heading_element(element, text, True)
            if heading is not None:
                headings.append(heading)
    for heading in headings:
        container = heading.getparent()
        following = list(heading.itersiblings())
        teasers = _all_teasers(following)
        if (
            container is not None
            and container.tag not in _PROTECTED_TAGS
            and (_paragraph_chars(container) < 0.25 * page_chars() or (teasers and heading is container[0]))
            and len(container) <= 40
        ):
            doomed.append(container)
            continue
        doomed.append(heading)
        # a block heading ("Aller plus loin") takes the teasers after it, unless they are
        # the article itself (a live blog's "À lire aussi" between two entries)
        if following and (teasers or sum(_paragraph_chars(el) for el in following) < 0.15 * page_chars()):
            doomed.extend(following)
    doomed_set = set(doomed)
    if bylines is not None:
        bylines.extend(_article_bylines(body, candidates, doomed_set, headline))
    removed = 0
    for element in doomed:
        if element.getparent() is None or element.tag in ("html", "body"):
            continue
        if any(ancestor in doomed_set for ancestor in element.iterancestors()):
            continue
        _remove_keep_tail(element)
        removed += 1
    return removed


# A comment section bigger than the rest of the page is removed when this much paragraph
# text (an article) remains beside it.
_MIN_TEXT_BESIDE_COMMENTS = 400
# Byline-looking elements looked at per page, and kept for the author pick.
_MAX_BYLINE_CANDIDATES = 64
_MAX_BYLINES = 8


def _article_bylines(
    body: HtmlElement, candidates: list[HtmlElement], doomed: set[HtmlElement], headline: HtmlElement | None
) -> list[HtmlElement]:
    """The byline candidates (rel/itemprop "author" first, then class/id "author"/"byline"
    in page order) that lie outside the blocks an author never comes from: a block this
    pass removes, and a comment section/form, related box, sidebar or page footer even when
    it is too big to remove (pipelines.metadata.no_author_region). A block holding the
    page's ``<h1>`` is the article, whatever its classes say."""
    article_blocks = set(headline.iterancestors()) if headline is not None else set()
    verdicts: dict[HtmlElement, bool] = {}

    def outside(element: HtmlElement) -> bool:
        for node in (element, *element.iterancestors()):
            if node is body:
                return True
            known = verdicts.get(node)
            if known is None:
                known = node in doomed or node not in article_blocks and no_author_region(node)
                verdicts[node] = known
            if known:
                return False
        return True

    kept: list[HtmlElement] = []
    for path in (".//*[@rel='author']", ".//*[@itemprop='author']"):
        found = next((el for el in body.iterfind(path) if outside(el)), None)
        if found is not None:
            kept.append(found)
    return kept + [el for el in candidates if outside(el)][:_MAX_BYLINES]


_PLAYER_CLASS = re.compile(r"player|overlay|controls?\b|control-bar|controlbar|vjs-|jw-|plyr", re.IGNORECASE)
# A player block holding more text than this is not chrome (a caption inside the player).
_PLAYER_MAX_TEXT = 200


def strip_player(tree: HtmlElement) -> int:
    """On a video page, remove the player and its chrome (``<video>`` fallback text, buttons,
    time counters, overlays) so that only the caption and description remain as text."""
    body = tree.find("body")
    if body is None:
        return 0
    doomed = [el for el in body.iter("video", "audio", "button", "object", "embed")]
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in _PROTECTED_TAGS:
            continue
        words = f"{element.get('class', '')} {element.get('id', '')}"
        if words.strip() and _PLAYER_CLASS.search(words):
            if len(" ".join(element.text_content().split())) <= _PLAYER_MAX_TEXT:
                doomed.append(element)
    removed = 0
    for element in doomed:
        if element.getparent() is not None:
            _remove_keep_tail(element)
            removed += 1
    return removed


_MENU_HOSTS = ("td", "div", "p", "nav", "span", "font")
_MENU_MIN_LINKS = 4
_MENU_ITEM_WORDS = 4


def link_menus(body: HtmlElement) -> list[HtmlElement]:
    """Navigation bars written as a row of short links ("الرئيسية | وطنية | رياضة"): at
    least four links of at most four words as the element's children, and nothing else but
    separators. Old portals put them in layout-table cells, where extractors keep them as
    a "| … |" line. (Only direct children are looked at: a pass over every subtree cost
    ~4 ms a page.)"""
    found = []
    for element in body.iter(*_MENU_HOSTS):
        if len(element) < _MENU_MIN_LINKS:
            continue
        links = [child for child in element if child.tag == "a" and child.get("href")]
        if len(links) < _MENU_MIN_LINKS:
            continue
        texts = [" ".join(a.text_content().split()) for a in links]
        if any(len(text.split()) > _MENU_ITEM_WORDS for text in texts):
            continue
        rest = " ".join(element.text_content().split())
        for text in texts:
            rest = rest.replace(text, "", 1)
        if re.sub(r"[\W_]+", "", rest):  # words outside the links: not a bare menu
            continue
        found.append(element)
    return found


def teaser_lists(body: HtmlElement) -> list[HtmlElement]:
    """Lists whose every item is a headline link (a related-stories box inside or around the
    article: "- Crónica Ferrari salva el 'match ball'…"); a list of facts with a link here
    and there is not one."""
    found = []
    for listing in body.iter("ul", "ol"):
        if len(listing) < 2:
            continue
        # every child an item, every item a headline link: checked item by item, the
        # cheapest tests first (most lists are menus that fail on their first item)
        for item in listing:
            if item.tag != "li":
                break
            text = " ".join(item.text_content().split())
            if len(text) < _HEADLINE_MIN_CHARS or len(text.split()) < 3:
                break
            linked = sum(len(" ".join(a.text_content().split())) for a in item.iter("a") if a.get("href"))
            if linked < 0.6 * len(text):
                break
        else:
            found.append(listing)
    return found


_TEASER_MAX_CHARS = 400
_HEADLINE_MIN_CHARS = 15


def _is_teaser(element: HtmlElement) -> bool:
    """A headline link with at most a short summary: one item of a "read more" list.

    Size alone cannot tell (ten teasers under a short article outweigh its text); the
    shape can: article paragraphs are long or carry no headline link."""
    if not isinstance(element.tag, str):
        return False
    text = " ".join(element.text_content().split())
    if not text or len(text) > _TEASER_MAX_CHARS:
        return False
    links = [element] if element.tag == "a" else element.iter("a")
    return any(len(" ".join(a.text_content().split())) >= _HEADLINE_MIN_CHARS for a in links)


def _all_teasers(elements: list[HtmlElement]) -> bool:
    return len(elements) >= 2 and all(_is_teaser(el) for el in elements)


def _remove_keep_tail(element: HtmlElement) -> None:
    """Remove ``element`` but keep the text that followed it (lxml's drop_tree semantics)."""
    element.drop_tree()


# ---------------------------------------------------------------- text pass
_DROP_LINE = re.compile(
    "|".join(
        (
            # inline "read more" links
            r"^(?:à|a) lire(?: aussi| également)?\s*[:>»-]",
            r"^(?:à|a) lire (?:aussi|également)\b",
            r"^(?:lire|voir) (?:aussi|également)\b",
            r"^(?:read|see) (?:also|more)\s*[:>»-]",
            r"^related\s*:",
            r"^(?:also on|aussi sur|también en|more on|plus sur) (?:www\.)?[\w-]+\.[a-z]{2,}\b",
            r"^(?:lee|lea|leer|ver) (?:también|además)\s*[:>»-]",
            r"^(?:te|le) puede interesar\s*[:>»-]",
            r"^(?:اقرأ|إقرأ|طالع|شاهد) (?:أيضا|أيضاً|ايضا|كذلك)\s*[:>»-]?",
            # aggregator republication lines
            r"^publié dans .{1,80}? le \d",
            r"^(?:نشر|نُشر) في .{1,80}? (?:يوم |بتاريخ )?\d",
            r"^cliquez ici pour lire l.article depuis sa source",
            r"^merci d.avoir signalé",
            r"^cette image sera automatiquement bloquée",
            # comment forms and counters
            r"^leave a reply\s*$",
            r"^please enter your (?:comment|name)",
            r"^you have entered an incorrect email",
            r"^(?:laisser|laissez|poster|ajouter) un commentaire",
            r"^aucun commentaire\s*$",
            r"^\d+\s*(?:commentaires?|comments?|تعليقات?)?\s*$",
            r"^quitter la version mobile\s*$",
            # tickers, empty date lines, file names, language switchers
            r"^flash[ -]?infos?\b",
            r"^(?:breaking news|dernière minute|dernières infos|عاجل)\s*:?\s*$",
            r"^le\s*[.,]?\s*$",
            # "last updated" stamps under the body (Joomla's "Last Updated ( … )")
            r"^(?:last (?:updated|modified)|dernière mise à jour|derniere mise a jour|mis à jour le|modifié le"
            r"|última (?:actualización|modificación)|actualizado el|آخر تحديث|اخر تحديث|تم التحديث)"
            r"\s*:?\s*\(?[^.!?()]{0,40}\d[^.!?()]{0,30}\)?\s*$",
            r"^publié le\s*[.,]?\s*$",
            r"^[\w\-. ]{1,80}\.(?:jpe?g|png|gif|webp|avif|svg)\s*$",
            r"^(?:img|dsc|whatsapp[ _]image)[ _-]?\d[\w\- .]*$",
            r"^(?:(?:arabic|english|french|spanish|français|francais|anglais|arabe|español|العربية|english)\s*[|/·]?\s*){2,}$",
            # share lines (follow-us and newsletter lines: _is_promotion)
            r"^(?:partager|partagez|share|compartir)(?: (?:cet article|this article|sur|on|en))?\s*:?\s*$",
            r"^(?:(?:facebook|twitter|whatsapp|linkedin|e-?mail|imprimer|print|telegram|messenger)\s*){2,}$",
            # advertising labels, separators, share prompts
            r"^(?:advertisement|advertising|publicité|publicidad|anuncio|إعلان|sponsored|sponsorisé)\s*$",
            r"^[_\-–—=*•·~]{3,}\s*$",
            r"^(?:like|enjoyed|liked) this (?:story|article)\?.{0,80}$",
            # tag lines, photo credits
            r"^(?:sujets associés|mots[- ]clés|étiquettes|tags|temas|etiquetas|thèmes|الكلمات المفتاحية|وسوم)\s*(?::.{0,200})?$",
            r"^crédits? (?:photos?|image)s?\s*:",
            r"^.{0,250}\((?:foto|photo|fotos|photos|crédit photo|image|imagen)\s*:\s*[^()]{2,120}\)\.?$",
            r"^(?:image|photo) (?:d.)?illustrati(?:ve|on)\b.{0,80}$",
            # paywall and audio-player prompts
            r"^pour (?:lire la suite|accéder en illimité|continuer à lire)",
            r"^(?:déjà abonné|abonnez-vous|je m.abonne|s.abonner)\b.{0,80}$",
            r"^(?:cet article est réservé aux abonnés|la suite est réservée aux abonnés)",
            r"^il vous reste \d+\s*% de cet article",
            r"^(?:écouter|ecouter) (?:cet article|l.article)",
            r"^listen to (?:this )?(?:article|story)",
            r"^escucha(?:r)? (?:esta nota|este artículo|la noticia)",
        )
    ),
    re.IGNORECASE,
)
# Cut only when the heading comes after this share of the text (a heading at the top is
# more likely a page section title than a trailing block of teasers).
_MIN_CUT_POSITION = 0.3
_MAX_DROPPED_LINE = 300


_BYLINE = re.compile(
    r"(?:^|\s)(?:écrit|ecrit|rédigé|redige|publié|publie|mis à jour|posted|published|updated|publicado|actualizado"
    r"|نشر|بقلم)(?:\s+(?:par|le|on|by|el|por|في))?\s*:?",
    re.IGNORECASE,
)


def _is_byline(line: str) -> bool:
    """A short date/author line at the top of the body ("16 décembre 2023 - 15h00 - Ecrit par : S.A")."""
    if len(line) > 150 or len(line.split()) > 20:
        return False
    if _BYLINE.search(line):
        return True
    return parse_text_date(line) is not None and len(line.split()) <= 12


# Promotion lines: a call to action ("Suivez", "Abonnez-vous", "Follow us", "Síguenos",
# "تابعونا") and a channel (a social network, a newsletter, an app, a channel) on one short
# line. A general rule, not a list of outlets' sentences.
_PROMO_MAX = 160
_PROMO_CALL = re.compile(
    r"(?:^|\W)(?:suivez|rejoignez|abonnez|abonner|inscrivez|téléchargez|telechargez|retrouvez[- ]nous|follow|join|subscribe"
    r"|sign up|download|síguenos|siguenos|suscríbete|suscribete|suscribirse|suscríbase|únete|unete|descarga"
    r"|تابعونا|تابعوا|اشترك|اشتركوا|انضموا|حملوا|حمّلوا)(?:\W|$)",
    re.IGNORECASE,
)
_PROMO_CHANNEL = re.compile(
    r"google news|google actualités|whatsapp|telegram|facebook|twitter|\bx\b|instagram|linkedin|youtube|tiktok"
    r"|threads|newsletter|infolettre|boletín|boletin|notifications|application|\bapp\b|chaîne|chaine|channel|canal"
    r"|réseaux sociaux|reseaux sociaux|social media|redes sociales"
    r"|واتساب|واتس اب|تيليغرام|تلغرام|فيسبوك|فايسبوك|تويتر|إنستغرام|انستغرام|يوتيوب|تيك توك|نشرتنا|النشرة|قناة|قناتنا"
    r"|تطبيق|شبكات التواصل|مواقع التواصل|أخبار جوجل|غوغل نيوز|جوجل نيوز",
    re.IGNORECASE,
)


# Video player chrome as text, dropped on video pages only (a live blog's "15:40" entry time
# or a one-word "Direct" line may be content elsewhere).
_PLAYER_LINE = re.compile(
    "|".join(
        (
            r"^(?:lecture|lire la vidéo|play|pause|replay|revoir|mute|unmute|muet|son|volume|plein écran"
            r"|quitter le plein écran|full ?screen|exit full ?screen|regarder la vidéo|voir la vidéo|watch (?:the )?video"
            r"|chargement(?: en cours)?|loading|live|en direct|direct|sous-titres|subtitles|settings|paramètres|qualité"
            r"|quality|auto|hd|cc|partager la vidéo|copier le lien|copy link|tap to unmute|appuyez pour activer le son"
            r"|ver vídeo|reproducir|silenciar|pantalla completa|تشغيل|إيقاف|إعادة التشغيل|ملء الشاشة|كتم الصوت"
            r"|مشاهدة الفيديو|شاهد الفيديو|جار التحميل|جاري التحميل|مباشر)\s*[.…!]*$",
            r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?$",
            r"^(?:durée|duration|duración|المدة)\s*:?\s*\d{1,2}:\d{2}",
            r"^(?:your browser does not support|votre navigateur ne (?:prend pas en charge|supporte pas)"
            r"|tu navegador no (?:soporta|admite)|متصفحك لا يدعم)",
            r"^(?:video player is loading|le lecteur vidéo|this video (?:is unavailable|cannot be played)"
            r"|cette vidéo n.est (?:pas|plus) disponible|la vidéo (?:va|commence))",
        )
    ),
    re.IGNORECASE,
)


def _is_promotion(line: str) -> bool:
    """A short "follow us on / subscribe to" line (any outlet, fr/en/es/ar)."""
    return len(line) <= _PROMO_MAX and bool(_PROMO_CALL.search(line)) and bool(_PROMO_CHANNEL.search(line))


_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"'})


_KICKER_MAX = 30


def _quote_key(text: str) -> str:
    """Comparison key for a headline: case, spacing and quote styles ignored (og:title often
    has straight quotes where the page's ``<h1>`` has curly ones)."""
    return " ".join(text.translate(_QUOTES).split()).casefold()


# A table row as extractors render it ("| Headline |  |  |"), and its cells.
_ROW = re.compile(r"^\|.*\|$")
# Cells beside a headline in its table row that are buttons ("PDF", "Imprimer", "E-mail").
_BUTTON_CELL_WORDS = 2


def _headline_row(line: str) -> str:
    """The headline of a table row holding only it and empty or button cells: Joomla 1.5's
    ``table.contentpaneopen td.contentheading`` beside its print/e-mail icons, which
    extractors render as "| Headline |  |  |". Any other line is returned unchanged."""
    if not _ROW.match(line):
        return line
    cells = [cell.strip() for cell in line[1:-1].split("|")]
    filled = [cell for cell in cells if cell]
    if filled and all(len(cell.split()) <= _BUTTON_CELL_WORDS for cell in filled[1:]):
        return filled[0]
    return line


def clean_text(text: str, *, title: str = "", author: str | None = None, video: bool = False) -> str:
    """Drop boilerplate lines from extracted text; cut at a trailing related-stories heading.
    On a video page (``video``), player chrome lines go too."""
    lines = [line.strip() for line in text.splitlines()]
    total = sum(len(line) for line in lines) or 1
    kept: list[str] = []
    seen = 0
    title_key = _quote_key(title)
    author_key = " ".join((author or "").split()).casefold()
    for line in lines:
        position = seen / total
        seen += len(line)
        if not line:
            continue
        if RELATED_HEADINGS.match(line) and position >= _MIN_CUT_POSITION:
            break
        if len(line) <= _MAX_DROPPED_LINE and _DROP_LINE.match(line) or _is_promotion(line):
            continue
        if video and len(line) <= _MAX_DROPPED_LINE and _PLAYER_LINE.match(line):
            continue
        key = line.casefold()
        if title_key and len(kept) < 3 and _quote_key(_headline_row(line)) == title_key:
            # the headline repeated at the top of the body, with its kicker ("Société") above
            kept = [k for k in kept if len(k) > _KICKER_MAX or len(k.split()) > 3]
            continue
        if len(kept) < 2 and _is_byline(line):
            continue  # date/author line above the lede
        if author_key and key in (author_key, f"par {author_key}", f"by {author_key}") and position > 0.5:
            continue  # the signature line under the article
        kept.append(line)
    return "\n".join(kept)
