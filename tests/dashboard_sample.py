"""A small, realistic data set for the dashboard: demos, tests and screenshots.

Rows are inserted the way the crawler, filter and alerts write them (same tables, same
JSON shapes), with offsets computed from the text itself. It includes what the
dashboard must survive: an Arabic article, a story told by three outlets, a quiet
outlet, a failed delivery, and an article whose title and text carry HTML and
``javascript:`` links.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Article, CrawlError, CrawlRun, DeliveredStory, Delivery, Match, Outlet, Story

TOPIC = "security-cooperation"
HOSTILE_TITLE = "<script>alert('title')</script> Coopération <img src=x onerror=alert(1)> sécuritaire"
HOSTILE_TEXT = (
    "La coopération sécuritaire entre Rabat et Paris <script>alert('body')</script> progresse.\n"
    'Voir <a href="javascript:alert(2)">ce lien</a> et <img src=x onerror="alert(3)"> ou javascript:alert(4).\n'
    "La DGSN et la DGSI échangent des informations."
)


@dataclass
class Sample:
    outlets: dict[str, int] = field(default_factory=dict)
    articles: dict[str, int] = field(default_factory=dict)
    matches: dict[str, int] = field(default_factory=dict)
    story_id: int = 0
    failed_delivery_id: int = 0
    sent_delivery_id: int = 0


def spans(text: str, words: list[str], field_name: str, kind: str = "term") -> list[dict[str, Any]]:
    """Offsets of the first occurrence of each word in ``text``, in the filter's reason shape."""
    out = []
    for word in words:
        start = text.find(word)
        if start >= 0:
            where = {"field": field_name, "start": start, "end": start + len(word), "text": word}
            if kind == "term":
                out.append({"term": word, "group": "core", "lang": "", **where})
            else:
                out.append({"entity": word, "alias": word, "groups": [], **where})
    return out


def reasons(
    title: str, text: str, terms: list[str], entities: list[str], groups: list[str]
) -> dict[str, Any]:
    return {
        "terms": spans(title, terms, "title") + spans(text, terms, "text"),
        "entities": spans(title, entities, "title", "entity") + spans(text, entities, "text", "entity"),
        "groups": groups,
        "snippets": [{"field": "text", "text": text[:120], "start": 0, "end": min(len(text), 120)}],
        "score_parts": {},
    }


def _article(
    outlet: Outlet, key: str, title: str, text: str, lang: str, when: datetime, **extra: Any
) -> Article:
    return Article(
        url=extra.pop("url", f"https://{outlet.name.lower().replace(' ', '')}.example/{key}"),
        outlet=outlet,
        title=title,
        text=text,
        language=lang,
        published_at=when,
        fetched_at=extra.pop("fetched_at", when + timedelta(minutes=20)),
        content_hash=hashlib.sha256(f"{key}{title}{text}".encode()).hexdigest(),
        word_count=len(text.split()),
        discovered_via="feed",
        **extra,
    )


def seed_sample(session: Session, now: datetime | None = None) -> Sample:
    """Insert the sample rows (on an empty store) and return their ids."""
    now = now or datetime.now(UTC)
    sample = Sample()
    outlets = {
        "Le360": Outlet(name="Le360", country="ma", homepage="https://le360.example", languages=["fr"]),
        "Hespress": Outlet(
            name="Hespress", country="ma", homepage="https://hespress.example", languages=["ar", "fr"]
        ),
        "Le Monde": Outlet(
            name="Le Monde", country="fr", homepage="https://lemonde.example", languages=["fr"]
        ),
        "Quiet Times": Outlet(
            name="Quiet Times", country="fr", homepage="https://quiet.example", languages=["en"]
        ),
    }
    session.add_all(outlets.values())
    story = Story(title="Rabat et Paris renforcent leur coopération antiterroriste", first_seen=now - timedelta(hours=6),
                  last_seen=now - timedelta(hours=2), article_count=3)  # fmt: skip
    session.add(story)
    session.flush()

    fr_terms, fr_entities = (
        ["coopération", "antiterroriste", "sécuritaire"],
        ["Rabat", "Paris", "DGSN", "DGSI"],
    )
    texts = [
        ("le360-coop", "Le360", "Rabat et Paris renforcent leur coopération antiterroriste",
         "Le Maroc et la France ont signé à Rabat un accord de coopération antiterroriste. "
         "La DGSN et la DGSI partageront davantage de renseignements.", "fr", 6, story.id, 0.92),
        ("lemonde-coop", "Le Monde", "Paris et Rabat scellent une coopération antiterroriste renforcée",
         "À Paris, les ministres ont salué une coopération sécuritaire « exemplaire » avec Rabat.\n"
         "La DGSI et la DGSN se réuniront chaque trimestre.", "fr", 4, story.id, 0.81),
        ("hespress-coop", "Hespress", "الرباط وباريس تعززان التعاون الأمني",
         "وقع المغرب وفرنسا في الرباط اتفاقا لتعزيز التعاون الأمني ومكافحة الإرهاب بين المديرية العامة للأمن الوطني "
         "ونظيرتها الفرنسية.", "ar", 2, story.id, 0.77),
        ("le360-migration", "Le360", "Migration : Rabat et Madrid coordonnent les patrouilles",
         "Les patrouilles conjointes ont été renforcées au nord du Maroc.", "fr", 30, None, 0.41),
        ("lemonde-old", "Le Monde", "Coopération judiciaire : un magistrat de liaison à Rabat",
         "Un magistrat de liaison français est arrivé à Rabat pour fluidifier la coopération judiciaire.", "fr", 24 * 5, None, 0.55),
    ]  # fmt: skip
    ar_terms, ar_entities = ["التعاون الأمني", "الإرهاب"], ["الرباط", "باريس"]
    for key, outlet_name, title, text, lang, hours, story_id, score in texts:
        article = _article(
            outlets[outlet_name], key, title, text, lang, now - timedelta(hours=hours), story_id=story_id
        )
        session.add(article)
        session.flush()
        sample.articles[key] = article.id
        terms, entities = (ar_terms, ar_entities) if lang == "ar" else (fr_terms, fr_entities)
        rules = ["fr-core-terms", "entities-ma-fr"] if lang == "fr" else ["ar-core-terms"]
        match = Match(article=article, topic=TOPIC, score=score, rules_version="sample-1",
                      reasons=reasons(title, text, terms, entities, rules), matched_at=article.fetched_at)  # fmt: skip
        session.add(match)
        session.flush()
        sample.matches[key] = match.id
    migration = Match(article_id=sample.articles["le360-migration"], topic="migration", score=0.66, rules_version="sample-1",
                      reasons=reasons(texts[3][2], texts[3][3], ["patrouilles", "Migration"], ["Rabat", "Madrid"], ["migration-core"]),
                      matched_at=now - timedelta(hours=29))  # fmt: skip
    session.add(migration)

    hostile = _article(outlets["Le360"], "hostile", HOSTILE_TITLE, HOSTILE_TEXT, "fr", now - timedelta(hours=1),
                       url="javascript:alert('original')")  # fmt: skip
    session.add(hostile)
    session.flush()
    sample.articles["hostile"] = hostile.id
    bad = Match(article=hostile, topic=TOPIC, score=0.6, rules_version="sample-1", matched_at=now - timedelta(minutes=30),
                reasons=reasons(HOSTILE_TITLE, HOSTILE_TEXT, fr_terms + ["<script>"], fr_entities, ["fr-core-terms"]))  # fmt: skip
    bad.reasons["terms"].append({"term": "out of range", "field": "text", "start": 5, "end": 10_000})
    session.add(bad)
    # an old article from the quiet outlet: it yielded last week, nothing since
    session.add(
        _article(
            outlets["Quiet Times"], "quiet-old", "Old news", "Nothing new.", "en", now - timedelta(days=3)
        )
    )
    session.flush()
    sample.matches["hostile"] = bad.id
    sample.outlets = {name: o.id for name, o in outlets.items()}
    sample.story_id = story.id

    for hours_ago, status, quiet_errors in ((26, "finished", 0), (3, "finished", 4)):
        run = CrawlRun(
            started_at=now - timedelta(hours=hours_ago), finished_at=now - timedelta(hours=hours_ago) + timedelta(minutes=7),
            status=status, finish_reason="finished", args={"outlets": "all"},
            stats={"downloader/response_count": 120, "item_scraped_count": 9},
            outlet_stats={
                "Le360": {"articles": 3, "errors": 0, "empty": 1, "pages": 40, "last_error": None},
                "Hespress": {"articles": 1, "errors": 1, "empty": 0, "pages": 30, "last_error": "http_503 on /rss"},
                "Le Monde": {"articles": 2, "errors": 0, "empty": 0, "pages": 35, "last_error": None},
                "Quiet Times": {"articles": 0, "errors": quiet_errors, "empty": 5, "pages": 10,
                                "last_error": "feed_parse: not XML" if quiet_errors else None},
            },
        )  # fmt: skip
        session.add(run)
        session.flush()
    session.add(CrawlError(run_id=run.id, outlet="Quiet Times", url="https://quiet.example/rss", kind="feed_parse",
                           message="<b>not XML</b> at line 1", at=now - timedelta(hours=3) + timedelta(minutes=2)))  # fmt: skip

    sent = Delivery(subscription="morning-digest", kind="digest", channel="email", status="sent", attempts=1,
                    created_at=now - timedelta(hours=20), sent_at=now - timedelta(hours=20))  # fmt: skip
    failed = Delivery(subscription="ops-slack", kind="immediate", channel="slack", status="failed", attempts=3,
                      last_error="slack webhook answered 500 <html>", created_at=now - timedelta(hours=1))  # fmt: skip
    session.add_all([sent, failed])
    session.flush()
    session.add(DeliveredStory(delivery_id=sent.id, subscription="morning-digest", story_id=story.id))
    sample.sent_delivery_id, sample.failed_delivery_id = sent.id, failed.id
    session.flush()
    return sample


# one event told by two outlets, matched by the real Matcher over the shipped rules
MATCHED_STORY = [
    ("le360-matched", "Le360", "fr", 50,
     "Le Maroc et la France renforcent leur coopération sécuritaire contre le terrorisme",
     "Rabat — La Direction générale de la sûreté nationale (DGSN) et la DGSI française ont signé un accord "
     "de coopération sécuritaire. Les deux services échangeront des renseignements sur les réseaux terroristes."),
    ("lemonde-matched", "Le Monde", "fr", 20,
     "Terrorisme : Paris et Rabat signent un accord de coopération sécuritaire",
     "À Paris, la DGSI et la DGSN marocaine ont conclu un accord de coopération sécuritaire pour lutter contre "
     "le terrorisme et échanger des renseignements."),
]  # fmt: skip


def seed_matched(session: Session, matcher: Any, now: datetime | None = None) -> dict[str, int]:
    """Store MATCHED_STORY as one story and match it with ``matcher`` (the real engine,
    ``pipelines.matching.engine.load_topics()``): reasons, offsets and snippets are the
    ones production writes. Returns key -> article id. Needs the sample's outlets."""
    now = now or datetime.now(UTC)
    outlets = {o.name: o for o in session.query(Outlet).all()}
    story = Story(title=MATCHED_STORY[0][4], first_seen=now - timedelta(minutes=MATCHED_STORY[0][3]),
                  last_seen=now - timedelta(minutes=MATCHED_STORY[-1][3]), article_count=len(MATCHED_STORY))  # fmt: skip
    session.add(story)
    session.flush()
    ids: dict[str, int] = {}
    for key, outlet, lang, minutes, title, text in MATCHED_STORY:
        article = _article(outlets[outlet], key, title, text, lang, now - timedelta(minutes=minutes), story_id=story.id)
        session.add(article)
        session.flush()
        ids[key] = article.id
        for found in matcher.match(title, text, lang):
            data = found.to_json()
            session.add(Match(article_id=article.id, topic=data["topic"], score=data["score"],
                              rules_version=data["rules_version"], reasons=data["reasons"], matched_at=article.fetched_at))  # fmt: skip
    session.flush()
    return ids
