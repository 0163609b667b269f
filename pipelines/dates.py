"""Publication date of an article page, timezone-aware.

Evidence, best first: JSON-LD ``datePublished``; ``<meta>`` tags (``article:published_time``,
``itemprop=datePublished``, Dublin Core, parsely, sailthru, ...); ``<time datetime>`` marked
as the publication time; then the visible text — a "Publié le 28 novembre 2024 à 15h40"
line, an Arabic "نشر في 24 يونيو 2025" (Moroccan يوليوز/غشت/شتنبر/نونبر/دجنبر, Egyptian,
Levantine and Algerian month names, Arabic-Indic digits), Spanish and English forms — in
the date/byline elements of the page. htmldate's quick search is available as a last
resort (``use_htmldate=True``, a day only) but off by default: on a page without a date it
happily returns the date in an image file name ("WhatsApp_Image_2021-01-28…"); no date is
better than a wrong one, and the crawler still has the feed/sitemap date.

A time without a zone is read in the outlet's ``timezone`` (e.g. Africa/Casablanca), never
in the machine's. Dates more than a day in the future or before 1995 are ignored.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml.etree import XPath
from lxml.html import HtmlElement

MONTHS: dict[str, int] = {}


def _months(number: int, *names: str) -> None:
    for name in names:
        MONTHS[name] = number


# French, Spanish, English (full and abbreviated; accents optional)
_months(1, "janvier", "janv", "jan", "enero", "ene", "january")
_months(2, "février", "fevrier", "févr", "fevr", "fév", "fev", "febrero", "feb", "february")
_months(3, "mars", "mar", "marzo", "march")
_months(4, "avril", "avr", "abril", "abr", "april", "apr")
_months(5, "mai", "mayo", "may")
_months(6, "juin", "junio", "jun", "june")
_months(7, "juillet", "juil", "julio", "jul", "july")
_months(8, "août", "aout", "agosto", "ago", "august", "aug")
_months(9, "septembre", "sept", "septiembre", "setiembre", "sep", "september")
_months(10, "octobre", "oct", "octubre", "october")
_months(11, "novembre", "nov", "noviembre", "november")
_months(12, "décembre", "decembre", "déc", "dec", "diciembre", "dic", "december")
# Arabic: Moroccan (يوليوز غشت شتنبر نونبر دجنبر), Egyptian/Gulf, Algerian-Tunisian, Levantine
_months(1, "يناير", "جانفي", "كانون الثاني")
_months(2, "فبراير", "فيفري", "شباط")
_months(3, "مارس", "آذار", "اذار")
_months(4, "أبريل", "ابريل", "إبريل", "أفريل", "افريل", "نيسان")
_months(5, "ماي", "مايو", "أيار", "ايار")
_months(6, "يونيو", "يونيه", "جوان", "حزيران")
_months(7, "يوليوز", "يوليو", "يوليه", "جويلية", "جويلة", "تموز")
_months(8, "غشت", "أغسطس", "اغسطس", "أوت", "اوت", "آب")
_months(9, "شتنبر", "سبتمبر", "أيلول", "ايلول")
_months(10, "أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول")
_months(11, "نونبر", "نوفمبر", "تشرين الثاني")
_months(12, "دجنبر", "ديسمبر", "كانون الأول", "كانون الاول")

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_TIME = r"(?P<hour>[01]?\d|2[0-3])\s*(?:[h:H]|\s*ساعة\s*)\s*(?P<minute>[0-5]\d)(?:\s*:\s*(?P<second>[0-5]\d))?\s*(?P<ampm>[ap]\.?m\.?)?"
_JOIN = r"(?:\s*(?:,|-|–|—|\||à|a las|a la|at|، |،|الساعة|على الساعة|في|على)?\s*){1,3}"
# 28 novembre 2024 [à 15h40] / 24 يونيو 2025 / 1er mars 2024
_DMY_WORDS = re.compile(
    rf"(?<!\w)(?P<day>[0-3]?\d)(?:er|º|°)?\.?\s+(?:de\s+)?(?P<month>{_MONTH_ALT})\.?\s+(?:de\s+|del\s+)?(?P<year>(?:19|20)\d\d)(?!\d)"
    rf"(?:{_JOIN}{_TIME})?",
    re.IGNORECASE,
)
# November 28, 2024 [at 3:40 pm]
_MDY_WORDS = re.compile(
    rf"(?<!\w)(?P<month>{_MONTH_ALT})\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)(?!\d)"
    rf"(?:{_JOIN}{_TIME})?",
    re.IGNORECASE,
)
# 28/11/2024 15:40, 16 - 03 - 2024, 28.11.2024 (not inside a file name: "Image_2021-03-28_at")
_DMY_NUM = re.compile(
    rf"(?<![\w/.-])(?P<day>[0-3]?\d)\s*(?P<sep>[/.-])\s*(?P<month>[0-3]?\d)\s*(?P=sep)\s*(?P<year>(?:19|20)\d\d)(?![\d/._-])"
    rf"(?:{_JOIN}{_TIME})?"
)
# 2024-11-28 15:40 / 2024/11/28
_YMD_NUM = re.compile(
    rf"(?<![\w/.-])(?P<year>(?:19|20)\d\d)\s*(?P<sep>[/.-])\s*(?P<month>[01]?\d)\s*(?P=sep)\s*(?P<day>[0-3]?\d)(?![\d/._-])"
    rf"(?:(?:\s*|T){_TIME})?"
)
_PATTERNS = (_DMY_WORDS, _MDY_WORDS, _DMY_NUM, _YMD_NUM)
# Every pattern needs a year "19xx"/"20xx": a text without "19"/"20" (in ASCII or Arabic-Indic
# digits, maybe with the Arabic marks _normalise_text removes in between) holds no date.
# Most text nodes of a page hold none, and the patterns cost ~20 µs a text.
_YEAR_HINT = re.compile(r"[1١۱][\u064B-\u0652\u0640]*[9٩۹]|[2٢۲][\u064B-\u0652\u0640]*[0٠۰]")

# Lines that announce a publication date ("Publié le", "Posted on", "نشر في", ...)
_PUBLISHED_MARKER = re.compile(
    r"publi[ée]e?\s+(?:le|dans)|mis\s+en\s+ligne|posted|published|publicado|fecha\s+de\s+publicaci[oó]n|"
    r"نشر|تاريخ\s+النشر|بتاريخ|آخر\s+تحديث",
    re.IGNORECASE,
)
_UPDATED_MARKER = re.compile(r"mis\s+à\s+jour|modifi[ée]|updated|actualizado|تحديث", re.IGNORECASE)

_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "published_time",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "date",
    "cxenseparse:recs:publishtime",
    "article.published",
    "og:published_time",
    "release_date",
)
_META_RANK = {key: rank for rank, key in enumerate(_META_KEYS)}
_DATE_CLASS = re.compile(r"date|time|publi|posted|byline|meta|info|author|stamp|تاريخ", re.IGNORECASE)
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MIN_YEAR = 1995


def zone(name: str | None) -> dt_timezone | ZoneInfo:
    """The outlet's zone; an unknown name falls back to UTC."""
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _plausible(value: datetime, now: datetime | None = None) -> datetime | None:
    """None for a date before 1995 or more than a day after ``now`` (the clock: every
    function here takes ``now``, default the real time, so tests can fix "today")."""
    now = now or datetime.now(UTC)
    if value.year < _MIN_YEAR or value > now + timedelta(days=1):
        return None
    return value


def _localize(value: datetime, tz: dt_timezone | ZoneInfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def parse_machine_date(value: str, tz: dt_timezone | ZoneInfo = UTC, now: datetime | None = None) -> datetime | None:
    """Parse a machine-readable date (ISO 8601, RFC 2822, compact 20241128) as aware datetime."""
    raw = (value or "").strip()
    if not raw or len(raw) > 64:
        return None
    candidate = raw.replace("Z", "+00:00").replace("z", "+00:00")
    candidate = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", candidate)  # +0100 -> +01:00
    candidate = re.sub(r"\.\d+(?=[+-]\d\d:\d\d$|$)", "", candidate)  # drop fractions
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        if re.fullmatch(r"(?:19|20)\d{6}", raw):
            parsed = datetime.strptime(raw, "%Y%m%d")
        elif re.fullmatch(r"\d{10}(?:\d{3})?", raw):  # epoch seconds / milliseconds
            seconds = int(raw[:10])
            parsed = datetime.fromtimestamp(seconds, tz=UTC)
        else:
            try:
                parsed = parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                parsed = None
    if parsed is None:
        return parse_text_date(raw, tz, now)
    return _plausible(_localize(parsed, tz), now)


def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_ARABIC_DIGITS))
    return re.sub(r"[\u064B-\u0652\u0640]", "", text)  # Arabic diacritics and tatweel


def _build(match: re.Match[str], tz: dt_timezone | ZoneInfo, now: datetime | None = None) -> datetime | None:
    parts = match.groupdict()
    month_raw = parts["month"]
    month = int(month_raw) if month_raw.isdigit() else MONTHS.get(month_raw.lower().rstrip("."))
    if month is None:
        return None
    day, year = int(parts["day"]), int(parts["year"])
    if match.re is _DMY_NUM and month > 12 and day <= 12:
        day, month = month, day  # US order 11/28/2024
    hour = int(parts["hour"]) if parts.get("hour") else 0
    minute = int(parts["minute"]) if parts.get("minute") else 0
    ampm = (parts.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        value = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return None
    return _plausible(value, now)


def parse_text_date(text: str, tz: dt_timezone | ZoneInfo = UTC, now: datetime | None = None) -> datetime | None:
    """First date (with its time, if any) written in ``text`` in fr/ar/es/en forms."""
    for found in iter_text_dates(text, tz, now):
        return found
    return None


def iter_text_dates(text: str, tz: dt_timezone | ZoneInfo = UTC, now: datetime | None = None) -> Iterator[datetime]:
    """Dates written in ``text``, in the order they appear."""
    if not _YEAR_HINT.search(text, 0, 5000):
        return
    text = _normalise_text(text[:5000])
    hits: list[tuple[int, datetime]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end in taken):
                continue
            value = _build(match, tz, now)
            if value is not None:
                hits.append((match.start(), value))
                taken.append(match.span())
    for _, value in sorted(hits, key=lambda hit: hit[0]):
        yield value


# ------------------------------------------------------------------ page evidence
def jsonld_dates(
    objects: Iterable[dict[str, Any]], tz: dt_timezone | ZoneInfo, now: datetime | None = None
) -> datetime | None:
    for obj in objects:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, str):
                parsed = parse_machine_date(value, tz, now)
                if parsed:
                    return parsed
    return None


def meta_date(tree: HtmlElement, tz: dt_timezone | ZoneInfo, now: datetime | None = None) -> datetime | None:
    best: tuple[int, datetime] | None = None
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        rank = _META_RANK.get(key)
        if rank is None or (best is not None and rank >= best[0]):
            continue
        parsed = parse_machine_date(meta.get("content") or "", tz, now)
        if parsed:
            best = (rank, parsed)
    return best[1] if best else None


_TEASER_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def _in_teaser(element: HtmlElement) -> bool:
    """Whether a ``<time>`` belongs to another story's teaser: a close ancestor (3 levels)
    holds a linked sub-heading (``<h3><a>``, 3+ words) and not the page's ``<h1>``. (A byline
    link beside the article's own date is not a heading.)"""
    for depth, node in enumerate(element.iterancestors()):
        if depth >= 3 or node.tag in ("body", "html") or node.find(".//h1") is not None:
            return False
        for heading in node.iter(*_TEASER_HEADINGS):
            link = heading.find(".//a")
            if link is None:
                link = next(heading.iterancestors("a"), None)
            if link is None or not link.get("href"):
                continue
            text = " ".join(heading.text_content().split())
            if len(text) >= 15 and len(text.split()) >= 3:
                return True
    return False


def time_element_date(tree: HtmlElement, tz: dt_timezone | ZoneInfo, now: datetime | None = None) -> datetime | None:
    """``<time datetime>`` / ``itemprop=datePublished`` elements, publication ones first;
    never a comment's ``<time>`` nor one in another story's teaser (a "most read" card)."""
    marked = list(tree.iterfind(".//*[@itemprop='datePublished']"))
    times = list(tree.iter("time"))
    # publication-looking <time> first, then the others in document order
    times.sort(key=lambda t: 0 if t.get("pubdate") is not None or "publi" in t.get("class", "") else 1)
    for element in (marked + times)[:20]:
        parent_class = " ".join(
            f"{el.get('class', '')} {el.get('id', '')}"
            for el in (element, element.getparent())
            if el is not None
        )
        if _UPDATED_MARKER.search(parent_class):
            continue
        if _excluded_area(element, None) == "comment" or _in_teaser(element):
            continue
        value = element.get("datetime") or element.get("content") or ""
        parsed = parse_machine_date(value, tz, now) if value else None
        if parsed is None:
            parsed = parse_text_date(element.text_content() or "", tz, now)
        if parsed:
            return parsed
    return None


_ALL_TEXTS = XPath("//body//text()")
# Regions whose dates are not the article's: comments (each carries its own date) and the
# site header's "today" clock. Matched on class/id words of an ancestor.
_COMMENT_AREA = re.compile(r"comment|reply|respond|reaction|disqus|تعليق", re.IGNORECASE)
_CLOCK_AREA = re.compile(
    r"today|current[-_]?date|date[-_]?(?:now|today|du[-_]jour|jour)|clock|horloge|topbar|top[-_]bar|masthead|navbar"
    r"|^header$|^top$|site[-_]header|header[-_](?:top|bar|date)",
    re.IGNORECASE,
)
_SKIPPED_PARENTS = frozenset({"script", "style", "noscript", "a", "option", "title", "textarea"})
# A date line longer than this, without a "published" marker, is running text, not a byline.
_BYLINE_MAX = 160
# A candidate's distance to the headline is divided by these when it carries the evidence.
_MARKER_BONUS = 4.0
_CLASS_BONUS = 2.0


def _excluded_area(element: HtmlElement, headline: HtmlElement | None) -> str | None:
    """'comment' or 'clock' when ``element`` sits in a comment or in the site header's clock."""
    holds_headline = set(headline.iterancestors()) if headline is not None else set()
    for node in (element, *element.iterancestors()):
        tag = node.tag
        if tag in ("body", "html"):
            return None
        if node in holds_headline:
            return None  # a block holding the headline is the article's, whatever its name
        words = f"{node.get('class', '')} {node.get('id', '')}".strip()
        if words:
            if _COMMENT_AREA.search(words):
                return "comment"
            if any(_CLOCK_AREA.search(word) for word in words.split()):
                return "clock"
        if tag in ("header", "nav") and headline is not None:
            return "clock"
    return None


def headline_element(tree: HtmlElement, title: str) -> HtmlElement | None:
    """The element showing the headline: the first ``<h1>``, else a short block whose text
    begins like ``title`` (old portals show it in a ``<div class="news_title">``)."""
    h1 = tree.find(".//body//h1")
    if h1 is not None and len(" ".join(h1.text_content().split())) >= 10:
        return h1
    probe = " ".join(title.split())[:40].casefold()
    if len(probe) < 10:
        return None
    for node in tree.iterfind(".//body//*"):
        if not isinstance(node.tag, str) or node.tag in _SKIPPED_PARENTS and not _headline_link(node):
            continue
        own = " ".join((node.text or "").split()).casefold()
        if own and (own.startswith(probe) or probe.startswith(own[:40])) and len(own) >= min(len(probe), 10):
            return node
    return None


_HEADLINE_HOST = re.compile(r"heading|title|titre|headline|عنوان", re.IGNORECASE)


def _headline_link(node: HtmlElement) -> bool:
    """A headline written as a link to the article itself, alone in a heading block
    (Joomla 1.5's ``td.contentheading > a.contentpagetitle``), unlike a teaser link."""
    parent = node.getparent()
    if node.tag != "a" or parent is None or len(parent) != 1:
        return False
    return parent.tag in ("h2", "h3") or bool(_HEADLINE_HOST.search(f"{parent.get('class', '')} {parent.get('id', '')}"))


def visible_date(
    tree: HtmlElement, tz: dt_timezone | ZoneInfo, title: str = "", now: datetime | None = None
) -> datetime | None:
    """The visible date closest to the headline: a "Publié le …"/"نشر في" line or a short
    date line (a byline), never one in a comment or in the site header's "today" clock.

    Distance is counted in characters of page text from the headline (or, without one,
    from the longest text block, i.e. the body); a line with a publication marker or in a
    date/byline element counts as nearer. A page can show several dates (header clock,
    byline, comments, teasers): the byline is the one beside the headline."""
    headline = headline_element(tree, title)
    texts = _ALL_TEXTS(tree)
    offsets: list[int] = []
    position = 0
    anchor: int | None = None
    longest = (0, 0)
    # the headline's text: a text or tail carried by the headline or an element inside it
    in_headline = set(headline.iter()) if headline is not None else set()
    for text in texts:
        offsets.append(position)
        if headline is not None and anchor is None and text.getparent() in in_headline:
            anchor = position
        size = len(text.strip())
        if size > longest[0]:
            longest = (size, position)
        position += size
    if anchor is None:
        anchor = longest[1]
    best: tuple[float, datetime] | None = None
    for index, text in enumerate(texts):
        if index > 6000:
            break
        stripped = " ".join(text.split())
        if len(stripped) < 6 or len(stripped) > 300:
            continue
        parent = text.getparent()
        if parent is None:
            continue
        if text.is_tail:
            parent = parent.getparent()
            if parent is None:
                continue
        if parent.tag in _SKIPPED_PARENTS:
            continue
        marker = _PUBLISHED_MARKER.search(stripped)
        if marker and _UPDATED_MARKER.match(stripped):
            continue
        if not marker and not _YEAR_HINT.search(stripped):
            continue  # no date to read in it (parse_text_date would find none)
        classed = bool(_DATE_CLASS.search(f"{parent.get('class', '')} {parent.get('id', '')}"))
        # the nearest it can be (with every bonus it may get): no nearer than the best, no
        # need to read its date
        nearest = (abs(offsets[index] - anchor) + 1.0) / (_MARKER_BONUS if marker else 1.0)
        if best is not None and (nearest / _CLASS_BONUS if classed else nearest) >= best[0]:
            continue
        found: datetime | None = None
        if marker:
            found = parse_text_date(stripped[marker.start() :], tz, now)
            if found is None:  # "Publié le <time>28 novembre 2024</time>"
                whole = " ".join(parent.text_content().split())
                if len(whole) < 300:
                    start = _PUBLISHED_MARKER.search(whole)
                    found = parse_text_date(whole[start.start() :] if start else whole, tz, now)
        if found is None:
            if len(stripped) > _BYLINE_MAX and not classed:
                continue
            if _UPDATED_MARKER.search(stripped):
                continue
            found = parse_text_date(stripped, tz, now)
            marker = None
        if found is None or _excluded_area(parent, headline):
            continue
        distance = abs(offsets[index] - anchor) + 1.0
        if marker:
            distance /= _MARKER_BONUS
        if classed:
            distance /= _CLASS_BONUS
        if best is None or distance < best[0]:
            best = (distance, found)
    return best[1] if best else None


def htmldate_fallback(
    tree: HtmlElement, url: str, tz: dt_timezone | ZoneInfo, now: datetime | None = None
) -> datetime | None:
    try:
        from htmldate import find_date

        found = find_date(tree, url=url or None, extensive_search=False, original_date=True)
    except Exception:  # htmldate is a last resort; its failures must not fail extraction
        return None
    if not found:
        return None
    try:
        return _plausible(datetime.strptime(found, "%Y-%m-%d").replace(tzinfo=tz), now)
    except ValueError:
        return None


def find_published(
    tree: HtmlElement,
    *,
    jsonld: Iterable[dict[str, Any]] = (),
    timezone: str = "UTC",
    url: str = "",
    use_htmldate: bool = False,
    title: str = "",
    now: datetime | None = None,
) -> tuple[datetime | None, str]:
    """``(published, source)`` where source names the evidence used ('' when none);
    ``title`` (the page's headline) anchors the search for a visible date."""
    tz = zone(timezone)
    steps: tuple[tuple[str, Any], ...] = (
        ("json-ld", lambda: jsonld_dates(jsonld, tz, now)),
        ("meta", lambda: meta_date(tree, tz, now)),
        ("time", lambda: time_element_date(tree, tz, now)),
        ("text", lambda: visible_date(tree, tz, title, now)),
    )
    for source, step in steps:
        found = step()
        if found is not None:
            return found, source
    if use_htmldate:
        found = htmldate_fallback(tree, url, tz, now)
        if found is not None:
            return found, "htmldate"
    return None, ""


def jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, ``@graph`` members flattened, in document order."""
    objects: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # trailing commas, control characters: common in CMS output
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
            except ValueError:
                continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    objects.extend(member for member in graph if isinstance(member, dict))
    return objects
