"""Stories: one event told by several outlets, copies and retellings alike — and only it.

Two parts per article signature:
- *shingles* (MinHash of 3-word shingles of the normalised text): near-duplicates and
  republications (estimated Jaccard >= ``DUPLICATE_JACCARD``);
- *event features* (``event_feature_list``): what says which event it is, the same in
  fr/ar/en/es — known people, places, services, months and weekdays as language-free ids
  (``story_names``), numbers, day-and-month dates, and other capitalised words that are no
  sentence opening and no function word ("Le", "Las", "Selon", "The" never count). They are
  stored as hashes (exact overlaps) plus a MinHash (to find candidates by LSH).
Two retellings join when their weighted overlap (generic places and services weigh half a
specific person, number or date) is >= ``EVENT_JACCARD`` and they share at least one
specific feature: the threshold was chosen on labelled pairs (tests/stories/pairs_tune.yaml,
``bench/story_pairs.py``) — and when they name the same people (``person_conflict``): the
same official meets many counterparts, and two accounts of one meeting name the same people.
Each signature keeps the people its article names (``story_names.find_persons``: the table's
people in any script, others by a given name or an honorific, surnames alone after the full
name), which of them are in its title or lede, and its script; two articles that each name
in their lede someone the other does not name (and share at most one person) tell two events,
copies included (one communiqué template, other names).

``StoryIndex`` keeps recent articles in memory (rebuilt from stored signatures by ``store``)
and never chains: a retelling joins only through a story's *core* (its first article and up
to three more close to it), copies through any member; candidates further apart in time than
the window never join. Design notes and figures: docs/stories.md.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import logging
import re
import zlib
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate, chain, compress
from operator import methodcaller
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32

from pipelines.matching.normalize import WORD_RE, normalizer_for, resolve_language
from pipelines.matching.story_names import (
    ARABIC,
    LATIN,
    PEOPLE,
    TABLE,
    alias_starts,
    find_persons,
    fold_token,
    tables,
)

SHINGLE_PERM = 128
EVENT_PERM = 256
SHINGLE_SIZE = 3
MAX_TOKENS = 3000  # a 1 MB page is grouped by its first 3,000 words
DUPLICATE_JACCARD = 0.5
EVENT_JACCARD = 0.28
MIN_EVENT_FEATURES = 4
LSH_MARGIN = 0.6
WINDOW = timedelta(days=7)
MAX_PER_STORY = 24
"""Besides its core, the index keeps a story's latest this-many articles (for copies): a
running story of a thousand articles in a week costs a lookup the same as a small one
(every member would otherwise come back from the LSH buckets)."""
MAX_FEATURES = 96
MIN_SHARED_SPECIFIC = 1
GENERIC_WEIGHT = 0.5
CORE_SIZE = 4
"""A story's first article and up to three more close to it: what a retelling must be close to."""
SCHEME = "affine32"  # datasketch >= 2.0 permutation scheme: 32-bit values, stored as such
_BYTES = 4 * (SHINGLE_PERM + EVENT_PERM) + 8  # header: shingle and feature counts


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int) -> Any:
    """datasketch draws a MinHash's permutations from a seeded RNG on every construction; they
    are the same every time (same seed), so draw them once per size."""
    return MinHash(num_perm, scheme=SCHEME).permutations


def _minhash(num_perm: int, hashvalues: Any = None) -> MinHash:
    return MinHash(num_perm, hashvalues=hashvalues, scheme=SCHEME, permutations=_permutations(num_perm))


def _sha1_32(items: Iterable[str]) -> list[int]:
    """datasketch's default hash (``sha1_hash32``: the first 4 bytes of the SHA-1 of the UTF-8
    bytes, little-endian) of each item, with the loops in C: per shingle, the Python calls
    around SHA-1 cost more than SHA-1 itself."""
    digests = b"".join(map(_DIGEST, map(hashlib.sha1, map(str.encode, items))))
    return np.frombuffer(digests, dtype="<u4")[::5].tolist()  # a SHA-1 digest is 5 words


_DIGEST = methodcaller("digest")


def _minhash_of(num_perm: int, items: Iterable[str]) -> MinHash:
    """``MinHash.update_batch`` of the items' UTF-8 bytes, the same values, hashed in C loops
    (``_sha1_32``): datasketch then applies its own permutations to the hashes."""
    mh = _minhash(num_perm)
    hashes = _sha1_32(items)
    if hashes:
        mh.hashfunc = int  # the values are hashed already...
        mh.update_batch(hashes)
        mh.hashfunc = sha1_hash32  # ...and the MinHash is again as datasketch builds it
    return mh


@dataclass
class Signature:
    shingles: MinHash
    event: MinHash  # only to find candidates (LSH); they are then compared on ``features``
    n_shingles: int
    n_event: int
    features: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    """The event features themselves, hashed, sorted; the lowest bit says *specific* (see
    ``_specific``). At most ``MAX_FEATURES`` (4 bytes each): exact overlaps, not estimates."""
    script: int = 0
    """The script the article is written in (``LATIN``, ``ARABIC``; 0: stored before people were)."""
    persons: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    """The people it names (``story_names.find_persons``), hashed, sorted; the low two bits say how
    each was recognised (``TABLE``, ``LATIN``, ``ARABIC``), the third whether in the title or lede."""
    person_parts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    """The feature hashes of their names' words (a subset of ``features``' values)."""

    @functools.cached_property
    def feature_set(self) -> frozenset[int]:
        return frozenset(self.features.tolist())

    @functools.cached_property
    def n_specific(self) -> int:
        return sum(x & 1 for x in self.feature_set)

    @functools.cached_property
    def person_keys(self) -> frozenset[int]:
        """The people it names (hashes without flags)."""
        return frozenset(x & ~_PERSON_FLAGS for x in self.persons.tolist())

    @functools.cached_property
    def lede_people(self) -> tuple[frozenset[int], ...]:
        """The people of its title and lede, by how they were recognised (``TABLE``, ``LATIN``, ``ARABIC``)."""
        return tuple(frozenset(x & ~_PERSON_FLAGS for x in self.persons.tolist() if x & _PRINCIPAL and x & 0b11 == how)
                     for how in (TABLE, LATIN, ARABIC))

    @functools.cached_property
    def part_set(self) -> frozenset[int]:
        return frozenset(self.person_parts.tolist())

    def to_bytes(self) -> bytes:
        n_feat = len(self.features)
        head = np.array([min(self.n_shingles, 2**32 - 1), min(self.n_event, 2**32 - 1)], dtype="<u4").tobytes()
        return (
            head
            + self.shingles.hashvalues.astype("<u4").tobytes()
            + self.event.hashvalues.astype("<u4").tobytes()
            + np.array([n_feat], dtype="<u4").tobytes()
            + self.features.astype("<u4").tobytes()
            + np.array([self.script, len(self.persons)], dtype="<u4").tobytes()
            + self.persons.astype("<u4").tobytes()
            + np.array([len(self.person_parts)], dtype="<u4").tobytes()
            + self.person_parts.astype("<u4").tobytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        """Also reads signatures stored before features were (``_BYTES`` long): those can still
        be found as copies, never as retellings; and those stored before people were (no
        person section): they join as before, never split on people."""
        if len(data) < _BYTES or (len(data) > _BYTES and (len(data) - _BYTES - 4) % 4):
            raise ValueError(f"story signature of {len(data)} bytes, expected {_BYTES} + 4 + 4 per feature")
        n_shingles, n_event = (int(n) for n in np.frombuffer(data[:8], dtype="<u4"))
        sh = np.frombuffer(data[8 : 8 + 4 * SHINGLE_PERM], dtype="<u4").astype(np.uint32)
        ev = np.frombuffer(data[8 + 4 * SHINGLE_PERM : _BYTES], dtype="<u4").astype(np.uint32)
        empty = np.zeros(0, dtype=np.uint32)
        features, script, persons, parts = empty, 0, empty, empty
        if len(data) > _BYTES:
            words = np.frombuffer(data[_BYTES:], dtype="<u4").astype(np.uint32)
            n_feat = int(words[0])
            features = words[1 : 1 + n_feat]
            rest = words[1 + n_feat :]
            if len(features) != n_feat:
                raise ValueError(f"story signature holds {len(features)} features, says {n_feat}")
            if len(rest):
                if len(rest) < 3 or len(rest) < 3 + int(rest[1]):
                    raise ValueError(f"story signature: truncated person section ({len(rest)} values)")
                script, n_persons = int(rest[0]), int(rest[1])
                persons = rest[2 : 2 + n_persons]
                n_parts = int(rest[2 + n_persons])
                parts = rest[3 + n_persons :]
                if len(parts) != n_parts:
                    raise ValueError(f"story signature holds {len(parts)} person features, says {n_parts}")
        else:
            n_event = 0
        return cls(_minhash(SHINGLE_PERM, hashvalues=sh), _minhash(EVENT_PERM, hashvalues=ev), n_shingles, n_event,
                   features, script, persons, parts)


_NUMBER_RE = re.compile(r"\d[\d.,\u00a0\u202f]*\d|\d")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_BOUNDARY = frozenset(".!?:;…«»\"“”—–|•")
EVENT_CHARS = 2800
EVENT_WORDS = 400
"""Event features come from the title and about the first 400 words: an article tells its
event up top; the tail (background, related links that survived extraction) would make two
accounts of one event look less alike and two different events look more alike."""


@functools.lru_cache(maxsize=100_000)
def _number(raw: str) -> str | None:
    """A number as a feature ("1.200", "1,200", "1200" -> "#1200"), or None for numbers that
    say nothing about an event: single digits and years (every article this week says 2024)."""
    digits = raw.translate(_ARABIC_DIGITS)
    if re.fullmatch(r"\d{1,3}(?:[.,\u00a0\u202f]\d{3})+", digits):
        digits = re.sub(r"[.,\u00a0\u202f]", "", digits)
    else:
        digits = digits.replace(",", ".")
    value = digits.lstrip("0") or "0"
    if len(value) < 2 or (len(value) == 4 and value.isdigit() and 1990 <= int(value) <= 2039):
        return None
    return "#" + value


@functools.lru_cache(maxsize=100_000)
def _may_be_feature(raw: str) -> bool:
    """Capitalised, or starting a known alias as written (ASCII) or once folded (accented,
    Arabic): the only words ``event_feature_list`` can make a feature of. Cached per word:
    one C look-up each in the hot loop, and an Arabic text's words are not all folded again."""
    if raw[0].isupper():
        return True
    return (raw if raw.isascii() else fold_token(raw)) in alias_starts()


def _sentence_initial(text: str, start: int) -> bool:
    j = start - 1
    while j >= 0 and text[j] in " \t\u00a0\u202f(\'‘’":
        j -= 1
    return j < 0 or text[j] in _BOUNDARY or text[j] == "\n" or text[j] == "\r"


def event_features(title: str, text: str) -> set[str]:
    """The set of ``event_feature_list``."""
    return set(event_feature_list(title, text))


def event_feature_list(title: str, text: str, words: tuple[list[str], list[str]] | None = None) -> list[str]:
    """What says *which* event an article tells, in any of fr/ar/en/es (pure).

    - known names, places, services, months and weekdays as language-free ids
      (``story_names``): "Rabat"/"الرباط" -> ``@rabat``, "14 mai"/"14 ماي" -> ``@month5``, ``@5-14``;
    - numbers of two digits or more, years left out ("#1200", "#48");
    - other capitalised words, folded, when they cannot be capitalised for another reason:
      not at the start of a sentence, a paragraph or after a colon, not a function word
      ("Le", "Las", "Selon", "The"), and never from a title (English titles capitalise
      every word); acronyms in capitals count from titles too.
    ``words``: the title's and the text's words (``WORD_RE``), when the caller has them already.
    """
    lookup, _, stop, _ = tables()
    starts = alias_starts()
    body = text[:EVENT_CHARS]
    head, words_of_text = words if words is not None else (WORD_RE.findall(title), WORD_RE.findall(body))
    raws = head + words_of_text[:EVENT_WORDS]
    n, n_title = len(raws), len(head)
    out: dict[str, None] = {}  # in order of appearance (the title first): capped deterministically
    # numbers from the text itself: "1.200" is one number, "و1200" ("and 1200") a number too
    for raw in _NUMBER_RE.findall(title) + _NUMBER_RE.findall(body):
        feature = _number(raw)
        if feature:
            out[feature] = None
    cursor = 0  # where the last located body word ends (offsets are looked up for few words only)
    skip_to = 0
    # only capitalised words and starts of known aliases can be features (``_may_be_feature``):
    # pick them out in one quick pass, fold only them
    for i in compress(range(n), map(_may_be_feature, raws)):
        if i < skip_to:
            continue
        raw = raws[i]
        folded = fold_token(raw)
        sizes = starts.get(folded)
        if sizes is not None:
            hit = None
            for size in sizes:
                if i + size > n:
                    continue
                found = lookup.get((folded,) if size == 1 else tuple(map(fold_token, raws[i : i + size])))
                if found is not None and _written_as(found[1], raw, raws, i, size):
                    hit = (found[0], found[1], size)
                    break
            if hit is not None:
                ident, rule, size = hit
                out[ident] = None
                if rule == "month":
                    for j in (i - 1, i + size):
                        if 0 <= j < n and raws[j].isascii() and raws[j].isdigit() and 1 <= int(raws[j]) <= 31:
                            out[f"{ident}-{int(raws[j])}"] = None
                skip_to = i + size
                continue
        if raw[0].isupper() and folded and folded not in stop:
            if len(raw) >= 2 and raw.isupper():  # an acronym
                out[folded] = None
            elif i >= n_title and len(raw) > 2:
                offset = body.find(raw, cursor)
                if offset >= 0:
                    cursor = offset + len(raw)
                    if not _sentence_initial(body, offset):
                        out[folded] = None
    return list(out)


_DATE_RE = re.compile(r"@month\d+-\d+")


def _specific(feature: str) -> bool:
    """Does this feature tell events of one topic apart? Numbers, day-and-month dates, people
    and names the table does not know do; countries, big cities, services, months, weekdays
    and teams do not: every security story this week names the DGSN, Rabat and Paris."""
    return not feature.startswith("@") or feature in PEOPLE or _DATE_RE.fullmatch(feature) is not None


def _feature_hash(feature: str) -> int:
    return (zlib.crc32(feature.encode("utf-8")) & 0xFFFFFFFE) | int(_specific(feature))


def _hash_features(features: list[str]) -> np.ndarray:
    return np.array(sorted({_feature_hash(f) for f in features[:MAX_FEATURES]}), dtype=np.uint32)


_PERSON_FLAGS = 0b111
_PRINCIPAL = 0b100
LEDE_WORDS = 120
"""The title and the text's first paragraph (at most this many words; the next one too when
the first is a dateline or a one-liner) are where an article names who its event is about."""
MIN_LEDE_WORDS = 25


def lede_words(text: str) -> int:
    """How many of the text's words make its lede (pure)."""
    count = 0
    for line in text.splitlines():
        count += len(words_of(line.split()))
        if count >= MIN_LEDE_WORDS:
            break
    return min(count, LEDE_WORDS)


def _hash_persons(persons: dict[str, tuple[int, bool, tuple[str, ...]]], features: set[int]) -> tuple[np.ndarray, np.ndarray]:
    hashed = {(zlib.crc32(key.encode("utf-8")) & ~_PERSON_FLAGS & 0xFFFFFFFF) | how | (_PRINCIPAL if principal else 0)
              for key, (how, principal, _) in persons.items()}
    parts = {h for _, _, words in persons.values() for w in words if (h := _feature_hash(w)) in features}
    return np.array(sorted(hashed), dtype=np.uint32), np.array(sorted(parts), dtype=np.uint32)


def _written_as(rule: str, raw: str, raws: list[str], i: int, size: int) -> bool:
    if rule == "any":
        return True
    if rule == "upper":
        return raw.isupper()
    if rule == "cap":
        return raw[0].isupper()
    # a month: only next to a number ("14 mai", "May 14", "mai 2024")
    return any(0 <= j < len(raws) and raws[j][0].isdigit() for j in (i - 1, i + size))


class _ChunkWords(dict[str, tuple[str, ...]]):
    """Whitespace chunk -> its words (``WORD_RE``). No word holds a space, so a text's words
    are its chunks' words in order; chunks repeat across articles (news vocabulary is Zipfian),
    so one dict look-up per chunk replaces a regex scan of every character. Bounded: cleared
    when full."""

    MAX = 100_000

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        words = (chunk,) if chunk.isalpha() else tuple(WORD_RE.findall(chunk))  # most chunks are one word
        if len(self) >= self.MAX:
            self.clear()
        self[chunk] = words
        return words


_CHUNK_WORDS = _ChunkWords()


def words_of(chunks: list[str]) -> list[str]:
    """``WORD_RE.findall`` of a text, from its whitespace chunks (``str.split``)."""
    return list(chain.from_iterable(map(_CHUNK_WORDS.__getitem__, chunks)))


def signature(title: str, text: str, language: str | None) -> Signature:
    """Both MinHashes of one article (pure; empty text gives empty signatures).

    Words come from the text's whitespace chunks (``words_of``) and tokens from the
    normaliser's chunk cache (``TokenNormalizer.fragments``): the words of ``WORD_RE`` and the
    tokens of normalising them one by one, at a dict look-up per chunk. Not the matcher's own
    tokens: its normaliser knows the rules' Arabic lexicon and strips more proclitics
    ("بمطار" -> "مطار"), which would change stored signatures."""
    lang = resolve_language(language, f"{title}\n{text[:2000]}")
    norm = normalizer_for(lang)
    title_chunks, text_chunks = title.split(), text[: MAX_TOKENS * 12].split()
    title_words, text_words = words_of(title_chunks), words_of(text_chunks)
    # the tokens of the first MAX_TOKENS words: the normaliser's cached chunk fragments (" tok
    # tok": a chunk's words' tokens, empty ones dropped), then, when the cut falls inside the
    # text, the words of the chunk it cuts one by one
    frags = norm.fragments.__getitem__
    cut: list[str] = []
    if len(title_words) + len(text_words) > MAX_TOKENS:
        if len(title_words) >= MAX_TOKENS:
            title_chunks, text_chunks, cut = [], [], title_words[:MAX_TOKENS]
        else:
            before = list(accumulate(map(len, map(_CHUNK_WORDS.__getitem__, text_chunks)), initial=len(title_words)))
            whole = bisect_right(before, MAX_TOKENS) - 1  # chunks [0, whole) fit entirely
            cut = list(_CHUNK_WORDS[text_chunks[whole]][: MAX_TOKENS - before[whole]])
            text_chunks = text_chunks[:whole]
    tokens = ("".join(map(frags, title_chunks)) + "".join(map(frags, text_chunks))).split()
    tokens += [t for t in map(norm, cut) if t]
    # every run of SHINGLE_SIZE tokens (the shorter slices end the zip)
    shingles = set(map(" ".join, zip(*(tokens[k:] for k in range(SHINGLE_SIZE)), strict=False)))
    if not shingles and tokens:
        shingles = {" ".join(tokens)}
    event = event_feature_list(title, text, (title_words, text_words))[:MAX_FEATURES]
    mh_sh, mh_ev = _minhash_of(SHINGLE_PERM, shingles), _minhash_of(EVENT_PERM, event)
    features = _hash_features(event)
    people = find_persons(title_words + text_words[:EVENT_WORDS], len(title_words),
                          len(title_words) + lede_words(text[:EVENT_CHARS]))
    persons, parts = _hash_persons(people, set(features.tolist()))
    script = ARABIC if lang == "ar" else LATIN
    return Signature(mh_sh, mh_ev, len(shingles), len(event), features, script, persons, parts)


def event_overlap(a: Signature, b: Signature) -> tuple[float, int]:
    """(weighted Jaccard of the two feature sets, how many shared features are specific), exact.

    Generic features (countries, big cities, services, months) weigh ``GENERIC_WEIGHT`` of a
    specific one: they make two accounts of one event alike, but also any two security
    stories of the week."""
    fa, fb = a.feature_set, b.feature_set
    if not fa or not fb:
        return 0.0, 0
    shared = fa & fb
    spec_shared = sum(x & 1 for x in shared)
    spec_a, spec_b = a.n_specific, b.n_specific
    gen_shared = len(shared) - spec_shared
    union = (spec_a + spec_b - spec_shared) + GENERIC_WEIGHT * (len(fa) - spec_a + len(fb) - spec_b - gen_shared)
    return (spec_shared + GENERIC_WEIGHT * gen_shared) / union, spec_shared


OTHER_PEOPLE, ONE_SIDED, NO_CONFLICT = 2, 1, 0


def person_conflict(a: Signature, b: Signature) -> int:
    """Do a and b name different people as who their event is about? (pure)

    A person named in the title or lede of one article and nowhere in the other's features
    is *missing* there, when the other could have written the name: a table person (one id in
    every script) always, a name recognised by its given name only in an article of the same
    script ("كريم بنجلون" is no "Karim Benjelloun" to compare). The same official meets many
    counterparts; two accounts of one meeting name the same people. So:
    - ``OTHER_PEOPLE``: each misses a lede person of the other and they share at most one
      person ("X meets A" against "X meets B"): two events;
    - ``ONE_SIDED``: only one misses a lede person of the other, and they share at most one
      person ("X meets A" against "X met a delegation", or against "the DGSN chief met A"):
      the shared person is evidence of one event only when they are the counterpart, not the
      official who meets everyone (``retelling``);
    - ``NO_CONFLICT`` otherwise, or when either was stored before people were."""
    if not a.script or not b.script:
        return NO_CONFLICT
    la, lb = a.lede_people, b.lede_people
    if not (la[0] or la[a.script] or lb[0] or lb[b.script]) or len(a.person_keys & b.person_keys) > 1:
        return NO_CONFLICT
    miss_a, miss_b = _missing(a, b), _missing(b, a)
    if miss_a and miss_b:
        return OTHER_PEOPLE
    return ONE_SIDED if miss_a or miss_b else NO_CONFLICT


def _missing(a: Signature, b: Signature) -> frozenset[int]:
    """People of a's title or lede that b does not name, though it could have written them."""
    la = a.lede_people
    return (la[TABLE] | la[b.script]) - b.person_keys


def retelling(a: Signature, b: Signature, partners: Callable[[int], int] | None = None) -> float:
    """The weighted feature overlap of a and b when they tell one event, else 0 (pure).

    A retelling shares at least ``EVENT_JACCARD`` of its features and at least
    ``MIN_SHARED_SPECIFIC`` specific ones (two security stories of one week share the DGSN,
    Rabat and Paris; one event told twice also shares its people, numbers or dates), and does
    not name other people (``person_conflict``). When only one side names someone the other
    lacks (``ONE_SIDED``), the one person they share counts as evidence only if it is the
    rarer actor: ``partners`` (``StoryIndex.partners``: how many different people they were
    named beside this week) below that of the person missing. "Hammouchi meets Veaux" and
    "Hammouchi meets a French delegation" share the official who meets everyone: no evidence;
    "Hammouchi meets Veaux" and "the DGSN chief meets Veaux" share the counterpart: evidence.
    Without ``partners`` (two articles alone) the shared person counts."""
    if a.n_event < MIN_EVENT_FEATURES or b.n_event < MIN_EVENT_FEATURES:
        return 0.0
    ev, specific = event_overlap(a, b)
    if ev < EVENT_JACCARD or specific < MIN_SHARED_SPECIFIC or not _people_agree(a, b, partners):
        return 0.0
    return ev


def _people_agree(a: Signature, b: Signature, partners: Callable[[int], int] | None) -> bool:
    """No ``OTHER_PEOPLE``; and when ``ONE_SIDED``, the shared person is the rarer actor, or
    there is specific evidence besides the words of people's names."""
    verdict = person_conflict(a, b)
    if verdict == OTHER_PEOPLE:
        return False
    if verdict == ONE_SIDED:
        shared = a.person_keys & b.person_keys  # at most one (else no conflict)
        if shared and partners is None:
            return True
        if shared:
            missing = _missing(a, b) | _missing(b, a)
            if max(partners(p) for p in shared) < max(partners(m) for m in missing):
                return True
        names = a.part_set | b.part_set
        return sum(1 for x in a.feature_set & b.feature_set if x & 1 and x not in names) >= MIN_SHARED_SPECIFIC
    return True


def similarities(a: Signature, others: list[Signature], partners: Callable[[int], int] | None = None) -> np.ndarray:
    """How sure we are that a and each of ``others`` tell one story (0 = not at all; 1+ =
    near-duplicate; in between, ``retelling``). The near-duplicate part and the feature
    overlaps are computed for all of ``others`` in a few numpy passes; only the few above
    the threshold are then checked one by one for people.
    Near-duplicates that name other people (``person_conflict``) are no copies: a copy names
    who its original names, and outlets fill one template with each meeting's names."""
    if not others:
        return np.zeros(0)
    dup_ok = np.array([bool(a.n_shingles and b.n_shingles) for b in others])
    dup = (np.stack([b.shingles.hashvalues for b in others]) == a.shingles.hashvalues).mean(axis=1)
    scores = np.where(dup_ok & (dup >= DUPLICATE_JACCARD), 1.0 + dup, 0.0)
    if a.script and any(a.lede_people):  # else no conflict is possible
        for i in np.flatnonzero(scores):
            if person_conflict(a, others[i]) == OTHER_PEOPLE:
                scores[i] = 0.0  # one template, other people: a communiqué of another meeting, no copy
    if a.n_event < MIN_EVENT_FEATURES or not len(a.features):
        return scores
    rest = np.flatnonzero(scores == 0)
    if not len(rest):
        return scores
    ev, specific = _overlaps(a, [others[i] for i in rest])
    for j in np.flatnonzero((ev >= EVENT_JACCARD) & (specific >= MIN_SHARED_SPECIFIC)):
        b = others[rest[j]]
        if b.n_event >= MIN_EVENT_FEATURES and _people_agree(a, b, partners):
            scores[rest[j]] = ev[j]
    return scores


def _overlaps(a: Signature, others: list[Signature]) -> tuple[np.ndarray, np.ndarray]:
    """``event_overlap(a, b)`` for every b at once: (weighted Jaccards, shared specific counts)."""
    lens = np.array([len(b.features) for b in others])
    if not lens.sum():
        return np.zeros(len(others)), np.zeros(len(others))
    concat = np.concatenate([b.features for b in others])
    pos = np.minimum(np.searchsorted(a.features, concat), len(a.features) - 1)
    hit = a.features[pos] == concat
    spec = (concat & 1).astype(bool)
    seg = np.repeat(np.arange(len(others)), lens)
    shared = np.bincount(seg, weights=hit, minlength=len(others))
    spec_shared = np.bincount(seg, weights=hit & spec, minlength=len(others))
    spec_b = np.bincount(seg, weights=spec, minlength=len(others))
    spec_a, len_a = a.n_specific, len(a.feature_set)
    gen_shared = shared - spec_shared
    union = (spec_a + spec_b - spec_shared) + GENERIC_WEIGHT * (len_a - spec_a + lens - spec_b - gen_shared)
    with np.errstate(invalid="ignore", divide="ignore"):
        ev = np.where((lens > 0) & (union > 0), (spec_shared + GENERIC_WEIGHT * gen_shared) / np.maximum(union, 1e-12), 0.0)
    return ev, spec_shared


def _lede_pairs(sig: Signature) -> list[tuple[int, int]]:
    """(person it names, another person of its title or lede): who was named beside whom."""
    lede = [p for group in sig.lede_people for p in group]
    return [(p, q) for p in sig.person_keys for q in lede if p != q]


_log = logging.getLogger(__name__)
EVICT_FRACTION = 0.05
"""When the index is full, this share of it (the oldest) is evicted at once: one pass over the
entries per that many insertions, not one per insertion."""
RECENT_SIGNATURES = 2048
"""Indexed signatures kept whole (with their people's sets) for the next lookups: ~4 KB each."""
_EMPTY = np.zeros(0, dtype=np.uint32)
_NO_EVENT = MinHash(1, hashvalues=np.zeros(1, dtype=np.uint32), scheme=SCHEME, permutations=(np.ones(1, dtype=np.uint64),) * 2)
"""What an indexed signature's ``event`` is: the event MinHash only finds candidates (LSH)."""


class _Shingles:
    """The shingle MinHash values of an indexed article, as ``similarities`` reads them."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues

    def jaccard(self, other: Any) -> float:
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)


class _Entry:
    """One indexed article, compact: a few ints and one uint32 array (shingle MinHash values,
    features, persons, person parts) — about 1 KB instead of ~25 KB of MinHash objects,
    frozensets and LSH buckets. ``sig()`` rebuilds the ``Signature`` the pure functions read
    (its ``event`` MinHash left out: only the LSH needs it, and it holds the bands)."""

    __slots__ = ("story_id", "when", "core", "data", "counts", "digest", "dup_slot", "event_slot")

    def __init__(self, story_id: int, sig: Signature, when: datetime, core: bool = False) -> None:
        self.story_id, self.when, self.core = story_id, when, core
        self.data = np.concatenate([sig.shingles.hashvalues.astype(np.uint32), sig.features.astype(np.uint32),
                                    sig.persons.astype(np.uint32), sig.person_parts.astype(np.uint32)])
        self.counts = (sig.n_shingles, sig.n_event, sig.script, len(sig.features), len(sig.persons))
        self.digest = _digest(sig.to_bytes())
        self.dup_slot = self.event_slot = -1

    def sig(self) -> Signature:
        n_shingles, n_event, script, n_feat, n_persons = self.counts
        d, a = self.data, len(self.data) - SHINGLE_PERM
        f = SHINGLE_PERM + n_feat
        return Signature(_Shingles(d[:SHINGLE_PERM]), _NO_EVENT, n_shingles, n_event,  # type: ignore[arg-type]
                         d[SHINGLE_PERM:f] if n_feat else _EMPTY, script,
                         d[f : f + n_persons] if n_persons else _EMPTY,
                         d[f + n_persons :] if a > n_feat + n_persons else _EMPTY)


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=8).digest()


_MASK64 = np.uint64(2**64 - 1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser over uint64 values (wrapping arithmetic): a bijective scramble."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


MERGE_RATIO = 16
"""``_Bands`` merges its pending insertions when they are this fraction of the merged ones: an
O(n) merge every n/16 insertions (cheap per insertion), and the pending dict (~100 bytes a
hash, against 16 merged) stays a small part of the memory."""


class _Bands:
    """A MinHash LSH (the bands of ``datasketch.MinHashLSH`` at the same threshold: same b, r)
    held in two numpy arrays: 16 bytes per article and band instead of ~350 (a bytes key and a
    set per bucket). Each band's values hash to 64 bits with the band's number (two bands'
    values meet only on a 2**-64 collision, which adds a candidate that is then scored exactly
    anyway); the hashes sit sorted beside their *slots* (one per insertion) and a lookup is two
    ``searchsorted`` calls. New insertions wait in a small dict until merged in; a removed
    slot is forgotten at once (``_key``) and its hashes dropped at the next merge."""

    def __init__(self, threshold: float, num_perm: int) -> None:
        params = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.b, self.r = params.b, params.r
        self._salt = np.arange(1, self.b + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        self._h = np.zeros(0, dtype=np.uint64)  # sorted
        self._slot = np.zeros(0, dtype=np.int64)
        self._pending: dict[int, int | list[int]] = {}  # band hash -> slot(s), not merged yet
        self._key: dict[int, int] = {}  # live slot -> article key
        self._next = 0

    def hashes(self, hashvalues: np.ndarray) -> np.ndarray:
        """The b band hashes of a MinHash's values."""
        bands = hashvalues[: self.b * self.r].reshape(self.b, self.r)
        h = self._salt
        for j in range(0, self.r - 1, 2):  # two 32-bit values make one 64-bit word: one mix for both
            h = _mix(h ^ ((bands[:, j].astype(np.uint64) << np.uint64(32)) | bands[:, j + 1]))
        if self.r % 2:
            h = _mix(h ^ bands[:, -1])
        return h

    def insert(self, key: int, hashvalues: np.ndarray) -> int:
        slot = self._next
        self._next += 1
        self._key[slot] = key
        pending = self._pending
        for h in self.hashes(hashvalues).tolist():
            there = pending.get(h)
            if there is None:
                pending[h] = slot
            elif isinstance(there, list):
                there.append(slot)
            else:
                pending[h] = [there, slot]
        if len(pending) > max(4096, len(self._h) // MERGE_RATIO):
            self._merge()
        return slot

    def remove(self, slot: int) -> None:
        del self._key[slot]

    def __len__(self) -> int:
        return len(self._key)

    def _merge(self) -> None:
        hs, slots = [], []
        for h, there in self._pending.items():
            if isinstance(there, list):
                hs.extend([h] * len(there))
                slots.extend(there)
            else:
                hs.append(h)
                slots.append(there)
        self._pending = {}
        live = np.fromiter(self._key, dtype=np.int64, count=len(self._key))
        first = int(live.min()) if len(live) else self._next
        alive = np.zeros(self._next - first + 1, dtype=bool)  # slot - first -> live (the last: none)
        alive[live - first] = True
        new_h, new_s = np.array(hs, dtype=np.uint64), np.array(slots, dtype=np.int64)
        keep = alive[np.where(self._slot >= first, self._slot - first, -1)]
        old_h, old_s = self._h[keep], self._slot[keep]
        keep_new = alive[np.where(new_s >= first, new_s - first, -1)]
        new_h, new_s = new_h[keep_new], new_s[keep_new]
        order = np.argsort(new_h, kind="stable")
        new_h, new_s = new_h[order], new_s[order]
        at = np.searchsorted(old_h, new_h)
        self._h, self._slot = np.insert(old_h, at, new_h), np.insert(old_s, at, new_s)

    def query(self, hashvalues: np.ndarray) -> set[int]:
        """The keys of the articles sharing at least one band with these MinHash values."""
        q = self.hashes(hashvalues)
        found: list[int] = []
        if len(self._h):
            lo, hi = np.searchsorted(self._h, q, "left"), np.searchsorted(self._h, q, "right")
            for i in np.flatnonzero(hi > lo).tolist():
                found.extend(self._slot[lo[i] : hi[i]].tolist())
        if self._pending:
            get = self._pending.get
            for h in q.tolist():
                there = get(h)
                if there is not None:
                    if isinstance(there, list):
                        found.extend(there)
                    else:
                        found.append(there)
        keys = self._key
        return {keys[slot] for slot in found if slot in keys}


class StoryIndex:
    """In-memory LSH over recent articles: key -> (story, signature, time).

    Two ways into a story, and neither chains:
    - *copies* (near-duplicate shingles) join the story of any indexed article they copy: a
      copy tells exactly what its original told;
    - *retellings* (event features) join only through the story's **core**: its first
      article and up to ``CORE_SIZE - 1`` later ones that are each close to that first
      article. A football report that shares a city with the fifth article of a security
      story cannot pull the story towards football, nor the next article after it.
    Only core articles are in the event LSH; the others are in the copy LSH, the latest
    ``MAX_PER_STORY`` per story, so a lookup costs the same whatever the stories' sizes.

    Memory is bounded: each entry is compact (``_Entry``, ``_Bands``: ~3 KB an article), and
    beyond ``max_entries`` the oldest entries (by time) go first, ``EVICT_FRACTION`` of them at
    once, counted in ``evicted_early`` and logged: a crawl that outgrows the bound finds fewer
    old stories rather than running out of memory.
    """

    def __init__(self, window: timedelta = WINDOW, max_entries: int | None = None) -> None:
        self.window = window
        self.max_entries = max_entries
        self.evicted_early = 0
        # the LSH buckets are tuned below the decision thresholds: an LSH at threshold t finds
        # a pair at t + 0.05 only about half the time; the candidates are then scored exactly
        self._dup = _Bands(DUPLICATE_JACCARD * LSH_MARGIN, SHINGLE_PERM)
        self._event = _Bands(EVENT_JACCARD * LSH_MARGIN, EVENT_PERM)
        self._entries: dict[int, _Entry] = {}
        self._members: dict[int, list[int]] = {}  # story id -> its non-core indexed keys, oldest first
        self._cores: dict[int, list[int]] = {}  # story id -> its core keys, the first article first
        self._partners: dict[int, dict[int, int]] = {}  # person -> other lede person -> indexed articles naming both
        self._recent: OrderedDict[int, Signature] = OrderedDict()  # the last RECENT_SIGNATURES entries compared

    def partners(self, person: int) -> int:
        """How many different people the titles and ledes of indexed articles naming this
        person (``Signature.person_keys``) name beside them: the DGSN chief receiving one
        French official after another has many, each official one. Counted in people, not in
        stories, so that one event split in two never makes its own people look common."""
        return len(self._partners.get(person, ()))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: int) -> bool:
        return key in self._entries

    def core_of(self, story_id: int) -> list[int]:
        return list(self._cores.get(story_id, ()))

    def _joins_core(self, sig: Signature, story_id: int) -> bool:
        core = self._cores.get(story_id)
        if not core:
            return True  # the story's first article
        if len(core) >= CORE_SIZE or not retelling(sig, self._sig_of(core[0]), self.partners):
            return False
        # a copy of a core article adds nothing the core does not already say
        shingles = sig.shingles.hashvalues
        return not any(
            sig.n_shingles and self._entries[k].counts[0]
            and np.count_nonzero(self._entries[k].data[:SHINGLE_PERM] == shingles) / SHINGLE_PERM >= DUPLICATE_JACCARD
            for k in core
        )

    def add(self, key: int, sig: Signature, story_id: int, when: datetime) -> None:
        if key in self._entries:
            self.remove(key)
        core = self._joins_core(sig, story_id)
        entry = self._entries[key] = _Entry(story_id, sig, when, core)
        for person, partner in _lede_pairs(sig):
            partners = self._partners.setdefault(person, {})
            partners[partner] = partners.get(partner, 0) + 1
        entry.dup_slot = self._dup.insert(key, sig.shingles.hashvalues)
        if core:
            self._cores.setdefault(story_id, []).append(key)
            if sig.n_event >= MIN_EVENT_FEATURES:
                entry.event_slot = self._event.insert(key, sig.event.hashvalues)
        else:
            members = self._members.setdefault(story_id, [])
            members.append(key)
            if len(members) > MAX_PER_STORY:
                self.remove(members[0])
        if self.max_entries is not None and len(self._entries) > self.max_entries:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        """Back under ``max_entries``: the oldest entries go, a few percent at once (one pass)."""
        assert self.max_entries is not None
        n = len(self._entries) - self.max_entries + max(1, int(self.max_entries * EVICT_FRACTION))
        old = heapq.nsmallest(n, self._entries.items(), key=lambda item: (item[1].when, item[0]))
        for key, _ in old:
            self.remove(key)
        self.evicted_early += len(old)
        _log.warning("story index full (%d articles): evicted the %d oldest, up to %s, before their window ended "
                     "(%d so far); raise NEWSWATCH_STORY_INDEX_MAX to keep them", self.max_entries, len(old),
                     old[-1][1].when, self.evicted_early)

    def remove(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._dup.remove(entry.dup_slot)
        if entry.event_slot >= 0:
            self._event.remove(entry.event_slot)
        sig = self._recent.pop(key, None)
        if entry.counts[4]:  # it names people
            for person, partner in _lede_pairs(sig or entry.sig()):
                partners = self._partners[person]
                partners[partner] -= 1
                if not partners[partner]:
                    del partners[partner]
                    if not partners:
                        del self._partners[person]
        group = self._cores if entry.core else self._members
        members = group.get(entry.story_id)
        if members is not None:
            members.remove(key)
            if not members:
                del group[entry.story_id]

    def evict_before(self, when: datetime) -> int:
        old = [k for k, e in self._entries.items() if e.when < when]
        for key in old:
            self.remove(key)
        return len(old)

    def _sig_of(self, key: int) -> Signature:
        """An indexed article's ``Signature``, kept for the ``RECENT_SIGNATURES`` last compared: a
        running story's articles are candidates of lookup after lookup, and their people's sets
        (``Signature.lede_people``, ``person_keys``) are then computed once, not on each."""
        recent = self._recent
        sig = recent.get(key)
        if sig is not None:
            recent.move_to_end(key)
            return sig
        sig = recent[key] = self._entries[key].sig()
        if len(recent) > RECENT_SIGNATURES:
            recent.popitem(last=False)
        return sig

    def same_signature(self, key: int, blob: bytes) -> bool:
        """Was ``key`` indexed with the signature stored as ``blob`` (``Signature.to_bytes``)?"""
        entry = self._entries.get(key)
        return entry is not None and entry.digest == _digest(blob)

    def candidates(self, sig: Signature, when: datetime, exclude: int | None = None) -> list[tuple[int, int, float]]:
        """(key, story id, similarity) of recent articles telling the same story, best first:
        copies of any indexed article, retellings of a story's core only."""
        keys = self._dup.query(sig.shingles.hashvalues) if sig.n_shingles else set()
        if sig.n_event >= MIN_EVENT_FEATURES:
            keys |= self._event.query(sig.event.hashvalues)
        near = [(key, self._entries[key]) for key in keys if key != exclude]
        near = [(key, entry) for key, entry in near if abs(entry.when - when) <= self.window]
        if not near:
            return []

        scores = similarities(sig, [self._sig_of(key) for key, _ in near], self.partners)
        found = [
            (key, entry.story_id, float(score))
            for (key, entry), score in zip(near, scores, strict=True)
            if score > 1.0 or (score > 0 and entry.core and not self._other_people(sig, entry.story_id))
        ]
        found.sort(key=lambda f: (-f[2], f[0]))
        return found

    def _other_people(self, sig: Signature, story_id: int) -> bool:
        """Does ``sig`` name other people than some article of the story's core? A retelling
        close to one core article must not tell another meeting than the rest of the core."""
        return any(person_conflict(sig, self._sig_of(k)) == OTHER_PEOPLE for k in self._cores.get(story_id, ()))
