"""Small per-language vocabularies and sentence templates for the generated outlets.

Text is made of templates whose ``{slots}`` are filled from pools; some templates tell of
Morocco–France police and intelligence cooperation (the topic newswatch watches), some are
near misses (Morocco and France without security, security without France), most are
ordinary news. Dates are written the way each kind of outlet shows them, with Moroccan
Arabic month names. French text stays inside ISO-8859-1 and Arabic inside windows-1256,
so the bad-input outlet can serve it in those charsets.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

LANGUAGES = ("fr", "ar", "en", "es")

# The vocabulary is data: lexicon.json holds, per language, month and weekday names, section
# labels, authors, tags, page boilerplate (labels), headline and sentence templates and the
# pools their {slots} are filled from; then the shared ticker, image names and surnames.
_VOCABULARY = json.loads((Path(__file__).parent / "lexicon.json").read_text(encoding="utf-8"))


def _per_language(key: str) -> dict[str, Any]:
    return {lang: _VOCABULARY["languages"][lang][key] for lang in LANGUAGES}


MONTHS: dict[str, list[str]] = _per_language("months")
WEEKDAYS: dict[str, list[str]] = _per_language("weekdays")
SECTIONS: dict[str, dict[str, str]] = _per_language("sections")  # section slug -> label; a topic picks its section
AUTHORS: dict[str, list[str]] = _per_language("authors")
TAGS: dict[str, list[str]] = _per_language("tags")
LABELS: dict[str, dict[str, str]] = _per_language("labels")  # page boilerplate an extractor leaves out
TITLES: dict[str, dict[str, list[str]]] = _per_language("titles")  # headline templates per topic
SENTENCES: dict[str, dict[str, list[str]]] = _per_language("sentences")  # body sentence templates per topic
POOLS: dict[str, dict[str, list[str]]] = _per_language("pools")  # slot -> the values it is filled from
TICKER: list[str] = _VOCABULARY["ticker"]  # a multilingual ticker's headlines (aggregator shape)
IMAGE_FILES: list[str] = _VOCABULARY["image_files"]
SURNAMES: dict[str, list[str]] = _VOCABULARY["surnames"]  # "latin" and "ar"


def visible_date(lang: str, style: str, when: datetime) -> str:
    """A date as an outlet prints it. Styles: long, dash, weekday, day (day only)."""
    d, y, hh, mm = when.day, when.year, when.hour, when.minute
    month = MONTHS[lang][when.month - 1]
    weekday = WEEKDAYS[lang][when.weekday()]
    if style == "day":
        return f"{d:02d} - {when.month:02d} - {y}"  # the same in every language
    if lang == "fr":
        return {"long": f"Publié le {d} {month} {y} à {hh}h{mm:02d}",
                "dash": f"{d} {month} {y} - {hh}h{mm:02d}",
                "weekday": f"Le {weekday} {d} {month} {y} à {hh}:{mm:02d}"}[style]
    if lang == "ar":
        return {"long": f"نشر في {d} {month} {y} على الساعة {hh}:{mm:02d}",
                "dash": f"{weekday} {d} {month} {y} - {hh}:{mm:02d}",
                "weekday": f"{weekday} {d} {month} {y} | {hh}:{mm:02d}"}[style]
    if lang == "en":
        h12 = hh % 12 or 12
        ampm = "AM" if hh < 12 else "PM"
        return {"long": f"Published {month} {d}, {y} at {h12}:{mm:02d} {ampm}",
                "dash": f"{d} {month} {y} - {hh}:{mm:02d}",
                "weekday": f"{weekday}, {month} {d}, {y} - {hh}:{mm:02d}"}[style]
    return {"long": f"Publicado el {d} de {month} de {y} a las {hh}:{mm:02d}",
            "dash": f"{d} de {month} de {y} - {hh}:{mm:02d}",
            "weekday": f"{weekday} {d} de {month} de {y}, {hh}:{mm:02d}"}[style]


TOPIC_SECTION = {"coop": "politique", "near": "politique", "economie": "economie", "sport": "sport",
                 "culture": "culture", "societe": "societe"}


class _Slots(dict):
    """format_map mapping that fills each slot from its pool on first use (same value within a text)."""

    def __init__(self, rng: random.Random, pools: dict[str, list[str]], weekday: str) -> None:
        super().__init__(weekday=weekday)
        self.rng = rng
        self.pools = pools

    def __missing__(self, key: str) -> str:
        pool = self.pools["city" if key == "city2" else key]
        value = self.rng.choice(pool)
        self[key] = value
        return value


_CONTRACTIONS = {
    "fr": ((" de le ", " du "), (" de les ", " des "), (" à le ", " au "), (" à les ", " aux ")),
    "es": ((" a el ", " al "), (" de el ", " del "), (" por el el ", " por el ")),
}


def _contract(lang: str, text: str) -> str:
    """Contract what slot filling leaves behind ("de le textile" -> "du textile", "a el Raja" -> "al Raja")."""
    for wrong, right in _CONTRACTIONS.get(lang, ()):
        text = text.replace(wrong, right)
    return text


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


class _EventSlots(_Slots):
    """One event's details: numbers and people drawn from wide ranges, not the small pools, so
    two events of one week differ in their details as real ones do (two events with the same
    12 suspects, 4,8 % and Youssef Tazi would be one event told twice)."""

    def __init__(self, rng: random.Random, lang: str, weekday: str) -> None:
        super().__init__(rng, POOLS[lang], weekday)
        self.lang = lang

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key == "num":
            value = str(rng.randint(13, 987))
        elif key == "pct":
            whole, tenth = rng.randint(1, 14), rng.randint(1, 9)
            value = {"en": f"{whole}.{tenth}%", "ar": f"{whole},{tenth} في المائة"}.get(self.lang, f"{whole},{tenth} %")
        elif key == "person":
            first = rng.choice(self.pools["person"]).split(" ", 1)[0]
            value = f"{first} {rng.choice(SURNAMES['ar' if self.lang == 'ar' else 'latin'])}"
        else:
            return super().__missing__(key)
        self[key] = value
        return value


EVENT_KEYS = ("coop_ma", "coop_fr", "coop_org", "city", "team", "crime", "work", "product", "org")
"""The slots that say which event an article tells: kept in every paragraph of it."""


def event_slots(rng: random.Random, lang: str, weekday: str) -> dict[str, str]:
    """The details of one event (who, where, how many), drawn as they are first used and then
    kept: pass the same mapping to ``make_title`` and ``make_paragraphs`` and the article tells
    one event throughout, as a real one does, instead of a new city and person per paragraph."""
    return _EventSlots(rng, lang, weekday)


def event_key(topic: str, lang: str, slots: dict[str, str]) -> str:
    """Which event a generated article tells, when its details say so ("" = its own event).

    A security-cooperation article opens on "Hammouchi received at {city} a delegation led by
    {coop_fr}": the French official is what tells such a meeting from another (the Moroccan
    side is always the DGSN-DGST head), in any language (the pools are aligned). Two articles
    naming the same official within a week tell one meeting; everything else is its own event."""
    if topic == "coop" and slots.get("coop_fr") in POOLS[lang]["coop_fr"]:
        return f"coop-meeting:{POOLS[lang]['coop_fr'].index(slots['coop_fr'])}"
    return ""


def make_title(rng: random.Random, lang: str, topic: str, weekday: str, slots: dict[str, str] | None = None) -> str:
    slots = slots if slots is not None else _Slots(rng, POOLS[lang], weekday)
    title = _capitalize(rng.choice(TITLES[lang][topic]).format_map(slots))
    return _contract(lang, title)


def make_paragraphs(rng: random.Random, lang: str, topic: str, words: int, weekday: str,
                    slots: dict[str, str] | None = None) -> list[str]:
    """About ``words`` words of 2–5-sentence paragraphs; a topical article mixes in general sentences.
    ``slots`` (``event_slots``): one event's details throughout; else fresh ones per paragraph."""
    sentences = SENTENCES[lang]
    own = sentences[topic]
    other = sentences["societe" if topic in ("coop", "near") else "economie"]
    pools = POOLS[lang]
    paragraphs: list[str] = []
    count = 0
    while count < words:
        if slots is None:
            para_slots: dict[str, str] = _Slots(rng, pools, weekday)
        elif not paragraphs:
            para_slots = slots  # the lede states the event
        else:  # later paragraphs keep who and where, and bring other figures and voices
            para_slots = _EventSlots(rng, lang, weekday)
            para_slots.update({k: v for k, v in slots.items() if k in EVENT_KEYS})
        n = rng.randint(2, 5)
        # the lede stays on topic; later paragraphs mix in general sentences (no sentence twice in a paragraph)
        picked = rng.sample(own, min(n, len(own)))
        if not paragraphs and topic in ("coop", "near") and own[0] not in picked:
            picked[0] = own[0]  # the lede names both countries: the topic is plain from the first sentence
        if paragraphs:
            picked = [s if rng.random() < 0.8 else rng.choice(other) for s in picked]
            picked = list(dict.fromkeys(picked))
        text = " ".join(_capitalize(s.format_map(para_slots)) for s in picked)
        text = _contract(lang, text)
        paragraphs.append(text)
        count += text.count(" ") + 1
    return paragraphs


def word_count(paragraphs: list[str]) -> int:
    return sum(p.count(" ") + 1 for p in paragraphs)
