"""The one language set: what the crawler expects, the identifier decides between, the
matcher stems and the config files may name. Adding a language starts here.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("fr", "ar", "en", "es")
KNOWN_LANGUAGES = frozenset(LANGUAGES)
# Written right to left: pages and e-mails set dir="rtl" for these (beyond the supported set,
# so a stray Persian or Hebrew page still reads the right way).
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


def check_languages(value: list[str]) -> list[str]:
    """A pydantic validator body: every code must be one of LANGUAGES."""
    unknown = [lang for lang in value if lang not in KNOWN_LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}; expected one of {sorted(KNOWN_LANGUAGES)}")
    return value


def is_rtl(language: str | None) -> bool:
    """Right-to-left language, ignoring a region suffix ('ar-MA')."""
    return (language or "").split("-")[0].lower() in RTL_LANGUAGES
