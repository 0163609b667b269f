"""Where an article's author comes from, and where it never does: comment sections and
forms, related-stories boxes, sidebars and page footers (a commenter's name is no byline);
plus the headline repeated as a table row at the top of the text (Joomla 1.5)."""

from __future__ import annotations

import pytest
from lxml.html import Element, fromstring

from pipelines.extract import extract_article
from pipelines.metadata import author_from_text, no_author_region
from pipelines.noise import clean_text

URL = "https://region-news.example/2024/07/17/port-tanger-saisie.html"
TITLE = "Saisie de trois tonnes de chira au port de Tanger Med"
BODY = [
    "Les services de la Sûreté nationale au port de Tanger Med ont saisi mardi plus de trois tonnes "
    "de chira dissimulées dans un camion de transport international qui s'apprêtait à embarquer pour Algésiras.",
    "Selon une source sécuritaire, la cargaison était cachée dans un double fond aménagé sous une "
    "remorque de fruits et légumes, repéré lors du passage au scanner et grâce aux chiens renifleurs.",
    "Le chauffeur, un ressortissant étranger âgé de 41 ans, a été placé en garde à vue sous la "
    "supervision du parquet compétent, afin de déterminer les ramifications de ce réseau de trafic.",
]


def page(article: str, *, before: str = "", after: str = "", article_attrs: str = 'class="post"') -> str:
    """A WordPress-era news page: header, optional blocks before/after the article, footer."""
    paragraphs = "".join(f"<p>{text}</p>" for text in BODY)
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{TITLE} - Région News</title>'
        '<meta property="og:site_name" content="Région News"></head><body>'
        '<header id="masthead"><a href="/">Région News</a><nav><a href="/societe">Société</a> '
        '<a href="/economie">Économie</a></nav></header>'
        f'<div id="content">{before}<article {article_attrs}><h1 class="entry-title">{TITLE}</h1>'
        f'{article}<div class="entry-content">{paragraphs}</div></article>{after}</div>'
        '<footer id="colophon" class="site-footer"><p>© 2024 Région News</p></footer></body></html>'
    )


COMMENTS = (
    '<div id="comments" class="comments-area"><h2 class="comments-title">2 réflexions sur « Saisie »</h2>'
    '<ol class="comment-list"><li id="comment-88" class="comment even thread-even depth-1">'
    '<article id="div-comment-88" class="comment-body"><footer class="comment-meta">'
    '<div class="comment-author vcard"><b class="fn">Rachid</b> <span class="says">dit :</span></div>'
    '<div class="comment-metadata"><time datetime="2024-07-17T12:40:00+01:00">17 juillet 2024</time></div>'
    '</footer><div class="comment-content"><p>Bravo aux services de police.</p></div></article></li></ol>'
    '<div id="respond" class="comment-respond"><h3 id="reply-title">Laisser un commentaire</h3>'
    '<form id="commentform" class="comment-form"><p class="comment-form-author"><label for="author">Nom *</label>'
    '<input id="author" name="author" type="text"></p></form></div></div>'
)


@pytest.mark.parametrize(
    ("tag", "klass", "ident", "expected"),
    [
        ("div", "comments-area", "comments", True),
        ("ol", "comment-list", "", True),
        ("ol", "commentlist", "", True),
        ("span", "comment-author", "", True),
        ("div", "", "disqus_thread", True),
        ("section", "reactions", "", True),
        ("div", "تعليقات", "", True),
        ("p", "comment-form-author", "", True),
        ("div", "jp-relatedposts", "", True),
        ("div", "relatedArticle standard", "", True),
        ("aside", "widget widget_recent_entries", "", True),
        ("div", "sidebar", "secondary", True),
        ("div", "", "footer", True),
        ("footer", "site-footer", "colophon", True),
        # state classes and article parts are no such block
        ("article", "post type-post comments-open", "", False),
        ("div", "no-sidebars page-node", "", False),
        ("body", "comments", "", False),
        ("footer", "entry-footer", "", False),
        ("div", "author-box", "", False),
        ("div", "live-match-comments", "", False),
        ("span", "comments-link", "", False),
    ],
)
def test_no_author_region(tag: str, klass: str, ident: str, expected: bool) -> None:
    element = Element(tag, {"class": klass, "id": ident})
    assert no_author_region(element) is expected


def test_a_commenter_is_not_the_author() -> None:
    article = extract_article(page("", after=COMMENTS), URL)
    assert article.author is None
    assert "Bravo aux services" not in article.text


def test_the_bylines_author_wins_over_commenters() -> None:
    byline = '<div class="entry-meta"><span class="byline">Par <span class="author vcard">Leïla Amrani</span></span></div>'
    assert extract_article(page(byline, after=COMMENTS), URL).author == "Leïla Amrani"


def test_a_long_discussion_gives_no_author_and_no_text() -> None:
    """Comments outweighing the article (more than the 40 % a removed block may hold) are
    still a comment section: no author from its schema.org markup, none of its text."""
    readers = ("Hamid", "Salma K.", "Un Tangérois", "Mourad", "Nora", "Abdelilah", "Fatima Zahra", "Karim")
    comments = "".join(
        f'<li class="comment" itemscope itemtype="https://schema.org/Comment"><span itemprop="author">{name}</span>'
        f"<p>Commentaire de {name} : on parle de ces saisies depuis des années, mais les réseaux se "
        "reconstituent aussitôt, tant que la demande en Europe ne baisse pas rien ne changera vraiment.</p></li>"
        for name in readers
    )
    article = extract_article(page("", after=f'<section id="comments"><ol>{comments}</ol></section>'), URL)
    assert article.author is None
    assert "Commentaire de" not in article.text
    assert BODY[0][:60] in article.text


def test_sidebar_and_related_authors_before_the_article_are_skipped() -> None:
    sidebar = (
        '<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2>Récents</h2>'
        '<ul><li><a href="/a">Tanger : un nouveau terminal</a> <span class="post-author">Omar Tazi</span></li>'
        '<li><a href="/b">Tétouan : la corniche rénovée</a> <span class="post-author">Sara Bennani</span></li></ul>'
        "</section></aside>"
    )
    related = (
        '<div class="related-posts"><h3>À lire aussi</h3><div class="related-item"><a href="/c">Saisie record à '
        'Algésiras</a><span class="author">Par Youssef Alami</span></div></div>'
    )
    byline = '<p class="meta">Par Leïla Amrani — Publié le 17 juillet 2024</p>'
    article = extract_article(page(byline, before=sidebar + related), URL)
    assert article.author == "Leïla Amrani"


def test_a_footer_credit_is_no_author() -> None:
    after = '<div id="footer"><div class="author">Conception et réalisation par WebAtlas</div></div>'
    assert extract_article(page("", after=after), URL).author is None


def test_a_state_class_on_the_article_is_no_comment_section() -> None:
    byline = '<span class="byline">Par <a rel="author" href="/auteur/leila">Leïla Amrani</a></span>'
    article = extract_article(page(byline, article_attrs='class="post type-post comments-open"'), URL)
    assert article.author == "Leïla Amrani"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Écrit par Karima Ait Lahcen", "Karima Ait Lahcen"),
        ("Written by Karima Ait Lahcen", "Karima Ait Lahcen"),
        ("Rédigé par Karima Ait Lahcen | Lundi, 22 Juillet 2024", "Karima Ait Lahcen"),
        ("كتب بواسطة حسن العلوي", "حسن العلوي"),
        ("بقلم: عبد الرحيم الزهراوي", "عبد الرحيم الزهراوي"),
    ],
)
def test_byline_text_under_a_joomla_headline(line: str, name: str) -> None:
    """Joomla 1.5's headline row (icon or text buttons in their own cells) then the author
    line: each short block is read, none is skipped as already seen."""
    tree = fromstring(
        '<div><table class="contentpaneopen"><tr><td class="contentheading"><a class="contentpagetitle" href="/a">'
        f'{TITLE}</a></td><td class="buttonheading"><a href="/pdf">PDF</a></td><td class="buttonheading">'
        '<a href="/print">Imprimer</a></td><td class="buttonheading"><a href="/mail">E-mail</a></td></tr></table>'
        f'<table class="contentpaneopen"><tr><td colspan="2"><span class="small">{line}</span></td></tr>'
        "<tr><td>Lundi, 22 Juillet 2024 09:40</td></tr></table></div>"
    )
    headline = tree.find(".//a[@class='contentpagetitle']")
    assert author_from_text(headline) == name


@pytest.mark.parametrize(
    "first",
    [
        f"| {TITLE} |  |  |",
        f"| {TITLE} | PDF | Imprimer | E-mail |",
        f"|  | {TITLE} |  |",
        TITLE,
    ],
)
def test_headline_row_at_the_top_is_dropped(first: str) -> None:
    text = clean_text("\n".join([first, *BODY]), title=TITLE)
    assert text.splitlines() == BODY


@pytest.mark.parametrize(
    "row",
    [
        f"| {TITLE} | Le port a traité 9 millions de conteneurs en 2023 |",  # a data row, not buttons
        "| Port | Saisies | Tonnes |",
    ],
)
def test_other_table_rows_are_kept(row: str) -> None:
    assert clean_text("\n".join([row, *BODY]), title=TITLE).splitlines()[0] == row


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("آخر تحديث ( الأربعاء, 17 يوليو 2024 11:05 )", True),
        ("Last Updated ( Wednesday, 17 July 2024 11:05 )", True),
        ("Dernière mise à jour : ( Lundi, 22 Juillet 2024 11:15 )", True),
        ("Mis à jour le 22/07/2024 à 11h15", True),
        ("Dernière mise à jour des chiffres : le ministère a recensé 12 000 saisies.", False),
    ],
)
def test_last_updated_stamps_under_the_body(line: str, dropped: bool) -> None:
    kept = clean_text("\n".join([*BODY, line]), title=TITLE).splitlines()
    assert (line not in kept) is dropped
