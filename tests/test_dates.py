"""Publication dates: a table of page shapes (meta, JSON-LD, <time>, French, Arabic, Spanish and
English visible text) read in the outlet's time zone, with site-header "today" dates and comment dates beside the
byline on older portals; >= 98 % must come out exactly right."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.dates import find_published, jsonld_objects, parse_machine_date, parse_text_date, zone
from pipelines.extract import parse_html

CASA = "Africa/Casablanca"
PARIS = "Europe/Paris"


def page(head: str = "", body: str = "") -> str:
    return f"<html><head><title>t</title>{head}</head><body>{body}<p>{'Texte. ' * 40}</p></body></html>"


def ld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


# (label, html, outlet zone, expected ISO datetime or None)
TABLE: list[tuple[str, str, str, str | None]] = [
    (
        "meta aware",
        page('<meta property="article:published_time" content="2024-11-28T15:40:00+01:00">'),
        CASA,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "meta Z",
        page('<meta property="article:published_time" content="2024-11-28T14:40:00Z">'),
        PARIS,
        "2024-11-28T14:40:00+00:00",
    ),
    (
        "meta naive in Paris winter",
        page('<meta name="pubdate" content="2024-01-15 08:30:00">'),
        PARIS,
        "2024-01-15T08:30:00+01:00",
    ),
    (
        "meta naive in Paris summer",
        page('<meta name="date" content="2024-07-15T08:30">'),
        PARIS,
        "2024-07-15T08:30:00+02:00",
    ),
    (
        "meta itemprop",
        page('<meta itemprop="datePublished" content="2025-06-24T10:00:00+01:00">'),
        CASA,
        "2025-06-24T10:00:00+01:00",
    ),
    (
        "meta compact",
        page('<meta name="sailthru.date" content="20240316">'),
        CASA,
        "2024-03-16T00:00:00+00:00",
    ),
    (
        "json-ld NewsArticle",
        page(ld('{"@type":"NewsArticle","datePublished":"2024-06-29T09:12:41+00:00"}')),
        CASA,
        "2024-06-29T09:12:41+00:00",
    ),
    (
        "json-ld @graph",
        page(
            ld(
                '{"@graph":[{"@type":"WebPage"},{"@type":"Article","datePublished":'
                '"2023-12-16T15:00:00+01:00","dateModified":"2023-12-18T09:00:00+01:00"}]}'
            )
        ),
        PARIS,
        "2023-12-16T15:00:00+01:00",
    ),
    (
        "json-ld naive",
        page(ld('{"@type":"NewsArticle","datePublished":"2025-03-20 19:05"}')),
        CASA,
        "2025-03-20T19:05:00+00:00",
    ),  # Ramadan 2025: Morocco on UTC+0
    (
        "json-ld beats meta",
        page(
            ld('{"@type":"NewsArticle","datePublished":"2024-05-02T10:00:00+01:00"}')
            + '<meta property="article:published_time" content="2024-05-03T10:00:00+01:00">'
        ),
        CASA,
        "2024-05-02T10:00:00+01:00",
    ),
    (
        "time element",
        page(body='<article><time datetime="2024-09-24T14:05:00+01:00">24/09/2024</time></article>'),
        CASA,
        "2024-09-24T14:05:00+01:00",
    ),
    (
        "time element text only",
        page(body='<time class="entry-date">12/02/2025 à 10:45</time>'),
        PARIS,
        "2025-02-12T10:45:00+01:00",
    ),
    (
        "fr Publié le",
        page(body="<p class='meta'>Publié le 28 novembre 2024 à 15h40</p>"),
        CASA,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "fr Publié le, mis à jour",
        page(
            body="<div>Mis à jour le 30 novembre 2024 à 08h00</div>"
            "<div>Publié le 28 novembre 2024 à 15h40</div>"
        ),
        PARIS,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "fr byline",
        page(body="<p class='info-article'>16 décembre 2023 - 15h00 - Maroc - Ecrit par : S.A</p>"),
        CASA,
        "2023-12-16T15:00:00+01:00",
    ),
    ("fr 1er", page(body="<span class='date'>1er mars 2024</span>"), PARIS, "2024-03-01T00:00:00+01:00"),
    (
        "fr aggregator",
        page(body="<div>Publié dans Maroc Diplomatique le 16 - 03 - 2024</div>"),
        CASA,
        "2024-03-16T00:00:00+00:00",
    ),
    (
        "ar Moroccan غشت",
        page(body="<span class='date'>نشر في 5 غشت 2023 - 10:30</span>"),
        CASA,
        "2023-08-05T10:30:00+01:00",
    ),
    (
        "ar Moroccan شتنبر",
        page(body="<div class='post-date'>الثلاثاء 24 شتنبر 2024</div>"),
        CASA,
        "2024-09-24T00:00:00+01:00",
    ),
    (
        "ar Moroccan دجنبر",
        page(body="<div class='date'>الأربعاء 13 دجنبر 2023 - 17:45</div>"),
        CASA,
        "2023-12-13T17:45:00+01:00",
    ),
    (
        "ar Moroccan يوليوز digits",
        page(body="<span class='time'>نشر بتاريخ ٢٢ يوليوز ٢٠٢٤ على الساعة 09:15</span>"),
        CASA,
        "2024-07-22T09:15:00+01:00",
    ),
    ("ar Moroccan نونبر", page(body="<p>تاريخ النشر: 18 نونبر 2024</p>"), CASA, "2024-11-18T00:00:00+01:00"),
    (
        "ar standard أغسطس",
        page(body="<span class='date'>7 أغسطس 2024</span>"),
        CASA,
        "2024-08-07T00:00:00+01:00",
    ),
    (
        "ar Levantine تشرين",
        page(body="<span class='date'>12 تشرين الأول 2024</span>"),
        CASA,
        "2024-10-12T00:00:00+01:00",
    ),
    (
        "ar Algerian جويلية",
        page(body="<span class='date'>3 جويلية 2024</span>"),
        CASA,
        "2024-07-03T00:00:00+01:00",
    ),
    (
        "es Publicado",
        page(body="<p>Publicado el 13 de enero de 2025 a las 18:20</p>"),
        "Europe/Madrid",
        "2025-01-13T18:20:00+01:00",
    ),
    (
        "en Published",
        page(body="<p class='byline'>Published November 28, 2024 at 3:40 pm</p>"),
        "UTC",
        "2024-11-28T15:40:00+00:00",
    ),
    (
        "future meta ignored",
        page('<meta property="article:published_time" content="2099-01-01T00:00:00Z">'),
        CASA,
        None,
    ),
    ("no date", page(body="<p class='meta'>le .</p>"), CASA, None),
    # older portals: the header shows today's date, comments carry theirs; the byline wins
    (
        "ar portal header today + byline + comments",
        page(
            body="<div id='top'><div class='today'>الأربعاء 04 دجنبر 2024 - 10:12</div></div>"
            "<div class='news_title'>حموشي يستقبل وفدا أمنيا فرنسيا بالرباط</div>"
            "<div class='news_info'>الخميس 28 نونبر 2024 - 15:40</div><div>" + "نص المقال. " * 40 + "</div>"
            "<div class='comments'><span class='cdate'>الجمعة 29 نونبر 2024 - 08:15</span></div>"
        ),
        CASA,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "ar header date before unclassed byline",
        page(
            body="<div class='header'><span>السبت 07 دجنبر 2024</span></div>"
            "<h1>توقيف مشتبه فيه بتهمة الارتباط بتنظيم إرهابي</h1><div>طنجة: الثلاثاء 03 دجنبر 2024 - 09:05</div>"
            "<p>" + "نص المقال. " * 40 + "</p>"
        ),
        CASA,
        "2024-12-03T09:05:00+01:00",
    ),
    (
        "ar comment dates only after the byline",
        page(
            body="<h1>عنوان الخبر الأمني الطويل</h1><p class='meta'>نشر في ٢٨ نونبر ٢٠٢٤ على الساعة ١٥:٤٠</p>"
            "<p>" + "نص المقال. " * 40 + "</p><ol class='commentlist'><li><time datetime='2024-11-29T08:00'>"
            "29 نونبر 2024</time></li></ol>"
        ),
        CASA,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "ar Mashriq كانون الثاني with weekday",
        page(
            body="<h1>اجتماع أمني رفيع المستوى</h1><div class='post-date'>الاثنين 13 كانون الثاني 2025</div>"
        ),
        "Asia/Beirut",
        "2025-01-13T00:00:00+02:00",
    ),
    (
        "ar Mashriq تشرين الثاني Arabic-Indic digits",
        page(body="<h1>مباحثات أمنية بين البلدين</h1><span class='date'>٢٨ تشرين الثاني ٢٠٢٤ - ١٥:٤٠</span>"),
        "Asia/Beirut",
        "2024-11-28T15:40:00+02:00",
    ),
    (
        "ar Mashriq كانون الأول",
        page(body="<h1>مباحثات أمنية بين البلدين</h1><span class='date'>2 كانون الأول 2024</span>"),
        "Asia/Beirut",
        "2024-12-02T00:00:00+02:00",
    ),
    (
        "ar Moroccan يونيو weekday comma",
        page(body="<h1>خبر أمني</h1><div class='date'>الثلاثاء، 24 يونيو 2025 - 11:30</div>"),
        CASA,
        "2025-06-24T11:30:00+01:00",
    ),
    (
        "ar Moroccan مارس during Ramadan (UTC+0)",
        page(body="<h1>خبر أمني</h1><div class='date'>الجمعة 15 مارس 2024 - 21:10</div>"),
        CASA,
        "2024-03-15T21:10:00+00:00",
    ),
    (
        "fr header date + byline + comment",
        page(
            body="<header class='site-header'><span class='date'>Mercredi 4 décembre 2024</span></header>"
            "<article><h1>Coopération sécuritaire : Rabat et Paris renforcent leurs liens</h1>"
            "<div class='meta'>28 novembre 2024 à 15h40</div><p>" + "Texte. " * 60 + "</p>"
            "<div id='comments'><p class='comment-date'>29 novembre 2024 à 08h15</p></div></article>"
        ),
        PARIS,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "teaser <time> of another story before a visible byline",
        page(
            body="<div class='cards'><article class='card'><h3><a href='/x.html'>Un autre article du jour sur la police</a>"
            "</h3><time datetime='2024-12-04T08:00:00+01:00'>4 décembre 2024</time></article></div>"
            "<div class='item-page'><h2>Le titre de la page</h2><span class='post-date'>28 novembre 2024 - 15h40</span></div>"
        ),
        CASA,
        "2024-11-28T15:40:00+01:00",
    ),
    (
        "fr date above the headline, clock in the top bar",
        page(
            body="<div class='topbar'>Jeudi 5 décembre 2024</div><p class='kicker'>Sécurité - 27/06/2024 10:15</p>"
            "<h1>La DGSN et la police française signent un plan d'action</h1><p>" + "Texte. " * 60 + "</p>"
        ),
        CASA,
        "2024-06-27T10:15:00+01:00",
    ),
]


def _published(html: str, tz: str) -> str | None:
    tree = parse_html(html)
    assert tree is not None
    found, _ = find_published(tree, jsonld=jsonld_objects(tree), timezone=tz)
    return found.isoformat() if found else None


def test_date_table_accuracy() -> None:
    wrong = []
    for label, html, tz, expected in TABLE:
        got = _published(html, tz)
        if got != expected:
            wrong.append(f"{label}: got {got}, want {expected}")
    accuracy = 1 - len(wrong) / len(TABLE)
    assert accuracy >= 0.98, f"{accuracy:.1%} right; wrong: {wrong}"


@pytest.mark.parametrize(
    ("label", "html", "tz", "expected"), [row for row in TABLE if row[0].startswith("ar ")]
)
def test_arabic_month_names(label: str, html: str, tz: str, expected: str) -> None:
    assert _published(html, tz) == expected


def test_every_published_date_is_timezone_aware() -> None:
    for label, html, tz, _ in TABLE:
        tree = parse_html(html)
        assert tree is not None
        found, _ = find_published(tree, jsonld=jsonld_objects(tree), timezone=tz)
        assert found is None or found.tzinfo is not None, label


def test_parse_text_date_forms() -> None:
    casa = zone(CASA)
    assert parse_text_date("Publié le 28 novembre 2024 à 15h40", casa) == datetime(
        2024, 11, 28, 14, 40, tzinfo=UTC
    )
    assert parse_text_date("le .", casa) is None
    assert parse_text_date("32 janvier 2024", casa) is None
    assert parse_text_date("11/28/2024", zone("UTC")) == datetime(2024, 11, 28, tzinfo=UTC)


def test_machine_dates() -> None:
    assert parse_machine_date("Thu, 28 Nov 2024 15:40:00 GMT") == datetime(2024, 11, 28, 15, 40, tzinfo=UTC)
    assert parse_machine_date("2024-11-28T15:40:00.123+0100") == datetime(2024, 11, 28, 14, 40, tzinfo=UTC)
    assert parse_machine_date("not a date") is None
    assert parse_machine_date("") is None


def test_unknown_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus_Mons") == UTC


@pytest.mark.parametrize("weight", ["light", "full"])
def test_older_arabic_portal_pages_of_the_local_web(weight: str) -> None:
    """The local web's Arabic portal is an older PHP portal: a "today" clock in the header,
    dated comments, teaser cards with <time>s on full pages; every article's date is its own."""
    from datetime import date

    from localweb import build_outlet_site
    from localweb.model import BASE
    from pipelines.extract import extract_article

    site = build_outlet_site(
        "Old portal",
        shape="portal",
        language="ar",
        n_articles=20,
        today=date(2026, 11, 20),
        seed=7,
        weight=weight,
    )
    wrong = []
    for truth in site.articles:
        html = site.resources[truth.path].body.replace(BASE.encode(), b"http://127.0.0.1:8000")
        article = extract_article(
            html, "http://127.0.0.1:8000" + truth.path, timezone=site.outlets[0].timezone
        )
        if article.published != truth.published:
            wrong.append(f"{truth.path}: {article.published} != {truth.published}")
    assert not wrong, wrong[:3]


def test_the_clock_is_a_parameter() -> None:
    """"Not in the future" is judged against ``now``: a fixed clock, no patching of datetime."""
    before, after = datetime(2024, 11, 1, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC)
    assert parse_text_date("Publié le 28 novembre 2024", now=before) is None
    assert parse_text_date("Publié le 28 novembre 2024", now=after) == datetime(2024, 11, 28, tzinfo=UTC)
    assert parse_machine_date("2024-11-28T09:00:00Z", now=before) is None
    tree = parse_html('<html><head><meta property="article:published_time" content="2024-11-28T09:00:00Z"></head>'
                      "<body><h1>Titre</h1><p>Texte.</p></body></html>")
    assert find_published(tree, now=after) == (datetime(2024, 11, 28, 9, tzinfo=UTC), "meta")
    assert find_published(tree, now=before)[0] is None
