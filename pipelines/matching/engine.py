"""The matcher: every topic's patterns in one Aho-Corasick automaton per language, one scan
per article field, then per-topic exclusions, boolean structure, score and reasons.

Pure core: ``Matcher.match(title, text, language) -> list[TopicMatch]`` with no I/O.
``load_topics(rules_dir)`` reads ``config/rules/*.yaml`` (errors name file, rule, field).

Patterns are normalised with the same function as the text (see ``normalize``), so
inflections, accents, Arabic letter forms and clitics meet. Acronyms are looked up
case-insensitively by the automaton and then checked case-sensitively against the original
token, so "DGSN" matches and "dgsn" or the French word "Dgsn"… would not.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from pipelines.matching.normalize import (
    LANGUAGES,
    WORD_RE,
    TokenNormalizer,
    TokenStream,
    detect_script_arabic,
    fold_arabic,
    fold_latin,
    normalize_phrase,
    resolve_language,
    tokenize,
)
from pipelines.matching.rules import (
    Anchor,
    Expr,
    Node,
    RulesError,
    Topic,
    Window,
    load_rule_files,
    term_case,
    term_exact,
    term_text,
    term_weight,
)

log = logging.getLogger(__name__)

FIELDS = ("title", "text")
MAX_REASON_ITEMS = 40
REPEAT_BONUS = 0.1  # each further occurrence of a term adds this share of its weight...
REPEAT_CAP = 0.5  # ...up to this share


@dataclass(frozen=True)
class PatternRef:
    topic: int
    kind: str  # term | entity | exclusion | context
    name: str  # group name, entity id, or exclusion index
    label: str  # the pattern as written in the rule file
    lang: str  # language of a term ("*" for entities)
    weight: float
    ntok: int
    acronym: tuple[str, ...] | None = None  # original tokens that must match case-sensitively
    exact: tuple[str, ...] | None = None  # folded words the original must be (plural allowed)
    capital: bool = False  # a name: the original starts with a capital letter
    surname: bool = False  # counts only after a full alias of the same entity
    # what the original words are checked for (None: nothing), the key of that check's memo
    check: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.acronym is not None or self.exact is not None or self.capital:
            object.__setattr__(self, "check", (self.ntok, self.acronym, self.exact, self.capital))


@dataclass(slots=True)
class Hit:
    ref: PatternRef
    field: str
    first: int  # token indices, inclusive
    last: int


@dataclass
class TopicMatch:
    topic: str
    score: float
    rules_version: str
    reasons: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "score": self.score, "rules_version": self.rules_version, "reasons": self.reasons}


@dataclass
class Explanation:
    """Why a topic matched or not: score against threshold, groups found, what is missing,
    which exclusions fired and which hits were set aside (ticker, anchor, surname)."""

    topic: str
    matched: bool
    score: float
    threshold: float
    evidence: float = 0.0
    groups: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic, "matched": self.matched, "score": self.score, "threshold": self.threshold,
            "evidence": self.evidence, "groups": self.groups, "missing": self.missing,
            "exclusions": self.exclusions, "dropped": self.dropped,
        }

    def lines(self) -> list[str]:
        """Human-readable, for ``newswatch match --explain``."""
        verdict = "MATCH" if self.matched else "no match"
        out = [f"{self.topic}: {verdict}, score {self.score:.3f} vs threshold {self.threshold:.3f}"
               f" (evidence {self.evidence:.2f})"]
        for g, labels in self.groups.items():
            out.append(f"  group {g}: {', '.join(labels[:8])}")
        out += [f"  missing: {m}" for m in self.missing]
        for x in self.exclusions:
            out.append(f"  exclusion '{x['name']}' fired on {x['text']!r} ({x['field']}), hiding {', '.join(x['hid']) or 'nothing'}")
        for d in self.dropped[:20]:
            out.append(f"  set aside {d['label']!r} ({d['field']}): {d['why']}")
        return out


def _expr_groups(node: Node) -> set[str]:
    if isinstance(node, str):
        return {node}
    out: set[str] = set()
    for items in (node.all, node.any, node.none):
        for item in items or ():
            out |= _expr_groups(item)
    out |= set(node.near or ())
    return out


class Matcher:
    """All loaded topics; automata are built per language on first use."""

    def __init__(self, topics: list[tuple[Topic, str]]) -> None:
        self.topics = [t for t, _ in topics]
        self._versions = {t.topic: v for t, v in topics}
        self._automata: dict[str, ahocorasick.Automaton | None] = {}
        self._normalizers: dict[str, TokenNormalizer] = {}
        self._lexicon: frozenset[str] | None = None
        self._checked: dict[tuple[Any, ...], bool] = {}  # (original words, check) -> passes
        # per topic: entity id -> groups that contain it
        self._entity_groups = [
            {eid: [g for g, grp in t.groups.items() if eid in grp.entities] for eid in t.entities} for t in self.topics
        ]

    # ------------------------------------------------------------------ building
    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    def version_of(self, topic: str) -> str:
        """Hash of the rule file the topic came from."""
        return self._versions[topic]

    def subset(self, names: list[str]) -> Matcher:
        unknown = set(names) - set(self._versions)
        if unknown:
            raise RulesError("<topics>", ",".join(sorted(unknown)), None, f"unknown topic; known: {self.topic_names}")
        return Matcher([(t, self._versions[t.topic]) for t in self.topics if t.topic in names])

    def pattern_count(self, language: str = "fr") -> int:
        auto = self._automaton(language)
        return len(auto) if auto is not None else 0

    def _phrases(self) -> list[str]:
        out: list[str] = []
        for topic in self.topics:
            for ent in topic.entities.values():
                out += [term_text(a) for a in (*ent.aliases, *ent.names, *ent.surnames)]
                out += [term_text(a) for aliases in ent.lang_aliases.values() for a in aliases]
            for group in topic.groups.values():
                out += [term_text(t) for terms in group.terms.values() for t in terms]
            for exc in topic.exclusions:
                out += [term_text(t) for terms in (*exc.phrases.values(), *exc.near.values()) for t in terms]
        return out

    def normalizer(self, language: str) -> TokenNormalizer:
        """This matcher's token normaliser (it knows the rules' Arabic lexicon)."""
        norm = self._normalizers.get(language)
        if norm is None:
            if self._lexicon is None:
                plain = TokenNormalizer("ar")
                self._lexicon = frozenset(
                    tok for p in self._phrases() if detect_script_arabic(p) for tok in tokenize(p, "ar", plain).tokens
                )
            norm = self._normalizers[language] = TokenNormalizer(language, self._lexicon)
        return norm

    def _refs_for(self, language: str) -> dict[str, list[PatternRef]]:
        table: dict[str, list[PatternRef]] = defaultdict(list)
        norm = self.normalizer(language)

        def add(phrase: str, ref_kw: dict[str, Any], acronym: bool = False, exact: bool = False, **flags: Any) -> None:
            key = normalize_phrase(phrase, language, norm)
            if not key:
                return
            ntok = key.count(" ") - 1
            acr = tuple(WORD_RE.findall(phrase)) if acronym else None
            words = tuple(_exact_form(w) for w in WORD_RE.findall(phrase) if norm(w)) if exact else None
            if words is not None and len(words) != ntok:
                words = None  # a word that splits oddly: the stem match stands
            ref = PatternRef(ntok=ntok, acronym=acr, exact=words, **ref_kw, **flags)
            same = (ref.topic, ref.kind, ref.name, ref.acronym, ref.exact, ref.capital, ref.surname)
            if any((r.topic, r.kind, r.name, r.acronym, r.exact, r.capital, r.surname) == same for r in table[key]):
                return  # two aliases that normalise alike (France / française): one hit is enough
            table[key].append(ref)

        for ti, topic in enumerate(self.topics):
            for eid, ent in topic.entities.items():
                base = {"topic": ti, "kind": "entity", "name": eid, "lang": "*", "weight": ent.weight}
                for alias in [*ent.aliases, *ent.lang_aliases.get(language, [])]:  # type: ignore[call-overload]
                    add(term_text(alias), {**base, "label": term_text(alias)}, exact=term_exact(alias))
                for acr in ent.acronyms:
                    add(acr, {**base, "label": acr}, acronym=True)
                for name in ent.names:  # a name: capitalised, and the word itself ("Franco" is not "France")
                    add(name, {**base, "label": name}, exact=True, capital=True)
                for name in ent.surnames:
                    add(name, {**base, "label": name}, exact=True, capital=True, surname=True)
            for gname, group in topic.groups.items():
                for term in group.terms.get(language, []):  # type: ignore[call-overload]
                    kw = {"topic": ti, "kind": "term", "name": gname, "lang": language}
                    add(term_text(term), {**kw, "label": term_text(term), "weight": term_weight(term) * group.weight},
                        acronym=term_case(term), exact=term_exact(term))
            for xi, exc in enumerate(topic.exclusions):
                # exclusions and their context words match exactly: never through a shared stem
                for phrase in exc.phrases.get(language, []):  # type: ignore[call-overload]
                    kw = {"topic": ti, "kind": "exclusion", "name": str(xi), "lang": language, "weight": 0.0}
                    add(term_text(phrase), {**kw, "label": term_text(phrase)}, exact=True)
                for phrase in exc.near.get(language, []):  # type: ignore[call-overload]
                    kw = {"topic": ti, "kind": "context", "name": str(xi), "lang": language, "weight": 0.0}
                    add(term_text(phrase), {**kw, "label": term_text(phrase)}, exact=True)
        return table

    def _automaton(self, language: str) -> ahocorasick.Automaton | None:
        if language not in self._automata:
            table = self._refs_for(language)
            if not table:
                self._automata[language] = None
            else:
                auto = ahocorasick.Automaton()
                for key, refs in table.items():
                    auto.add_word(key, (len(key), tuple(refs)))
                auto.make_automaton()
                self._automata[language] = auto
        return self._automata[language]

    def warm(self) -> None:
        """Build every language's automaton now (e.g. before forking workers)."""
        for lang in LANGUAGES:
            self._automaton(lang)

    # ------------------------------------------------------------------ matching
    def _scan(self, title: str, text: str, language: str | None) -> tuple[dict[int, list[Hit]], dict[str, TokenStream]]:
        """One automaton pass per field: every topic's hits, checked for case/exactness."""
        title, text = title or "", text or ""
        hits: dict[int, list[Hit]] = defaultdict(list)
        if not title.strip() and not text.strip():
            return hits, {}
        lang = (language or "").strip().lower()[:2]
        if lang not in LANGUAGES:  # guessed from the text only when the article carries none
            lang = resolve_language(language, title + "\n" + text[:2000])
        auto = self._automaton(lang)
        if auto is None:
            return hits, {}
        norm = self.normalizer(lang)
        streams = {"title": tokenize(title, lang, norm), "text": tokenize(text, lang, norm)}
        for fname, stream in streams.items():
            joined = stream.joined
            if len(joined) < 3:
                continue
            count, memo = joined.count, stream.memo
            pos, first = 0, -1  # the token index of a hit is the number of spaces before it
            for end, (klen, refs) in auto.iter(joined):
                start = end - klen + 2
                first += count(" ", pos, start) if start >= pos else -count(" ", start, pos)
                pos = start
                for ref in refs:
                    last = first + ref.ntok - 1
                    if ref.check is not None:  # aliases of several topics share one check
                        key = (first, ref.check)
                        ok = memo.get(key)
                        if ok is None:
                            ok = memo[key] = self._original_ok(stream, first, last, ref)
                        if not ok:
                            continue
                    hits[ref.topic].append(Hit(ref, fname, first, last))
        return hits, streams

    def match(self, title: str, text: str, language: str | None) -> list[TopicMatch]:
        """Topics this article belongs to, best first; [] for empty or unmatched text."""
        hits, streams = self._scan(title, text, language)
        results = []
        for ti, topic_hits in hits.items():
            found = self._evaluate(ti, topic_hits, streams)
            if found is not None:
                results.append(found)
        results.sort(key=lambda m: (-m.score, m.topic))
        return results

    def explain(self, title: str, text: str, language: str | None) -> list[Explanation]:
        """Every topic, matched or not, with the reasons: the rule writer's "why (not)"."""
        hits, streams = self._scan(title, text, language)
        out = []
        for ti, topic in enumerate(self.topics):
            trace = Explanation(topic.topic, False, 0.0, topic.threshold)
            self._evaluate(ti, hits.get(ti, []), streams, trace)
            out.append(trace)
        return out

    def _evaluate(
        self, ti: int, hits: list[Hit], streams: dict[str, TokenStream], trace: Explanation | None = None
    ) -> TopicMatch | None:
        topic = self.topics[ti]
        positives = [h for h in hits if h.ref.kind in ("term", "entity")]
        if not positives:
            if trace is not None:
                trace.missing = _missing(topic.require, {}, streams)
            return None
        by_group = self._group_hits(ti, positives)
        # what follows only removes hits: an article that fails even with all of them is out
        if trace is None and not _eval(topic.require, by_group, streams, optimistic=True):
            return None
        masks = self._masks(topic, hits, by_group, streams)
        if masks:
            covered = _Masks(masks)
            if trace is not None:
                for m in masks:
                    hid = sorted({h.ref.label for h in positives if covered.covers(h) and _inside(h, m)})
                    name = topic.exclusions[int(m.ref.name)].name or f"exclusions.{m.ref.name}"
                    trace.exclusions.append({"name": name, "phrase": m.ref.label, "field": m.field,
                                             "text": _text_of(streams, m), "hid": hid})
            positives = [h for h in positives if not covered.covers(h)]
        if trace is None:  # cheap exits first: headline lists are only looked for in a likely match
            anchored = self._anchored(ti, positives, streams, None)
            by_group = self._group_hits(ti, anchored)
            if not _eval(topic.require, by_group, streams, optimistic=True):
                return None
            kept = _outside_headline_lists(positives, streams, None)
            if len(kept) == len(positives):  # no headline list: the anchored hits stand as they are
                positives = anchored
            else:
                positives = self._anchored(ti, kept, streams, None)
                by_group = self._group_hits(ti, positives)
        else:
            positives = _outside_headline_lists(positives, streams, trace)
            positives = self._anchored(ti, positives, streams, trace)
            by_group = self._group_hits(ti, positives)
        evidence, contributions = _score(topic, positives)
        score = min(0.999, round(topic.score_of(evidence), 3))
        ok = bool(positives) and _eval(topic.require, by_group, streams)
        if trace is not None:
            trace.score, trace.evidence = score, round(evidence, 3)
            trace.groups = {g: sorted({h.ref.label for h in hs}) for g, hs in sorted(by_group.items()) if hs}
            trace.missing = [] if ok else _missing(topic.require, by_group, streams)
            if ok and score < topic.threshold:
                trace.missing.append(f"score {score:.3f} below the threshold {topic.threshold:.3f}")
            trace.matched = ok and score >= topic.threshold
        if not ok or score < topic.threshold:
            return None
        reasons = _reasons(topic, positives, by_group, streams, contributions, self._entity_groups[ti])
        reasons["evidence"] = round(evidence, 3)
        return TopicMatch(topic.topic, score, self._versions[topic.topic], reasons)

    def _anchored(self, ti: int, hits: list[Hit], streams: dict[str, TokenStream], trace: Explanation | None) -> list[Hit]:
        """Drop surname hits without a full alias of their entity, and hits of anchored
        entities/groups that have no hit of their anchor groups within the window."""
        topic = self.topics[ti]
        full = {h.ref.name for h in hits if h.ref.kind == "entity" and not h.ref.surname}
        kept = []
        for h in hits:
            if h.ref.surname and h.ref.name not in full:
                if trace is not None:
                    trace.dropped.append({"label": h.ref.label, "field": h.field, "why": "surname without the full name"})
                continue
            kept.append(h)
        anchored = [(h, a) for h in kept if (a := self._anchor_of(topic, h)) is not None]
        if not anchored:
            return kept
        by_group = self._group_hits(ti, kept)
        pools: dict[tuple[str, ...], _Near] = {}
        drop: set[int] = set()
        for h, anchor in anchored:
            key = tuple(anchor.groups)
            if key not in pools:
                pools[key] = _Near([x for g in anchor.groups for x in by_group.get(g, ())], streams)
            side = None if anchor.side == "any" else ("after" if streams[h.field].norm.language == "en" else "before")
            if not pools[key].any_within(h, anchor.within, skip_same=True, side=side) and not (
                h.field == "title" and isinstance(anchor.within, str) and pools[key].any_in_lede(topic.lede_words)
            ):  # a title frames its lede (sentence/paragraph anchors; word windows stay in the title)
                drop.add(id(h))
                if trace is not None:
                    trace.dropped.append({"label": h.ref.label, "field": h.field,
                                          "why": f"not within {anchor.within} of {'/'.join(anchor.groups)}"})
        return [h for h in kept if id(h) not in drop]

    def _original_ok(self, stream: TokenStream, first: int, last: int, ref: PatternRef) -> bool:
        """``_words_ok`` on the hit's original words, remembered across articles (the same
        words recur: "France", "Paris", "DGSN")."""
        if last >= stream.ntokens:
            return False
        originals = tuple(map(stream.word, range(first, last + 1)))
        key = (originals, ref.check)
        ok = self._checked.get(key)
        if ok is None:
            if len(self._checked) >= 200_000:
                self._checked.clear()
            ok = self._checked[key] = _words_ok(originals, ref)
        return ok

    @staticmethod
    def _anchor_of(topic: Topic, h: Hit) -> Anchor | None:
        if h.ref.kind == "entity":
            return topic.entities[h.ref.name].near
        return topic.groups[h.ref.name].near

    def _group_hits(self, ti: int, hits: list[Hit]) -> dict[str, list[Hit]]:
        by_group: dict[str, list[Hit]] = defaultdict(list)
        ent_groups = self._entity_groups[ti]
        for h in hits:
            if h.ref.kind == "term":
                by_group[h.ref.name].append(h)
            else:
                for g in ent_groups.get(h.ref.name, ()):
                    by_group[g].append(h)
        return by_group

    @staticmethod
    def _masks(topic: Topic, hits: list[Hit], by_group: dict[str, list[Hit]], streams: dict[str, TokenStream]) -> list[Hit]:
        phrases = [h for h in hits if h.ref.kind == "exclusion"]
        if not phrases:
            return []
        plain = [h for h in phrases if not topic.exclusions[int(h.ref.name)].near]
        hide = _Masks(plain) if plain else None  # "dans le but de" holds no football "but"
        contexts: dict[str, _Near] = {}
        rescues: dict[int, _Near] = {}
        masks = []
        for ph in phrases:
            xi = int(ph.ref.name)
            exc = topic.exclusions[xi]
            if exc.near:
                if ph.ref.name not in contexts:
                    ctx = [c for c in hits if c.ref.kind == "context" and c.ref.name == ph.ref.name]
                    if hide is not None:
                        ctx = [c for c in ctx if not hide.covers(c)]
                    contexts[ph.ref.name] = _Near(ctx, streams)
                if not contexts[ph.ref.name].any_within(ph, exc.within):
                    continue
            if exc.unless:
                if xi not in rescues:
                    rescues[xi] = _Near([h for g in exc.unless for h in by_group.get(g, ())], streams)
                if rescues[xi].any_within(ph, exc.within, skip_inside=True):
                    continue
            masks.append(ph)
        return masks


class _Near:
    """Hits sorted per field, to ask "is any of them within this window of this hit?" fast."""

    def __init__(self, hits: list[Hit], streams: dict[str, TokenStream] | None = None) -> None:
        self.streams = streams or {}
        self.by_field: dict[str, tuple[list[int], list[Hit]]] = {}
        for fname in FIELDS:
            hs = sorted((h for h in hits if h.field == fname), key=lambda h: h.first)
            self.by_field[fname] = ([h.first for h in hs], hs)
        self.longest = max((h.last - h.first for h in hits), default=0)

    def any_within(
        self, hit: Hit, within: Window, skip_inside: bool = False, title_is_near: bool = False, skip_same: bool = False,
        side: str | None = None,
    ) -> bool:
        if title_is_near:
            # a title hit is near every hit, and every hit is near a title hit
            pool = self.by_field["title"][1] if hit.field != "title" else [h for f in FIELDS for h in self.by_field[f][1]]
            if any(h is not hit for h in pool):
                return True
        lo, hi = _window(self.streams.get(hit.field), hit, within)
        firsts, hs = self.by_field[hit.field]
        for other in hs[bisect_left(firsts, lo - self.longest) : bisect_right(firsts, hi)]:
            if other is hit or (skip_inside and _inside(other, hit)):
                continue
            if skip_same and (other.first, other.last) == (hit.first, hit.last):
                continue  # an entity anchored to a group it belongs to is not its own anchor
            if (side == "after" and other.first <= hit.last) or (side == "before" and other.last >= hit.first):
                continue
            if other.last >= lo and other.first <= hi:
                return True
        return False


    def any_in_lede(self, lede_words: int) -> bool:
        """Is one of the hits in the first ``lede_words`` words of the body?"""
        firsts, _ = self.by_field["text"]
        return bool(firsts) and firsts[0] < lede_words


def _window(stream: TokenStream | None, hit: Hit, within: Window) -> tuple[int, int]:
    """Token range a hit reaches: N words either side, or its sentence/paragraph."""
    if isinstance(within, int):
        return hit.first - within - 1, hit.last + within + 1
    if stream is None or not stream.ntokens:
        return hit.first, hit.last
    return stream.unit_range(hit.first, within)[0], stream.unit_range(min(hit.last, stream.ntokens - 1), within)[1]


def _outside_headline_lists(hits: list[Hit], streams: dict[str, TokenStream], trace: Explanation | None) -> list[Hit]:
    """Hits in a ticker or a list of other articles' headlines are not this article's content."""
    stream = streams.get("text")
    if stream is None or not stream.ntokens:
        return hits
    blocks = stream.headline_blocks()
    if not blocks:
        return hits
    kept = []
    for h in hits:
        if h.field == "text" and any(a <= h.first <= b for a, b in blocks):
            if trace is not None:
                trace.dropped.append({"label": h.ref.label, "field": h.field, "why": "in a headline list/ticker"})
            continue
        kept.append(h)
    return kept


def _text_of(streams: dict[str, TokenStream], h: Hit) -> str:
    stream = streams[h.field]
    return stream.text[stream.span(h.first)[0] : stream.span(h.last)[1]]


class _Masks:
    def __init__(self, masks: list[Hit]) -> None:
        self.near = _Near(masks)

    def covers(self, h: Hit) -> bool:
        firsts, ms = self.near.by_field[h.field]
        lo = bisect_left(firsts, h.first - self.near.longest)
        return any(_inside(h, m) for m in ms[lo : bisect_right(firsts, h.first)])


def _words_ok(originals: tuple[str, ...], ref: PatternRef) -> bool:
    """The original words are what the pattern asks: its case, its exact words, a capital."""
    if ref.acronym is not None and originals != ref.acronym:
        return False
    if ref.exact is not None and not _exact_ok(originals, ref.exact):
        return False
    return not ref.capital or originals[0][:1].isupper()


_AR_CLITICS = ("وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل")


def _exact_form(word: str) -> str:
    """A pattern word as exact matching compares it: folded Latin, or Arabic without its
    article/proclitic (so "المغرب" is also "بالمغرب", "والمغرب", never "مغربي")."""
    if detect_script_arabic(word):
        folded = fold_arabic(word)
        for prefix in _AR_CLITICS[:6]:
            if folded.startswith(prefix) and len(folded) - len(prefix) >= 2:
                return folded[len(prefix) :]
        return folded
    return fold_latin(word)


def _arabic_exact(got: str, want: str) -> bool:
    """``got`` is ``want`` behind at most a conjunction (و ف) and an article/preposition
    (ال ب ل ك لل): وبفرنسا, للمغرب, والمغرب are the word; مغربي is not المغرب."""
    if got == want:
        return True
    rest = got[1:] if got[:1] in "وف" and len(got) > len(want) else got
    return rest == want or any(rest == p + want for p in _AR_CLITICS)


def _exact_ok(originals: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """The original words are the pattern's words (folded; a plural ending allowed; Arabic:
    any article/proclitic before it, nothing after), not merely words sharing their stem."""
    for original, want in zip(originals, words, strict=True):
        if detect_script_arabic(want):
            if not _arabic_exact(fold_arabic(original), want):
                return False
            continue
        got = fold_latin(original)
        if got != want and got not in (want + "s", want + "x", want + "es"):
            return False
    return True


def _inside(h: Hit, mask: Hit) -> bool:
    return h.field == mask.field and mask.first <= h.first and h.last <= mask.last


def _distance(a: Hit, b: Hit) -> float:
    """Words between two hits (0 when they touch/overlap); infinite across fields."""
    if a.field != b.field:
        return float("inf")
    if a.last < b.first:
        return b.first - a.last - 1
    if b.last < a.first:
        return a.first - b.last - 1
    return 0


def _eval(node: Node, by_group: dict[str, list[Hit]], streams: dict[str, TokenStream], optimistic: bool = False) -> bool:
    """The require expression; ``optimistic``: ``none`` counts as satisfied (a pre-check
    before hits are removed, when a removal could only make ``none`` truer)."""
    if isinstance(node, str):
        return bool(by_group.get(node))
    assert isinstance(node, Expr)
    if node.all is not None:
        return all(_eval(n, by_group, streams, optimistic) for n in node.all)
    if node.any is not None:
        return any(_eval(n, by_group, streams, optimistic) for n in node.any)
    if node.none is not None:
        return optimistic or not any(_eval(n, by_group, streams) for n in node.none)
    assert node.near is not None and node.within is not None
    left, right = by_group.get(node.near[0], []), by_group.get(node.near[1], [])
    if not left or not right:
        return False
    # a title frames the whole article: a title hit is near every hit
    near = _Near(right, streams)
    return any(near.any_within(a, node.within, title_is_near=True) for a in left)


def _missing(node: Node, by_group: dict[str, list[Hit]], streams: dict[str, TokenStream]) -> list[str]:
    """The unmet parts of a require expression, in words."""
    if isinstance(node, str):
        return [] if by_group.get(node) else [f"group '{node}' has no hit"]
    if _eval(node, by_group, streams):
        return []
    if node.all is not None:
        return [m for n in node.all for m in _missing(n, by_group, streams)]
    if node.any is not None:
        return [f"none of {[n if isinstance(n, str) else n.model_dump(exclude_none=True) for n in node.any]}"]
    if node.none is not None:
        present = [n for n in node.none if _eval(n, by_group, streams)]
        return [f"excluded group present: {n if isinstance(n, str) else n.model_dump(exclude_none=True)}" for n in present]
    a, b = node.near or ["", ""]
    return [f"'{a}' not within {node.within} of '{b}'"]


def _score(topic: Topic, hits: list[Hit]) -> tuple[float, dict[tuple[str, str], float]]:
    """Evidence: each distinct term/entity counts once, times title_weight if seen in the
    title or lede_weight if seen in the lede, plus a small capped bonus for repeats."""
    seen: dict[tuple[str, str], list[Hit]] = defaultdict(list)
    for h in hits:
        key = (h.ref.kind, h.ref.name if h.ref.kind == "entity" else f"{h.ref.name}:{h.ref.label}")
        seen[key].append(h)
    contributions: dict[tuple[str, str], float] = {}
    for key, hs in seen.items():
        weight = max(h.ref.weight for h in hs)
        if any(h.field == "title" for h in hs):
            place = topic.title_weight
        elif any(h.first < topic.lede_words for h in hs):
            place = topic.lede_weight
        else:
            place = 1.0
        bonus = min(REPEAT_CAP, REPEAT_BONUS * (len(hs) - 1)) * weight
        contributions[key] = weight * place + bonus
    return sum(contributions.values()), contributions


def _reasons(
    topic: Topic,
    hits: list[Hit],
    by_group: dict[str, list[Hit]],
    streams: dict[str, TokenStream],
    contributions: dict[tuple[str, str], float],
    entity_groups: dict[str, list[str]],
) -> dict[str, Any]:
    terms: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    for h in sorted(hits, key=lambda h: (h.field != "title", h.first)):  # title first, then the body
        if h.ref.kind == "term":
            if len(terms) >= MAX_REASON_ITEMS:
                if len(entities) >= MAX_REASON_ITEMS:
                    break
                continue
        elif len(entities) >= MAX_REASON_ITEMS:
            if len(terms) >= MAX_REASON_ITEMS:
                break
            continue
        stream = streams[h.field]
        start, end = stream.span(h.first)[0], stream.span(h.last)[1]
        item = {"field": h.field, "start": start, "end": end, "text": stream.text[start:end]}
        if h.ref.kind == "term":
            terms.append({"term": h.ref.label, "group": h.ref.name, "lang": h.ref.lang, **item})
        else:
            entities.append({"entity": h.ref.name, "label": topic.entity_label(h.ref.name), "alias": h.ref.label,
                             "groups": entity_groups.get(h.ref.name, []), **item})
    return {
        "terms": terms,
        "entities": entities,
        "groups": sorted(g for g, hs in by_group.items() if hs),
        "snippets": _snippets(hits, streams),
        "score_parts": {f"{k}:{n}": round(v, 3) for (k, n), v in sorted(contributions.items())},
    }


def _snippets(hits: list[Hit], streams: dict[str, TokenStream], width: int = 200, count: int = 3) -> list[dict[str, Any]]:
    """The windows of the body holding the most distinct hits; ``start``/``end`` are offsets
    of ``text`` in the article text (the title is shown whole anyway, so it has none)."""
    out: list[dict[str, Any]] = []
    stream = streams["text"]
    body = sorted((h for h in hits if h.field == "text"), key=lambda h: h.first)
    body = body[:: max(1, len(body) // 300)]  # a huge article: 300 hits are plenty to place snippets
    spans = sorted({(stream.span(h.first)[0], stream.span(h.last)[1], h.ref.label) for h in body})
    if not spans:
        return out
    text = stream.text
    starts = [a for a, _, _ in spans]
    step = max(1, len(spans) // 200)  # a huge article: sample 200 anchors
    candidates = []
    for s, _, _ in spans[::step]:
        lo = max(0, s - width // 4)
        hi = min(len(text), lo + width)
        inside = spans[bisect_left(starts, lo) : bisect_right(starts, hi)]
        labels = {lab for _, b, lab in inside if b <= hi}
        candidates.append((len(labels), -lo, lo, hi))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for _, _, lo, hi in candidates:
        if any(lo < b and a < hi for a, b in chosen):
            continue
        # widen to word boundaries so snippets do not cut words
        floor = max(0, lo - 30)
        while lo > floor and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace() and hi < lo + width + 30:
            hi += 1
        chosen.append((lo, hi))
        if len(chosen) == count:
            break
    for a, b in sorted(chosen):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append({"field": "text", "text": text[a:b], "start": a, "end": b})
    return out


def load_topics(rules_dir: Path | str | None = None) -> Matcher:
    """Load and validate every rule file; raise RulesError naming file, rule and field.

    ``rules_dir`` None: the settings' rules folder (NEWSWATCH_RULES_DIR or CONFIG_DIR/rules).
    """
    if rules_dir is None:
        from common.settings import get_settings

        rules_dir = get_settings().resolved_rules_dir
    loaded = load_rule_files(Path(rules_dir))
    matcher = Matcher([(topic, version) for topic, version, _ in loaded])
    for topic, _, path in loaded:
        if not any(g.terms or g.entities for g in topic.groups.values()):
            raise RulesError(path, topic.topic, "groups", "no group has any term or entity")
    return matcher
