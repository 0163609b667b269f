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
import re
import zlib
from bisect import bisect_right
from collections import deque
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


@dataclass
class _Entry:
    story_id: int
    sig: Signature
    when: datetime
    core: bool = False


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
    """

    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        # the LSH buckets are tuned below the decision thresholds: an LSH at threshold t finds
        # a pair at t + 0.05 only about half the time; the candidates are then scored exactly
        self._dup = MinHashLSH(threshold=DUPLICATE_JACCARD * LSH_MARGIN, num_perm=SHINGLE_PERM)
        self._event = MinHashLSH(threshold=EVENT_JACCARD * LSH_MARGIN, num_perm=EVENT_PERM)
        self._entries: dict[int, _Entry] = {}
        self._members: dict[int, deque[int]] = {}  # story id -> its non-core indexed keys, oldest first
        self._cores: dict[int, list[int]] = {}  # story id -> its core keys, the first article first
        self._partners: dict[int, dict[int, int]] = {}  # person -> other lede person -> indexed articles naming both

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
        if len(core) >= CORE_SIZE or not retelling(sig, self._entries[core[0]].sig, self.partners):
            return False
        # a copy of a core article adds nothing the core does not already say
        return not any(
            sig.n_shingles and self._entries[k].sig.n_shingles
            and sig.shingles.jaccard(self._entries[k].sig.shingles) >= DUPLICATE_JACCARD
            for k in core
        )

    def add(self, key: int, sig: Signature, story_id: int, when: datetime) -> None:
        if key in self._entries:
            self.remove(key)
        core = self._joins_core(sig, story_id)
        self._entries[key] = _Entry(story_id, sig, when, core)
        for person, partner in _lede_pairs(sig):
            partners = self._partners.setdefault(person, {})
            partners[partner] = partners.get(partner, 0) + 1
        self._dup.insert(key, sig.shingles)
        if core:
            self._cores.setdefault(story_id, []).append(key)
            if sig.n_event >= MIN_EVENT_FEATURES:
                self._event.insert(key, sig.event)
            return
        members = self._members.setdefault(story_id, deque())
        members.append(key)
        if len(members) > MAX_PER_STORY:
            self.remove(members[0])

    def remove(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._dup.remove(key)
        for person, partner in _lede_pairs(entry.sig):
            partners = self._partners[person]
            partners[partner] -= 1
            if not partners[partner]:
                del partners[partner]
                if not partners:
                    del self._partners[person]
        if key in self._event.keys:
            self._event.remove(key)
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

    def signature_of(self, key: int) -> Signature | None:
        entry = self._entries.get(key)
        return entry.sig if entry else None

    def candidates(self, sig: Signature, when: datetime, exclude: int | None = None) -> list[tuple[int, int, float]]:
        """(key, story id, similarity) of recent articles telling the same story, best first:
        copies of any indexed article, retellings of a story's core only."""
        keys = set(self._dup.query(sig.shingles)) if sig.n_shingles else set()
        if sig.n_event >= MIN_EVENT_FEATURES:
            keys |= set(self._event.query(sig.event))
        near = [(key, self._entries[key]) for key in keys if key != exclude]
        near = [(key, entry) for key, entry in near if abs(entry.when - when) <= self.window]
        if not near:
            return []

        scores = similarities(sig, [entry.sig for _, entry in near], self.partners)
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
        return any(person_conflict(sig, self._entries[k].sig) == OTHER_PEOPLE for k in self._cores.get(story_id, ()))
