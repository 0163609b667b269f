"""The story index is compact and bounded, and finds exactly what datasketch's LSH finds."""

from __future__ import annotations

import gc
import logging
import tracemalloc
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from datasketch import MinHashLSH

from common.settings import get_settings, reset_settings
from pipelines.matching.stories import (
    DUPLICATE_JACCARD,
    EVENT_JACCARD,
    EVENT_PERM,
    LSH_MARGIN,
    SHINGLE_PERM,
    Signature,
    StoryIndex,
    _Bands,
    _Entry,
    _minhash,
    signature,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)

ARTICLE = (
    "Le directeur général de la Sûreté nationale, Abdellatif Hammouchi, a reçu mardi 14 mai 2024 à Rabat "
    "son homologue français Frédéric Veaux. Les deux responsables ont examiné la coopération en matière "
    "de lutte contre le terrorisme et le trafic de drogue, ainsi que la sécurité des Jeux olympiques de Paris. "
    "Une délégation de la DGSI et de la DGSE participait aux réunions, selon un communiqué de la DGSN."
)


def _planted(rng: np.random.Generator, n: int, num_perm: int) -> list[np.ndarray]:
    """Random MinHash values, a third of them sharing some positions with an earlier one (so
    that some bands collide and some do not)."""
    out: list[np.ndarray] = []
    for i in range(n):
        values = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32)
        if i and i % 3 == 0:
            other = out[int(rng.integers(0, i))]
            same = rng.random(num_perm) < rng.uniform(0.05, 0.9)
            values[same] = other[same]
        out.append(values)
    return out


@pytest.mark.parametrize(("threshold", "num_perm"), [
    (DUPLICATE_JACCARD * LSH_MARGIN, SHINGLE_PERM),
    (EVENT_JACCARD * LSH_MARGIN, EVENT_PERM),
])
def test_bands_find_what_datasketch_finds(threshold: float, num_perm: int) -> None:
    """Same bands, same candidates — through merges, removals and re-insertions of a key."""
    rng = np.random.default_rng(3)
    values = _planted(rng, 900, num_perm)
    ours, theirs = _Bands(threshold, num_perm), MinHashLSH(threshold=threshold, num_perm=num_perm)
    slots: dict[int, int] = {}
    for key, v in enumerate(values):
        slots[key] = ours.insert(key, v)
        theirs.insert(key, _minhash(num_perm, v))
    assert len(ours._h) > 0, "no merge happened: the test would only cover the pending dict"
    for key in range(0, 900, 7):  # remove some, re-insert some of them under other values
        ours.remove(slots.pop(key))
        theirs.remove(key)
        if key % 2:
            v = values[(key * 13) % 900]
            slots[key] = ours.insert(key, v)
            theirs.insert(key, _minhash(num_perm, v))
    found = 0
    for q in values[::3] + _planted(rng, 60, num_perm):
        expected = set(theirs.query(_minhash(num_perm, q)))
        assert ours.query(q) == expected
        found += len(expected) > 1
    assert found > 50  # the planted pairs do collide


def test_entries_give_back_the_signature_and_recognise_its_bytes() -> None:
    sig = signature("Hammouchi reçoit Veaux", ARTICLE, "fr")
    assert len(sig.persons) and len(sig.features)
    back = _Entry(7, sig, T0).sig()
    assert np.array_equal(back.shingles.hashvalues, sig.shingles.hashvalues)
    for name in ("features", "persons", "person_parts"):
        assert np.array_equal(getattr(back, name), getattr(sig, name))
    assert (back.n_shingles, back.n_event, back.script) == (sig.n_shingles, sig.n_event, sig.script)
    assert back.lede_people == sig.lede_people and back.feature_set == sig.feature_set
    idx = StoryIndex()
    idx.add(1, sig, 1, T0)
    assert idx.same_signature(1, sig.to_bytes())
    other = signature("Autre", ARTICLE.replace("Veaux", "Nuñez"), "fr")
    assert not idx.same_signature(1, other.to_bytes()) and not idx.same_signature(2, sig.to_bytes())


def _variants(n: int) -> list[Signature]:
    """n signatures of one article with unrelated random MinHash values: each its own story."""
    base = signature("Hammouchi reçoit Veaux", ARTICLE, "fr")
    rng = np.random.default_rng(9)
    return [Signature(_minhash(SHINGLE_PERM, rng.integers(0, 2**32, SHINGLE_PERM, dtype=np.uint64).astype(np.uint32)),
                      _minhash(EVENT_PERM, rng.integers(0, 2**32, EVENT_PERM, dtype=np.uint64).astype(np.uint32)),
                      base.n_shingles, base.n_event, base.features, base.script, base.persons, base.person_parts)
            for _ in range(n)]


def test_a_full_index_evicts_its_oldest_first_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    sigs = _variants(1300)
    idx = StoryIndex(max_entries=1000)
    # inserted out of time order: the oldest by time go, not the first inserted
    order = list(range(1300))
    order[:10] = order[:10][::-1]
    with caplog.at_level(logging.WARNING, logger="pipelines.matching.stories"):
        for key in order:
            idx.add(key, sigs[key], key, T0 + timedelta(minutes=key))
            assert len(idx) <= 1000
    assert idx.evicted_early >= 300
    kept = sorted(idx._entries)
    assert kept == list(range(1300 - len(idx), 1300))
    assert "story index full" in caplog.text and "NEWSWATCH_STORY_INDEX_MAX" in caplog.text
    # evicted articles are no candidates any more; kept ones still are
    assert idx.candidates(sigs[0], T0) == []
    assert idx.candidates(sigs[1299], T0 + timedelta(minutes=1299))[0][:2] == (1299, 1299)


def test_removing_everything_leaves_nothing_behind() -> None:
    sigs = _variants(400)
    idx = StoryIndex()
    for key, sig in enumerate(sigs):
        idx.add(key, sig, key % 50, T0 + timedelta(minutes=key))
    assert idx._partners
    idx.add(3, sigs[4], 3, T0)  # re-added under another signature: its old bands no longer find it
    assert [k for k, _, _ in idx.candidates(sigs[3], T0)] == []
    assert idx.evict_before(T0 + timedelta(days=1)) == len(sigs)
    assert len(idx) == 0 and not idx._partners and not idx._cores and not idx._members and not idx._recent
    assert len(idx._dup) == 0 and len(idx._event) == 0


def test_bytes_per_indexed_article_stay_small() -> None:
    """The bound's default assumes ~3 KB an article (every one in both LSHs); it was ~28 KB."""
    sigs = _variants(8000)
    for sig in sigs:  # the caller's signatures cache these when added: not the index's memory
        sig.lede_people, sig.person_keys, sig.feature_set, sig.n_specific  # noqa: B018
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    idx = StoryIndex()
    for key, sig in enumerate(sigs):
        idx.add(key, sig, key, T0 + timedelta(seconds=key))
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert used / len(idx) < 3500, f"{used / len(idx):.0f} bytes an article"


def test_the_bound_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_settings()
    assert get_settings().story_index_max * 3500 < 250 * 2**20  # well under 300 MiB a process, cache included
    monkeypatch.setenv("NEWSWATCH_STORY_INDEX_MAX", "5000")
    reset_settings()
    try:
        assert get_settings().story_index_max == 5000
    finally:
        monkeypatch.delenv("NEWSWATCH_STORY_INDEX_MAX")
        reset_settings()
