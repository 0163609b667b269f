"""Is it an article? Listing, tag, author, about, contact, login and 404 pages (tests/pages/kinds)
raise NotAnArticle; a video page with no text raises EmptyExtraction."""

from __future__ import annotations

from pathlib import Path

import pytest
from page_layouts import page_bytes

from common.article import EmptyExtraction, NotAnArticle
from pipelines.extract import extract_article
from pipelines.page_kind import url_reason

KINDS = Path(__file__).parent / "pages" / "kinds"
SITE = "https://lematin-securite.example"
ARTICLE_URL = f"{SITE}/securite/2024/06/27/hammouchi-paris_1234.html"


@pytest.mark.parametrize(
    ("page", "url", "reason_part"),
    [
        # markup alone decides, whatever the URL
        ("category_listing.html", ARTICLE_URL, "CollectionPage"),
        ("author_page.html", ARTICLE_URL, "ProfilePage"),
        ("not_found.html", ARTICLE_URL, "error page"),
        ("login_page.html", ARTICLE_URL, "login"),
        ("section_listing_no_markup.html", ARTICLE_URL, "listing"),
        ("tag_page.html", ARTICLE_URL, "listing"),
        # the URL decides
        ("tag_page.html", f"{SITE}/tag/hammouchi/", "tag listing"),
        ("author_page.html", f"{SITE}/author/karim-benali/", "author listing"),
        ("category_listing.html", f"{SITE}/category/securite/page/2/", "category listing"),
        ("about_page.html", f"{SITE}/a-propos/", "a-propos page"),
        ("contact_page.html", f"{SITE}/contact/", "contact page"),
        ("login_page.html", f"{SITE}/connexion", "connexion page"),
    ],
)
def test_not_an_article(page: str, url: str, reason_part: str) -> None:
    with pytest.raises(NotAnArticle) as caught:
        extract_article(page_bytes(KINDS / page), url)
    assert reason_part in caught.value.reason


def test_video_page_is_empty_extraction() -> None:
    with pytest.raises(EmptyExtraction) as caught:
        extract_article(page_bytes(KINDS / "video_page.html"), ARTICLE_URL)
    assert "video page" in caught.value.reason


def test_a_listing_url_alone_does_not_reject_an_article() -> None:
    """An article under a /tag/ path is kept, and the record says why it was in doubt."""
    seed = Path(__file__).parent / "pages" / "seeds" / "004_inline_read_more.html"
    article = extract_article(seed.read_bytes(), f"{SITE}/tag/maroc-france/")
    assert article.text.startswith("La visite de travail")
    assert "tag listing" in article.extra["kind_doubt"]
    fed = extract_article(seed.read_bytes(), f"{SITE}/tag/maroc-france/", discovered_via="feed")
    assert "kind_doubt" not in fed.extra  # a feed item's URL is no evidence at all


@pytest.mark.parametrize("url", [f"{SITE}/securite/page/2/", f"{SITE}/securite/?paged=2", ARTICLE_URL])
def test_listing_structure_is_rejected_whatever_the_url(url: str) -> None:
    page = page_bytes(KINDS / "section_listing_no_markup.html")
    with pytest.raises(NotAnArticle, match=r"\d+ headlines, longest run of text \d+ characters"):
        extract_article(page, url)


def _article_with_sidebar(sidebar: str) -> bytes:
    body = "".join(
        f"<p>Paragraphe {i} : la coopération sécuritaire entre Rabat et Paris se renforce encore.</p>"
        for i in range(8)
    )
    return (
        "<html><head><title>Coopération sécuritaire</title></head><body>"
        f"<h1>Coopération sécuritaire entre Rabat et Paris</h1><div class='body'>{body}</div>"
        f"<aside class='sidebar'>{sidebar}</aside></body></html>"
    ).encode()


def test_sidebar_login_box_and_headline_rail_do_not_reject() -> None:
    rail = "".join(
        f"<h3><a href='/a{i}.html'>Titre d'un autre article numéro {i} du jour</a></h3>" for i in range(12)
    )
    login = "<form action='/login'><input name='u'><input type='password' name='p'><button>OK</button></form>"
    article = extract_article(_article_with_sidebar(rail + login), f"{SITE}/tag/cooperation/")
    assert article.text.startswith("Paragraphe 0")
    assert "tag listing" in article.extra["kind_doubt"]
    article = extract_article(_article_with_sidebar(login), ARTICLE_URL)
    assert "password box" in article.extra["kind_doubt"]


def test_text_structure_separates_runs_at_headlines() -> None:
    from pipelines.extract import parse_html
    from pipelines.page_kind import text_structure

    teaser = "<li><a href='/x.html'>Un titre de teaser assez long</a><p>{}</p></li>".format(
        "Résumé court. " * 10
    )
    tree = parse_html(f"<html><body><ul>{teaser * 8}</ul></body></html>")
    assert tree is not None
    assert text_structure(tree) == (8, 139)
    inline = (
        "<p>Texte "
        + "long " * 60
        + "<a href='/y'>un lien dans le paragraphe</a> suite "
        + "du texte " * 30
        + "</p>"
    )
    tree = parse_html(f"<html><body><ul>{teaser * 8}</ul>{inline}</body></html>")
    assert tree is not None
    headlines, run = text_structure(tree)
    assert headlines == 8 and run > 500


def test_article_markup_outranks_a_listing_url() -> None:
    """A WordPress article filed under a /category/ path is still an article."""
    seed = Path(__file__).parent / "pages" / "seeds" / "002_wordpress_newspaper.html"
    article = extract_article(seed.read_bytes(), f"{SITE}/category/international/")
    assert article.text.startswith("En visite de travail en France")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{SITE}/", "home page"),
        (f"{SITE}/fr/", "home page"),
        (f"{SITE}/tag/maroc", "tag listing"),
        (f"{SITE}/fr/categorie/politique/", "categorie listing"),
        (f"{SITE}/auteur/jean-dupont/page/3/", "auteur listing"),
        (f"{SITE}/politique/page/2/", "paginated listing"),
        (f"{SITE}/?s=hammouchi", "home page"),
        (f"{SITE}/recherche?q=dgsn", "recherche page"),
        (f"{SITE}/wp-login.php", "login page"),
        (f"{SITE}/qui-sommes-nous/", "qui-sommes-nous page"),
        (f"{SITE}/%D9%88%D8%B3%D9%85/%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8/", "وسم listing"),
        (f"{SITE}/politique/2024/06/27/hammouchi-paris_1234.html", None),
        (f"{SITE}/tags-et-categories-une-enquete-123.html", None),
        (f"{SITE}/category/politique/hammouchi-paris-12345.html", None),
        (f"{SITE}/author/karim/2024/06/27/hammouchi-paris/", None),
        (f"{SITE}/index.php?id=4521", None),
        (f"{SITE}/index.php/qui-sommes-nous", "qui-sommes-nous page"),
        (f"{SITE}/spip.php?page=login", "login page"),
        (f"{SITE}/index.php?option=contact&lang=ar", "contact page"),
        (f"{SITE}/spip.php?page=article&id_article=4521", None),
        ("", None),
    ],
)
def test_url_reason(url: str, expected: str | None) -> None:
    reason = url_reason(url)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and reason.startswith(expected), reason


@pytest.mark.parametrize("name", ["video_fr_hammouchi", "video_ar_olympics"])
def test_video_pages_say_so_and_keep_their_description_not_the_player(name: str) -> None:
    import json

    golden = Path(__file__).parent / "golden"
    spec = json.loads((golden / f"{name}.json").read_text(encoding="utf-8"))
    article = extract_article(page_bytes(golden / f"{name}.html"), spec["input"]["url"])
    assert article.extra["page_kind"] == "video"
    assert article.text.startswith(spec["body"][0])
    assert not any(ch.isdigit() for ch in article.text.split("\n")[-1][-8:])  # no "00:00 / 02:35" left
