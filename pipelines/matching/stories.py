"""Stories: group near-duplicates and the same event told by several outlets.

Two MinHash signatures per article (datasketch), both on normalised text:
- *shingles*: 3-word shingles of the normalised token stream -> near-duplicates and
  republications (estimated Jaccard >= ``DUPLICATE_JACCARD``);
- *event*: the article's salient features -> the same event retold in other words: names and
  acronyms (capitalised words, normalised), years and other numbers (dates), taken from the
  title and body. Two accounts of one meeting share the people, the agencies, the place and
  the dates; two meetings of the same people a year apart share the people but not the dates.
  They join when the estimated Jaccard is >= ``EVENT_JACCARD`` and both have enough features.

``StoryIndex`` keeps both LSH indexes in memory (rebuilt from stored signatures by
``store``); candidates further apart in time than the window never join.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipelines.matching.normalize import WORD_RE, normalizer_for, resolve_language

SHINGLE_PERM = 128
EVENT_PERM = 256
SHINGLE_SIZE = 3
MAX_TOKENS = 3000  # a 1 MB page is grouped by its first 3,000 words
DUPLICATE_JACCARD = 0.5
EVENT_JACCARD = 0.21
MIN_EVENT_FEATURES = 8
WINDOW = timedelta(days=7)
MAX_PER_STORY = 24
"""The index keeps a story's latest this-many articles: a running story of a thousand articles
in a week (an Olympics) is joined through its latest coverage, and a lookup costs the same
whatever the stories' sizes (every member would otherwise come back from the LSH buckets)."""
SCHEME = "affine32"  # datasketch >= 2.0 permutation scheme: 32-bit values, stored as such
_BYTES = 4 * (SHINGLE_PERM + EVENT_PERM) + 8  # header: shingle and feature counts


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int) -> Any:
    """datasketch draws a MinHash's permutations from a seeded RNG on every construction; they
    are the same every time (same seed), so draw them once per size."""
    return MinHash(num_perm, scheme=SCHEME).permutations


def _minhash(num_perm: int, hashvalues: Any = None) -> MinHash:
    return MinHash(num_perm, hashvalues=hashvalues, scheme=SCHEME, permutations=_permutations(num_perm))


@dataclass
class Signature:
    shingles: MinHash
    event: MinHash
    n_shingles: int
    n_event: int

    def to_bytes(self) -> bytes:
        head = np.array([min(self.n_shingles, 2**32 - 1), min(self.n_event, 2**32 - 1)], dtype="<u4").tobytes()
        return (
            head
            + self.shingles.hashvalues.astype("<u4").tobytes()
            + self.event.hashvalues.astype("<u4").tobytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        if len(data) != _BYTES:
            raise ValueError(f"story signature of {len(data)} bytes, expected {_BYTES}")
        n_shingles, n_event = (int(n) for n in np.frombuffer(data[:8], dtype="<u4"))
        sh = np.frombuffer(data[8 : 8 + 4 * SHINGLE_PERM], dtype="<u4").astype(np.uint32)
        ev = np.frombuffer(data[8 + 4 * SHINGLE_PERM :], dtype="<u4").astype(np.uint32)
        return cls(
            _minhash(SHINGLE_PERM, hashvalues=sh), _minhash(EVENT_PERM, hashvalues=ev), n_shingles, n_event
        )


def _salient(raw_tokens: list[str], norm_tokens: list[str]) -> set[str]:
    out = set()
    for raw, norm in zip(raw_tokens, norm_tokens, strict=True):
        if not norm:
            continue
        if raw.isdigit():
            if len(raw) >= 2 or raw != "0":
                out.add("#" + raw.lstrip("0"))
        elif len(raw) > 2 and raw[0].isupper():
            out.add(norm)
    return out


def signature(title: str, text: str, language: str | None) -> Signature:
    """Both MinHashes of one article (pure; empty text gives empty signatures)."""
    lang = resolve_language(language, f"{title}\n{text[:2000]}")
    norm = normalizer_for(lang)
    raw = WORD_RE.findall(title) + WORD_RE.findall(text[: MAX_TOKENS * 12])
    raw = raw[:MAX_TOKENS]
    normed = [norm(t) for t in raw]
    tokens = [t for t in normed if t]
    shingles = {" ".join(tokens[i : i + SHINGLE_SIZE]) for i in range(max(0, len(tokens) - SHINGLE_SIZE + 1))}
    if not shingles and tokens:
        shingles = {" ".join(tokens)}
    # Arabic has no capitals: its salient features are the numbers and the Latin names
    event = _salient(raw, normed)
    mh_sh, mh_ev = _minhash(SHINGLE_PERM), _minhash(EVENT_PERM)
    mh_sh.update_batch([s.encode("utf-8") for s in shingles])
    mh_ev.update_batch([s.encode("utf-8") for s in event])
    return Signature(mh_sh, mh_ev, len(shingles), len(event))


def similarity(a: Signature, b: Signature) -> float:
    """How sure we are that a and b tell one story (0 = not at all); 1+ = near-duplicate."""
    if a.n_shingles and b.n_shingles:
        dup = a.shingles.jaccard(b.shingles)
        if dup >= DUPLICATE_JACCARD:
            return 1.0 + dup
    if a.n_event >= MIN_EVENT_FEATURES and b.n_event >= MIN_EVENT_FEATURES:
        ev = a.event.jaccard(b.event)
        if ev >= EVENT_JACCARD:
            return ev
    return 0.0


def similarities(a: Signature, others: list[Signature]) -> np.ndarray:
    """``similarity(a, b)`` for many b at once (numpy; a story lookup may check a hundred)."""
    if not others:
        return np.zeros(0)
    dup_ok = np.array([bool(a.n_shingles and b.n_shingles) for b in others])
    dup = (np.stack([b.shingles.hashvalues for b in others]) == a.shingles.hashvalues).mean(axis=1)
    scores = np.where(dup_ok & (dup >= DUPLICATE_JACCARD), 1.0 + dup, 0.0)
    if a.n_event >= MIN_EVENT_FEATURES:
        ev_ok = np.array([b.n_event >= MIN_EVENT_FEATURES for b in others]) & (scores == 0)
        if ev_ok.any():
            ev = (np.stack([b.event.hashvalues for b in others]) == a.event.hashvalues).mean(axis=1)
            scores = np.where(ev_ok & (ev >= EVENT_JACCARD), ev, scores)
    return scores


@dataclass
class _Entry:
    story_id: int
    sig: Signature
    when: datetime


class StoryIndex:
    """In-memory LSH over recent articles: key -> (story, signature, time)."""

    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self._dup = MinHashLSH(threshold=DUPLICATE_JACCARD, num_perm=SHINGLE_PERM)
        self._event = MinHashLSH(threshold=EVENT_JACCARD, num_perm=EVENT_PERM)
        self._entries: dict[int, _Entry] = {}
        self._members: dict[int, deque[int]] = {}  # story id -> its indexed keys, oldest first

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: int) -> bool:
        return key in self._entries

    def add(self, key: int, sig: Signature, story_id: int, when: datetime) -> None:
        if key in self._entries:
            self.remove(key)
        self._entries[key] = _Entry(story_id, sig, when)
        self._dup.insert(key, sig.shingles)
        if sig.n_event >= MIN_EVENT_FEATURES:
            self._event.insert(key, sig.event)
        members = self._members.setdefault(story_id, deque())
        members.append(key)
        if len(members) > MAX_PER_STORY:
            self.remove(members[0])

    def remove(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._dup.remove(key)
            if key in self._event.keys:
                self._event.remove(key)
            members = self._members.get(entry.story_id)
            if members is not None:
                members.remove(key)
                if not members:
                    del self._members[entry.story_id]

    def evict_before(self, when: datetime) -> int:
        old = [k for k, e in self._entries.items() if e.when < when]
        for key in old:
            self.remove(key)
        return len(old)

    def signature_of(self, key: int) -> Signature | None:
        entry = self._entries.get(key)
        return entry.sig if entry else None

    def candidates(self, sig: Signature, when: datetime, exclude: int | None = None) -> list[tuple[int, int, float]]:
        """(key, story id, similarity) of recent articles telling the same story, best first."""
        keys = set(self._dup.query(sig.shingles)) if sig.n_shingles else set()
        if sig.n_event >= MIN_EVENT_FEATURES:
            keys |= set(self._event.query(sig.event))
        near = [(key, self._entries[key]) for key in keys if key != exclude]
        near = [(key, entry) for key, entry in near if abs(entry.when - when) <= self.window]
        if not near:
            return []

        scores = similarities(sig, [entry.sig for _, entry in near])
        found = [(key, entry.story_id, float(score)) for (key, entry), score in zip(near, scores, strict=True) if score > 0]
        found.sort(key=lambda f: (-f[2], f[0]))
        return found

    def find(self, sig: Signature, when: datetime, exclude: int | None = None) -> tuple[int, float] | None:
        """(story id, similarity) of the closest recent article's story, or None."""
        found = self.candidates(sig, when, exclude)
        return (found[0][1], found[0][2]) if found else None
