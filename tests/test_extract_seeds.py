"""The five seed page shapes (shared/seeds) rendered as their CMS would, in tests/pages/seeds:
the lede and the last paragraph survive, none of the noise does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.extract import extract_article

PAGES = Path(__file__).parent / "pages" / "seeds"

# page -> (seed file, lede start, last paragraph start, noise that must be gone)
CASES = {
    "000_clean_article.html": (
        "000_918b96857cd36d1b.txt",
        "Afin de garantir un niveau de sécurité optimal lors des Jeux Olympiques de 2024",
        "Cette initiative renforce les capacités des autorités françaises",
        ["Tous droits réservés", "Mentions légales", "Par Karim Benali"],
    ),
    "001_aggregator.html": (
        "001_2e90ed357848b196.txt",
        "Dans un élan de solidarité internationale et de coopération transfrontalière",
        "Les préparatifs pour les Jeux Olympiques de Paris 2024 sont déjà en cours",
        [
            "L'USFP refuse sa «mort politique»",
            "La Bolivie suspend sa reconnaissance",
            "El PJD responde",
            "FIFA praises Moroccan youth",
            "Merci d'avoir signalé",
            "Cette image sera automatiquement bloquée",
            "Publié dans Maroc Diplomatique",
            "Cliquez ici pour lire l'article depuis sa source",
            "Les températures attendues",
        ],
    ),
    "002_wordpress_newspaper.html": (
        "002_054cf3e6b1a9b362.txt",
        "En visite de travail en France, du 26 au 28 juin 2024",
        "A retenir par ailleurs, qu’en reconnaissance de ses efforts",
        [
            "Accueil",
            "Aucun commentaire",
            "LEAVE A REPLY",
            "Please enter your comment!",
            "Please enter your name here",
            "Quitter la version mobile",
            "ARTICLES CONNEXES",
            "Facebook",
            "Sahirou Youssoufou",
        ],
    ),
    "003_portal_flash_infos.html": (
        "003_fdeae4b706280279.txt",
        "Le Directeur général de la Sûreté nationale et de la Surveillance du territoire, M. Abdellatif Hammouchi, a paraphé",
        "Cette rencontre stratégique met en lumière l’importance capitale",
        [
            "FLASH INFOS",
            "ArabicEnglishFrench",
            "Arabic",
            "WhatsApp_Image",
            ".jpeg",
            "IMG 20250625 WA0690",
            "Le Maroc accueille la CAN 2025",
            "Copyright",
        ],
    ),
    "004_inline_read_more.html": (
        "004_d8fe60782f4cd046.txt",
        "La visite de travail d’officiels français au Maroc présage",
        "Au cours de la rencontre entre Abdellatif Hammouchi",
        [
            "À lire",
            "Sécurité des JO 2024 : le Maroc va apporter son expertise",
            "Suivez bladi.net",
            "Google News",
            "WhatsApp",
            "Sujets associés",
            "Aller plus loin",
            "une amitié en péril",
            "Ces articles devraient vous intéresser",
            "La police marocaine recrute",
            "Interpol : les 11 Marocains",
            "Criminalité au Maroc : les chiffres",
            "Ecrit par",
        ],
    ),
}


def _extract(name: str):  # type: ignore[no-untyped-def]
    html = (PAGES / name).read_bytes()
    return extract_article(
        html, f"https://outlet.example.ma/actualite/2024/{name}", timezone="Africa/Casablanca"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_lede_and_last_paragraph_kept_noise_gone(name: str) -> None:
    _, lede, last, noise = CASES[name]
    article = _extract(name)
    paragraphs = article.text.splitlines()
    assert paragraphs[0].startswith(lede), paragraphs[0][:120]
    assert paragraphs[-1].startswith(last), paragraphs[-1][:120]
    leaked = [n for n in noise if n.casefold() in article.text.casefold()]
    assert not leaked, f"noise kept: {leaked}"
    assert article.language == "fr"


@pytest.mark.parametrize("name", sorted(CASES))
def test_pages_quote_their_seed(name: str, shared_dir: Path) -> None:
    """The lede and last paragraph checked above are the seed's own text, not ours."""
    seed, lede, last, _ = CASES[name]
    seed_text = re.sub(r"\s+", " ", (shared_dir / "seeds" / seed).read_text(encoding="utf-8"))
    assert lede in seed_text
    assert last in seed_text


def test_iso_8859_1_portal_page_decodes() -> None:
    article = _extract("003_portal_flash_infos.html")
    assert article.extra["encoding"] == "cp1252"  # w3lib reads ISO-8859-1 as windows-1252, like browsers
    assert "Sûreté nationale" in article.text
    assert "l’Ambassadeur" in article.text  # U+2019 exists only in windows-1252
    assert "\ufffd" not in article.text
    assert article.published is None  # the page's date line is empty ("le .")


def test_seed_dates_and_metadata() -> None:
    clean = _extract("000_clean_article.html")
    assert clean.published is not None and clean.published.isoformat() == "2024-07-20T11:05:00+01:00"
    assert clean.author == "Karim Benali"
    assert clean.site_name == "Le Journal du Maroc"
    assert clean.extra["declared_canonical"].startswith("https://journal-du-maroc.example/societe/")
    aggregator = _extract("001_aggregator.html")
    # "Publié dans Maroc Diplomatique le 16 - 03 - 2024": a day in Casablanca, then on UTC+0 (Ramadan)
    assert (
        aggregator.published is not None and aggregator.published.isoformat() == "2024-03-16T00:00:00+00:00"
    )
    wordpress = _extract("002_wordpress_newspaper.html")
    assert wordpress.author == "Sahirou Youssoufou"
    assert wordpress.extra["date_source"] == "json-ld"
    read_more = _extract("004_inline_read_more.html")
    assert read_more.published is not None and read_more.published.isoformat() == "2023-12-16T15:00:00+01:00"
