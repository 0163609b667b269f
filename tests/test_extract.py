"""extract_article's contract: decoding, outlet options, extras, and hostile input that must end
as a result or a typed ExtractionError, never another exception."""

from __future__ import annotations

import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from common.article import EmptyExtraction, ExtractedArticle, ExtractionError, NotAnArticle
from pipelines.decode import decode_html
from pipelines.extract import extract_article

SEEDS = Path(__file__).parent / "pages" / "seeds"


def clean_seed_with(old: str, new: str) -> str:
    """The clean seed article with one piece of its markup replaced (a variant of a real page)."""
    page = (SEEDS / "000_clean_article.html").read_text(encoding="utf-8")
    assert old in page, f"the seed no longer holds {old!r}"
    return page.replace(old, new)


URL = "https://outlet.example.ma/actualite/2025/06/24/plan-action_881.html"

AR_PARAGRAPHS = [
    "ترأس المدير العام للأمن الوطني ومراقبة التراب الوطني، السيد عبد اللطيف حموشي، يوم الثلاثاء بالرباط، "
    "مراسم توقيع خطة عمل مشتركة مع نظيره الفرنسي، وذلك في إطار تعزيز التعاون الأمني الثنائي.",
    "وأوضح بلاغ للمديرية العامة للأمن الوطني أن هذه الزيارة تندرج في سياق انخراط مصالح الأمن المغربية في "
    "منظومة التعاون الأمني الدولي، بما يضمن المساهمة الفعالة في تحييد المخاطر والتهديدات الإرهابية.",
    "وأكد الطرفان على أهمية تطوير آليات التنسيق العملياتي وتبادل المعلومات، خاصة في ما يتعلق بتأمين "
    "التظاهرات الرياضية الكبرى التي ستحتضنها المملكة خلال السنوات المقبلة.",
]


def arabic_page(charset_meta: str | None) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
        if charset_meta
        else ""
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in AR_PARAGRAPHS)
    return (
        f'<html dir="rtl" lang="ar"><head>{meta}<title>حموشي ولوجيي يوقعان خطة عمل</title></head><body>'
        f"<h1>حموشي ولوجيي يوقعان خطة عمل</h1><div class='date'>نشر في 24 يونيو 2025 - 10:30</div>"
        f"<div class='content'>{paragraphs}</div></body></html>"
    )


@pytest.mark.parametrize(
    ("charset_meta", "hint"),
    [("windows-1256", None), (None, "windows-1256"), (None, None)],
    ids=["meta", "http-hint", "detected"],
)
def test_windows_1256_arabic(charset_meta: str | None, hint: str | None) -> None:
    raw = arabic_page(charset_meta).encode("cp1256")
    article = extract_article(raw, URL, encoding=hint, timezone="Africa/Casablanca")
    assert article.text.splitlines()[0] == AR_PARAGRAPHS[0]
    assert article.text.splitlines()[-1] == AR_PARAGRAPHS[-1]
    assert article.language == "ar"
    assert article.extra["encoding"] == "cp1256"
    assert article.published is not None and article.published.isoformat() == "2025-06-24T10:30:00+01:00"


def test_http_hint_beats_a_wrong_meta() -> None:
    raw = arabic_page("iso-8859-1").encode("cp1256")
    article = extract_article(raw, URL, encoding="cp1256")
    assert AR_PARAGRAPHS[0] in article.text


def test_valid_utf8_wins_over_a_stale_latin_declaration() -> None:
    html = clean_seed_with(
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">',
    )
    article = extract_article(html.encode("utf-8"), URL)
    assert "sécurité optimal" in article.text
    assert "Ã" not in article.text


def test_decode_iso_8859_1_without_declaration() -> None:
    text, used = decode_html("<p>Sécurité renforcée à l’aéroport — été</p>".encode("cp1252"))
    assert text == "<p>Sécurité renforcée à l’aéroport — été</p>"
    assert used == "cp1252"


def test_decode_bom_and_str() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>\xc3\xa9t\xc3\xa9</p>", "latin-1")[0] == "<p>été</p>"
    assert decode_html("<p>déjà décodé</p>") == ("<p>déjà décodé</p>", "unicode")


def test_outlet_noise_selectors_are_stripped() -> None:
    html = clean_seed_with(
        "<p>Leur mission consiste",
        '<p class="promo-box">Abonnez-vous à notre lettre Sécurité Maroc chaque matin '
        "pour recevoir toute l'actualité de la coopération policière.</p><p>Leur mission consiste",
    )
    assert "Abonnez-vous à notre lettre" in extract_article(html, URL).text
    cleaned = extract_article(html, URL, noise_selectors=[".promo-box", "div[[bad selector"])
    assert "Abonnez-vous à notre lettre" not in cleaned.text
    assert "Leur mission consiste" in cleaned.text


def test_extras_canonical_and_discovery() -> None:
    article = extract_article((SEEDS / "000_clean_article.html").read_bytes(), URL, discovered_via="sitemap")
    assert article.extra["declared_canonical"] == (
        "https://journal-du-maroc.example/societe/jo-2024-policiers-marocains-paris-1234.html"
    )
    assert article.extra["discovered_via"] == "sitemap"
    assert article.extra["date_source"] == "meta"


def test_og_url_is_a_declared_canonical_and_relative_links_are_resolved() -> None:
    html = clean_seed_with(
        '<link rel="canonical" href="https://journal-du-maroc.example/societe/jo-2024-policiers-marocains-paris-1234.html">',
        '<meta property="og:url" content="/societe/jo-2024.html">',
    )
    article = extract_article(html, "https://journal-du-maroc.example/amp/societe/jo-2024.html")
    assert article.extra["declared_canonical"] == "https://journal-du-maroc.example/societe/jo-2024.html"


def test_naive_visible_time_is_read_in_the_outlet_zone() -> None:
    html = (SEEDS / "004_inline_read_more.html").read_bytes()
    casablanca = extract_article(html, URL, timezone="Africa/Casablanca").published
    paris = extract_article(html, URL, timezone="Europe/Paris").published
    assert casablanca is not None and paris is not None
    assert casablanca.isoformat() == "2023-12-16T15:00:00+01:00"
    assert paris.utcoffset() is not None and str(paris.tzinfo) == "Europe/Paris"


def test_result_is_picklable_and_json_ready() -> None:
    article = extract_article((SEEDS / "002_wordpress_newspaper.html").read_bytes(), URL)
    clone = pickle.loads(pickle.dumps(article))
    assert clone == article
    data = article.to_json()
    assert data["published"] == "2024-06-29T09:12:41+00:00"
    assert pickle.loads(pickle.dumps(extract_article)) is extract_article


def _extract_in_worker(path: str) -> ExtractedArticle:
    return extract_article(Path(path).read_bytes(), URL)


def test_runs_in_a_worker_process() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        article = pool.submit(_extract_in_worker, str(SEEDS / "001_aggregator.html")).result(timeout=120)
    assert article.text.startswith("Dans un élan de solidarité internationale")


# ------------------------------------------------------------------ hostile input
def _hostile_inputs() -> list[tuple[str, bytes | str]]:
    rng = random.Random(20241128)
    seed = (SEEDS / "002_wordpress_newspaper.html").read_bytes()
    paragraph = "<p>" + "La coopération sécuritaire entre le Maroc et la France se renforce. " * 8 + "</p>"
    return [
        ("empty bytes", b""),
        ("empty str", ""),
        ("whitespace", b"   \n\t  "),
        ("binary junk", bytes(rng.randrange(256) for _ in range(20_000))),
        ("png labelled html", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(5_000))),
        ("gzip body", b"\x1f\x8b\x08\x00" + bytes(rng.randrange(256) for _ in range(5_000))),
        ("truncated html", seed[: len(seed) // 3]),
        ("cut inside a tag", seed[:1234] + b'<div class="td-post'),
        ("only a doctype", b"<!DOCTYPE html>"),
        ("plain text", b"Juste une phrase sans balises."),
        ("xml", b"<?xml version='1.0'?><rss><channel><item><title>x</title></item></channel></rss>"),
        ("deep nesting", ("<div>" * 5000 + paragraph + "</div>" * 5000).encode()),
        ("nul bytes in text", seed.replace(b"En visite", b"En\x00visite\x00")),
        ("broken json-ld", seed.replace(b'"@context"', b'{{{"@context"')),
        ("bad utf-8", seed.replace(b"Hammouchi", b"Hamm\xff\xfeouchi")),
        ("5 MB page", b"<html><body>" + paragraph.encode() * 8500 + b"</body></html>"),
        ("no body, scripts only", b"<html><head><script>var x=1;</script></head></html>"),
        ("surrogates", "<html><body><p>\ud800 broken surrogate " + "texte " * 80 + "</p></body></html>"),
    ]


@pytest.mark.parametrize(("label", "data"), _hostile_inputs(), ids=[label for label, _ in _hostile_inputs()])
def test_hostile_input_never_crashes(label: str, data: bytes | str) -> None:
    try:
        article = extract_article(data, URL)
    except ExtractionError as exc:
        assert isinstance(exc, (NotAnArticle, EmptyExtraction))
        assert exc.reason
    else:
        assert isinstance(article, ExtractedArticle)
        assert article.text.strip()


def test_empty_and_binary_have_clear_reasons() -> None:
    with pytest.raises(EmptyExtraction, match="empty page"):
        extract_article(b"", URL)
    with pytest.raises(NotAnArticle, match="binary"):
        extract_article(bytes(range(256)) * 40, URL)


def test_clean_text_rules() -> None:
    from pipelines.noise import clean_text

    body = "\n".join(
        [
            "16 décembre 2023 - 15h00 - Maroc - Ecrit par : S.A",
            "Premier paragraphe de l'article, assez long pour peser dans le texte, sur la coopération policière.",
            "À lire : Sécurité des JO 2024 : le Maroc va apporter son expertise à la France",
            "Thèmes de la conférence abordés par les ministres réunis à Rabat cette semaine, en détail.",
            "Deuxième paragraphe de l'article, lui aussi assez long pour peser dans le texte final.",
            "Temas",
            "Aller plus loin",
            "Entre la France et le Maroc, une amitié en péril ?",
        ]
    )
    lines = clean_text(body).splitlines()
    assert lines == [
        "Premier paragraphe de l'article, assez long pour peser dans le texte, sur la coopération policière.",
        "Thèmes de la conférence abordés par les ministres réunis à Rabat cette semaine, en détail.",
        "Deuxième paragraphe de l'article, lui aussi assez long pour peser dans le texte final.",
    ]
    # a "related" heading at the very top is a section title, not a trailing teaser block
    assert clean_text("Aller plus loin\n" + "Un long paragraphe de texte. " * 10).startswith(
        "Aller plus loin"
    )


PARAGRAPH = "Un long paragraphe de texte sur la coopération sécuritaire. " * 5


def _cleaned_between_paragraphs(line: str) -> list[str]:
    """The lines ``clean_text`` keeps of ``line`` standing alone between two article paragraphs."""
    from pipelines.noise import clean_text

    return clean_text(f"{PARAGRAPH}\n{line}\n{PARAGRAPH}").splitlines()


@pytest.mark.parametrize(
    "line",
    [
        "Suivez Le360 sur Google News",
        "Suivez toute l'actualité de Hespress FR sur WhatsApp",
        "Abonnez-vous à notre newsletter",
        "Rejoignez notre chaîne Telegram pour ne rien rater",
        "Follow us on X and Instagram",
        "Subscribe to our newsletter for the latest updates",
        "Síguenos en Facebook y Twitter",
        "Suscríbete a nuestro boletín",
        "تابعونا على فيسبوك وتويتر",
        "تابعوا آخر الأخبار عبر قناتنا على واتساب",
        "اشترك في نشرتنا البريدية",
    ],
)
def test_promotion_lines_are_dropped(line: str) -> None:
    assert _cleaned_between_paragraphs(line) == [PARAGRAPH.strip(), PARAGRAPH.strip()]


@pytest.mark.parametrize(
    "line",
    [
        "Le ministre a suivi les débats sur Facebook avec attention.",
        "Les enquêteurs ont suivi la piste du réseau sur Telegram, qui diffusait des messages.",
        "El acusado sigue en prisión preventiva, según el canal público.",
        "وتابع المسؤول الأمني أن التعاون مع فرنسا مستمر عبر قناة دبلوماسية.",
        "Join the conversation",
    ],
)
def test_news_sentences_about_networks_are_kept(line: str) -> None:
    assert line in _cleaned_between_paragraphs(line)
