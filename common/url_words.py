"""The one word list behind "is this URL an article?", shared by the crawler's link filter
(crawler/urls.py: which links to follow) and the page classifier (pipelines/page_kind.py:
is a fetched page an article). Two lists used to disagree (a ``/profil/`` archive was a
listing for one and an article link for the other).

Regex alternations, case-insensitive, matched against one path segment.
"""

from __future__ import annotations

# Archives that list articles: tag, category, section, author pages.
LISTING_WORDS = (
    "tag", "tags", "etiquette", "etiquettes", "category", "categories", "categorie", "rubrique", "rubriques",
    "section", "topic", "topics", "theme", "themes", "dossier", "dossiers", "author", "authors", "auteur",
    "auteurs", "autor", "autores", "writer", "journaliste", "journalist", "profile", "profil", "member",
    "membre", "وسم", "تصنيف", "كاتب",
)  # fmt: skip
# Service pages of a site: about, contact, accounts, search, legal.
SERVICE_WORDS = (
    "about", "about-us", "a-propos", "apropos", "qui-sommes-nous", "quienes-somos", "contact", "contacts",
    "contact-us", "contactez-nous", "nous-contacter", "contacto", "login", "log-in", "signin", "sign-in",
    "connexion", "se-connecter", "register", "inscription", "subscribe", "abonnement", "newsletter", "search",
    "recherche", "buscar", "mentions-legales", "legal", "privacy", "politique-de-confidentialite", "cgu",
    "cookies", "terms", "من-نحن", "اتصل-بنا",
)  # fmt: skip
# Not news, though a page there can carry an article (a video with its caption): the
# crawler does not follow such links, the page classifier does not reject such pages.
NON_NEWS_WORDS = (
    "account", "compte", "feed", "rss", "sitemap", "wp-admin", "wp-login", "video", "videos", "podcast",
    "podcasts", "live-tv", "direct", "emission", "emissions", "programme", "programmes", "jeux", "horoscope",
    "meteo", "weather",
)  # fmt: skip


def alternation(*words: tuple[str, ...]) -> str:
    """``a|b|c`` for a regex, longest first so a longer word wins over its prefix."""
    return "|".join(sorted({w for group in words for w in group}, key=lambda w: (-len(w), w)))
