"""Stories: near-duplicates and retellings of one event group; other events do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.matching.stories import (
    MAX_PER_STORY,
    Signature,
    StoryIndex,
    signature,
    similarities,
    similarity,
)

T0 = datetime(2024, 6, 29, 12, tzinfo=UTC)

ARTICLE = (
    "Le directeur général de la Sûreté nationale, Abdellatif Hammouchi, a reçu mardi 14 mai 2024 à Rabat "
    "son homologue français Frédéric Veaux. Les deux responsables ont examiné la coopération en matière "
    "de lutte contre le terrorisme et le trafic de drogue, ainsi que la sécurité des Jeux olympiques de Paris. "
    "Une délégation de la DGSI et de la DGSE participait aux réunions, selon un communiqué de la DGSN."
)


def test_signature_round_trips_through_bytes() -> None:
    sig = signature("Titre", ARTICLE, "fr")
    back = Signature.from_bytes(sig.to_bytes())
    assert back.shingles.jaccard(sig.shingles) == 1.0
    assert back.event.jaccard(sig.event) == 1.0
    assert (back.n_event, back.n_shingles) == (sig.n_event, sig.n_shingles)
    with pytest.raises(ValueError, match="bytes"):
        Signature.from_bytes(b"short")


def test_signatures_stored_before_event_features_still_read() -> None:
    """Rows written by the previous version (two MinHashes, no features): still found as
    copies, never as retellings (their event MinHash was of other features)."""
    sig = signature("Titre", ARTICLE, "fr")
    old = sig.to_bytes()[: 8 + 4 * (128 + 256)]
    back = Signature.from_bytes(old)
    assert back.n_event == 0 and len(back.features) == 0
    assert similarity(back, sig) > 1.0  # the same text: a copy
    with pytest.raises(ValueError, match="features"):
        Signature.from_bytes(sig.to_bytes()[:-4])


def test_republication_with_small_edits_is_a_near_duplicate() -> None:
    a = signature("Hammouchi reçoit Veaux", ARTICLE, "fr")
    b = signature("Rabat : Hammouchi reçoit son homologue", ARTICLE.replace("mardi", "ce mardi") + " (MAP)", "fr")
    assert similarity(a, b) > 1.0  # > 1 = near-duplicate


def test_unrelated_articles_do_not_group() -> None:
    other = signature(
        "Bourse de Casablanca", "Le MASI a clôturé en baisse de 0,8 % lundi 13 mai 2024, plombé par Attijariwafa Bank, "
        "BCP, Maroc Telecom et LafargeHolcim, selon les données de la Bourse de Casablanca publiées par CDG Capital.", "fr"
    )
    assert similarity(signature("", ARTICLE, "fr"), other) == 0.0


def test_empty_and_huge_texts() -> None:
    empty = signature("", "", None)
    assert similarity(empty, empty) == 0.0
    stored = Signature.from_bytes(empty.to_bytes())
    assert similarity(stored, stored) == 0.0  # empty pages never form a story together
    huge = signature("", "mot " * 300_000, "fr")
    assert huge.n_shingles >= 1


def test_index_joins_within_the_window_only() -> None:
    idx = StoryIndex(window=timedelta(days=7))
    sig = signature("", ARTICLE, "fr")
    idx.add(1, sig, story_id=10, when=T0)
    again = signature("", ARTICLE + " Fin.", "fr")
    assert idx.find(again, T0 + timedelta(days=2)) == (10, pytest.approx(similarity(again, sig)))
    assert idx.find(again, T0 + timedelta(days=8)) is None
    assert idx.find(again, T0, exclude=1) is None
    assert idx.evict_before(T0 + timedelta(seconds=1)) == 1 and len(idx) == 0


def _seeds(shared_dir: Path) -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((shared_dir / "seeds").glob("0*.txt"))}


def _group(texts: dict[str, str]) -> dict[str, int]:
    """Feed articles to an index in order, as process_new_articles does; name -> story."""
    idx = StoryIndex()
    stories: dict[str, int] = {}
    for key, (name, text) in enumerate(texts.items()):
        sig = signature("", text, "fr")
        found = idx.find(sig, T0)
        stories[name] = found[0] if found else 100 + key
        idx.add(key, sig, stories[name], T0)
    return stories


def test_seeds_form_two_stories(shared_dir: Path) -> None:
    """Decision: the June 2024 visit / Olympics security (000 visit + police sent to Paris,
    002 visit 26-28 June 2024, 004 the December 2023 meetings that set up the Olympics
    agreement) is one story; the June 2025 action plan signed in Rabat (003) is another, though
    it names the same people: the dates and the French counterparts differ. Dates in the
    real pipeline are the publication dates, all taken here as one day (worst case)."""
    seeds = _seeds(shared_dir)
    stories = _group({k: seeds[k] for k in ("000", "002", "004", "003")})
    assert stories["000"] == stories["002"] == stories["004"]
    assert stories["003"] != stories["000"]


def test_seed_001_joins_once_its_ticker_noise_is_gone(shared_dir: Path) -> None:
    """Seed 001, republished by an aggregator, retells the December 2023 Hammouchi–Veaux
    agreement on Olympics security (seed 004): its article body joins that story; the raw
    page, 48 unrelated headlines around it, is too diluted to join. (Against the June 2024
    visit, 000, it stays apart now that stories are events: it names other dates.)"""
    seeds = _seeds(shared_dir)
    body = seeds["001"].split("Merci d'avoir signalé!", 1)[1]
    stories = _group({"004": seeds["004"], "001": body})
    assert stories["001"] == stories["004"]
    raw = _group({"004": seeds["004"], "001raw": seeds["001"]})
    assert raw["001raw"] != raw["004"]


def test_batch_similarities_equal_one_by_one() -> None:
    """The index scores its candidates in one numpy pass; it must agree with ``similarity``."""
    import random

    from localweb.lexicon import make_paragraphs, make_title

    rng = random.Random(3)
    sigs = [signature("", "", None), signature("Hammouchi reçoit Veaux", ARTICLE, "fr")]
    for _ in range(80):
        lang, topic = rng.choice(["fr", "ar", "en", "es"]), rng.choice(["coop", "near", "sport", "economie"])
        sigs.append(signature(make_title(rng, lang, topic, "lundi"), "\n".join(make_paragraphs(rng, lang, topic, 300, "lundi")), lang))
    kinds = set()
    for a in sigs[:30]:
        batch = similarities(a, sigs)
        one_by_one = [similarity(a, b) for b in sigs]
        assert list(batch) == pytest.approx(one_by_one, abs=1e-12)
        kinds |= {("dup" if s > 1 else "event" if s > 0 else "none") for s in one_by_one}
    assert kinds == {"dup", "event", "none"}  # every branch was compared
    assert len(similarities(sigs[0], [])) == 0


def test_a_big_story_keeps_its_core_and_only_its_latest_articles_indexed() -> None:
    """A running story's LSH entries are capped (its core plus its latest copies), so lookups
    stay cheap; it still attracts new articles, and other stories keep theirs."""
    idx = StoryIndex()
    other = signature("Bourse", "Le MASI a clôturé en baisse de 0,8 % lundi 13 mai 2024, plombé par Attijariwafa "
                      "Bank, Maroc Telecom et LafargeHolcim Maroc, selon la Bourse de Casablanca.", "fr")
    idx.add(9999, other, 2, T0)
    for key in range(MAX_PER_STORY + 10):
        text = ARTICLE + f" Mise à jour numéro {key} de la rédaction."
        idx.add(key, signature("Hammouchi reçoit Veaux", text, "fr"), 1, T0)
    assert idx.core_of(1) == [0]  # the updates are copies of the first article: not core
    assert len(idx) == 1 + MAX_PER_STORY + 1
    assert 0 in idx and 9 not in idx and 10 in idx and MAX_PER_STORY + 9 in idx  # the oldest copies went first
    assert 9999 in idx
    late = signature("Hammouchi et Veaux à Rabat", ARTICLE + " (MAP)", "fr")
    assert idx.find(late, T0)[0] == 1
    idx.remove(MAX_PER_STORY + 9)
    assert len(idx) == MAX_PER_STORY + 1
