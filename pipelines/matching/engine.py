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
    normalize_phrase,
    resolve_language,
    tokenize,
)
from pipelines.matching.rules import Expr, Node, RulesError, Topic, load_rule_files, term_text, term_weight

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


@dataclass
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
                out += ent.aliases
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

        def add(phrase: str, ref_kw: dict[str, Any], acronym: bool = False) -> None:
            key = normalize_phrase(phrase, language, norm)
            if not key:
                return
            ntok = key.count(" ") - 1
            acr = tuple(WORD_RE.findall(phrase)) if acronym else None
            ref = PatternRef(ntok=ntok, acronym=acr, **ref_kw)
            same = (ref.topic, ref.kind, ref.name, ref.acronym)
            if any((r.topic, r.kind, r.name, r.acronym) == same for r in table[key]):
                return  # two aliases that normalise alike (France / française): one hit is enough
            table[key].append(ref)

        for ti, topic in enumerate(self.topics):
            for eid, ent in topic.entities.items():
                base = {"topic": ti, "kind": "entity", "name": eid, "lang": "*", "weight": ent.weight}
                for alias in ent.aliases:
                    add(alias, {**base, "label": alias})
                for acr in ent.acronyms:
                    add(acr, {**base, "label": acr}, acronym=True)
            for gname, group in topic.groups.items():
                for term in group.terms.get(language, []):  # type: ignore[call-overload]
                    kw = {"topic": ti, "kind": "term", "name": gname, "lang": language}
                    add(term_text(term), {**kw, "label": term_text(term), "weight": term_weight(term) * group.weight})
            for xi, exc in enumerate(topic.exclusions):
                for phrase in exc.phrases.get(language, []):  # type: ignore[call-overload]
                    kw = {"topic": ti, "kind": "exclusion", "name": str(xi), "lang": language, "weight": 0.0}
                    add(term_text(phrase), {**kw, "label": term_text(phrase)})
                for phrase in exc.near.get(language, []):  # type: ignore[call-overload]
                    kw = {"topic": ti, "kind": "context", "name": str(xi), "lang": language, "weight": 0.0}
                    add(term_text(phrase), {**kw, "label": term_text(phrase)})
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
    def match(self, title: str, text: str, language: str | None) -> list[TopicMatch]:
        """Topics this article belongs to, best first; [] for empty or unmatched text."""
        title, text = title or "", text or ""
        if not title.strip() and not text.strip():
            return []
        lang = resolve_language(language, title + "\n" + text[:2000])
        auto = self._automaton(lang)
        if auto is None:
            return []
        norm = self.normalizer(lang)
        streams = {"title": tokenize(title, lang, norm), "text": tokenize(text, lang, norm)}
        hits: dict[int, list[Hit]] = defaultdict(list)
        for fname, stream in streams.items():
            if len(stream.joined) < 3:
                continue
            for end, (klen, refs) in auto.iter(stream.joined):
                first = stream.token_index_at(end - klen + 2)
                for ref in refs:
                    last = first + ref.ntok - 1
                    if ref.acronym is not None and not _acronym_ok(stream, first, last, ref.acronym):
                        continue
                    hits[ref.topic].append(Hit(ref, fname, first, last))
        results = []
        for ti, topic_hits in hits.items():
            found = self._evaluate(ti, topic_hits, streams)
            if found is not None:
                results.append(found)
        results.sort(key=lambda m: (-m.score, m.topic))
        return results

    def _evaluate(self, ti: int, hits: list[Hit], streams: dict[str, TokenStream]) -> TopicMatch | None:
        topic = self.topics[ti]
        positives = [h for h in hits if h.ref.kind in ("term", "entity")]
        if not positives:
            return None
        by_group = self._group_hits(ti, positives)
        masks = self._masks(topic, hits, by_group)
        if masks:
            covered = _Masks(masks)
            positives = [h for h in positives if not covered.covers(h)]
            by_group = self._group_hits(ti, positives)
        if not positives or not _eval(topic.require, by_group):
            return None
        score, contributions = _score(topic, positives)
        if score < topic.threshold:
            return None
        reasons = _reasons(topic, positives, by_group, streams, contributions, self._entity_groups[ti])
        return TopicMatch(topic.topic, round(score, 3), self._versions[topic.topic], reasons)

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
    def _masks(topic: Topic, hits: list[Hit], by_group: dict[str, list[Hit]]) -> list[Hit]:
        phrases = [h for h in hits if h.ref.kind == "exclusion"]
        if not phrases:
            return []
        contexts: dict[str, _Near] = {}
        rescues: dict[int, _Near] = {}
        masks = []
        for ph in phrases:
            xi = int(ph.ref.name)
            exc = topic.exclusions[xi]
            if exc.near:
                if ph.ref.name not in contexts:
                    contexts[ph.ref.name] = _Near([c for c in hits if c.ref.kind == "context" and c.ref.name == ph.ref.name])
                if not contexts[ph.ref.name].any_within(ph, exc.within):
                    continue
            if exc.unless:
                if xi not in rescues:
                    rescues[xi] = _Near([h for g in exc.unless for h in by_group.get(g, ())])
                if rescues[xi].any_within(ph, exc.within, skip_inside=True):
                    continue
            masks.append(ph)
        return masks


class _Near:
    """Hits sorted per field, to ask "is any of them within N words of this hit?" fast."""

    def __init__(self, hits: list[Hit]) -> None:
        self.by_field: dict[str, tuple[list[int], list[Hit]]] = {}
        for fname in FIELDS:
            hs = sorted((h for h in hits if h.field == fname), key=lambda h: h.first)
            self.by_field[fname] = ([h.first for h in hs], hs)
        self.longest = max((h.last - h.first for h in hits), default=0)

    def any_within(self, hit: Hit, within: int, skip_inside: bool = False, title_is_near: bool = False) -> bool:
        if title_is_near:
            # a title hit is near every hit, and every hit is near a title hit
            pool = self.by_field["title"][1] if hit.field != "title" else [h for f in FIELDS for h in self.by_field[f][1]]
            if any(h is not hit for h in pool):
                return True
        firsts, hs = self.by_field[hit.field]
        lo = bisect_left(firsts, hit.first - within - self.longest - 1)
        hi = bisect_right(firsts, hit.last + within + 1)
        for other in hs[lo:hi]:
            if other is hit or (skip_inside and _inside(other, hit)):
                continue
            if _distance(hit, other) <= within:
                return True
        return False


class _Masks:
    def __init__(self, masks: list[Hit]) -> None:
        self.near = _Near(masks)

    def covers(self, h: Hit) -> bool:
        firsts, ms = self.near.by_field[h.field]
        lo = bisect_left(firsts, h.first - self.near.longest)
        return any(_inside(h, m) for m in ms[lo : bisect_right(firsts, h.first)])


def _acronym_ok(stream: TokenStream, first: int, last: int, acronym: tuple[str, ...]) -> bool:
    if last >= len(stream.tokens):
        return False
    return tuple(stream.text[slice(*stream.span(i))] for i in range(first, last + 1)) == acronym


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


def _eval(node: Node, by_group: dict[str, list[Hit]]) -> bool:
    if isinstance(node, str):
        return bool(by_group.get(node))
    assert isinstance(node, Expr)
    if node.all is not None:
        return all(_eval(n, by_group) for n in node.all)
    if node.any is not None:
        return any(_eval(n, by_group) for n in node.any)
    if node.none is not None:
        return not any(_eval(n, by_group) for n in node.none)
    assert node.near is not None and node.within is not None
    left, right = by_group.get(node.near[0], []), by_group.get(node.near[1], [])
    if not left or not right:
        return False
    # a title frames the whole article: a title hit is near every hit
    near = _Near(right)
    return any(near.any_within(a, node.within, title_is_near=True) for a in left)


def _score(topic: Topic, hits: list[Hit]) -> tuple[float, dict[tuple[str, str], float]]:
    """Each distinct term/entity counts once (times title_weight if seen in the title),
    plus a small capped bonus for repeats."""
    seen: dict[tuple[str, str], list[Hit]] = defaultdict(list)
    for h in hits:
        key = (h.ref.kind, h.ref.name if h.ref.kind == "entity" else f"{h.ref.name}:{h.ref.label}")
        seen[key].append(h)
    contributions: dict[tuple[str, str], float] = {}
    for key, hs in seen.items():
        weight = max(h.ref.weight for h in hs)
        base = weight * (topic.title_weight if any(h.field == "title" for h in hs) else 1.0)
        bonus = min(REPEAT_CAP, REPEAT_BONUS * (len(hs) - 1)) * weight
        contributions[key] = base + bonus
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
    for h in sorted(hits, key=lambda h: (FIELDS.index(h.field), h.first)):
        if len(terms) >= MAX_REASON_ITEMS and len(entities) >= MAX_REASON_ITEMS:
            break
        stream = streams[h.field]
        start, end = stream.span(h.first)[0], stream.span(h.last)[1]
        item = {"field": h.field, "start": start, "end": end, "text": stream.text[start:end]}
        if h.ref.kind == "term":
            if len(terms) < MAX_REASON_ITEMS:
                terms.append({"term": h.ref.label, "group": h.ref.name, "lang": h.ref.lang, **item})
        elif len(entities) < MAX_REASON_ITEMS:
            entities.append({"entity": h.ref.name, "alias": h.ref.label, "groups": entity_groups.get(h.ref.name, []), **item})
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
        from newswatch.settings import get_settings

        rules_dir = get_settings().resolved_rules_dir
    loaded = load_rule_files(Path(rules_dir))
    matcher = Matcher([(topic, version) for topic, version, _ in loaded])
    for topic, _, path in loaded:
        if not any(g.terms or g.entities for g in topic.groups.values()):
            raise RulesError(path, topic.topic, "groups", "no group has any term or entity")
    return matcher
