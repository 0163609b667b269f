"""Topic rule files (``config/rules/*.yaml``): the schema, and a loader whose errors say where.

A topic is data: entities with aliases in every script, keyword groups per language, a
boolean ``require`` structure over the groups (all / any / none / near-within-N-words),
weights and a threshold, and exclusions for look-alikes. Every load error names the file,
the rule (topic) and the field, e.g.::

    config/rules/x.yaml: rule 'security-cooperation': field 'groups.security.terms.fr.3': ...

The rules version of a topic is a hash of its file's bytes, so a changed file re-matches.

Fields (see ``config/rules/security-cooperation.yaml`` for a full example)::

    topic: name               # default: the file name; lowercase, digits, - and _
    threshold: 0.5            # minimum score, on the 0-1 scale (see "Scores" below)
    scale: 6                  # the evidence that scores 0.5
    title_weight: 2           # multiplier for terms/entities seen in the title
    lede_words: 60            # the first N words of the body are the lede...
    lede_weight: 1.5          # ...and weigh this much (the tail weighs 1)
    entities:                 # id -> {label, weight, aliases, acronyms, names, surnames, lang_aliases, near}
    groups:                   # name -> {weight, terms: {fr|en|es|ar: [str | {term, weight, exact, case}]},
                              #          entities: [ids], near?: {groups, within}}
    require:                  # a group name, or {all|any|none: [nodes]}, or {near: [g1, g2], within: N|sentence|paragraph}
    exclusions:               # [{phrases: {lang: [...]}, near?: {lang: [...]}, unless?: [groups], within: N|sentence|paragraph}]
    examples: {positive: [...], negative: [...]}   # checked by tests/test_rules.py

Scores: the evidence E of a match is the sum, over distinct terms and entities, of their
weight (x title_weight in the title, x lede_weight in the lede, plus a small capped bonus
for repeats); the score is ``E / (E + scale)``: 0 without evidence, 0.5 at ``scale``, rising
towards 1 and never reaching it. One scale for every topic, so an alert threshold (0-1)
means the same thing everywhere; ``threshold`` is the topic's own cut on it.

Precision mechanics (all optional):
- ``within`` is a word count or ``sentence``/``paragraph`` (the same sentence/paragraph);
- ``near`` on an entity or group: its hits count only within that window of a hit of one of
  the given groups (a country name only as an actor next to a cooperation word; "visit" only
  near a security term); ``side: noun`` wants the anchor where the language puts the noun an
  adjective qualifies (after it in English, before it elsewhere); a title hit's sentence
  anchor may also be in the lede;
- a term ``{term: X, exact: true}`` (or written ``=X``) matches the word itself (plural
  allowed), not everything sharing its stem ("armes" is not "armée"); ``case: true``
  matches the capitalisation as written;
- entity ``names`` must start with a capital ("Paris", not "paris sportifs"); ``surnames``
  count only after a full alias of the same entity; ``lang_aliases`` apply in one language;
- exclusion phrases and context words always match exactly (never through a shared stem:
  "securities" does not remove "security"); a context-free exclusion also hides context
  words ("dans le but de" holds no football "but");
- headline lists and tickers in the body (runs of short lines) are not the article's content:
  hits inside them do not count.

Terms and aliases are normalised like the text (case, accents, Arabic letter forms,
clitics, stemming), so write them once in their dictionary form.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.config_files import error_message, yaml_problem
from pipelines.matching.normalize import LANGUAGES, WORD_RE

Lang = Literal["fr", "en", "es", "ar"]


class RulesError(ValueError):
    """A rule file that cannot be used; the message names file, rule and field."""

    def __init__(self, file: Path | str, rule: str | None, field: str | None, message: str) -> None:
        where = str(file)
        if rule:
            where += f": rule '{rule}'"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")
        self.file, self.rule, self.field = str(file), rule, field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TermSpec(_Strict):
    term: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    exact: bool = False  # the word itself (plural allowed), not its stem
    case: bool = False  # capitalisation as written


Term = str | TermSpec
TermsByLang = dict[Lang, list[Term]]
Window = int | Literal["sentence", "paragraph"]


def term_text(term: Term) -> str:
    if isinstance(term, str):
        return term[1:] if term.startswith("=") and len(term) > 1 else term
    return term.term


def term_weight(term: Term) -> float:
    return 1.0 if isinstance(term, str) else term.weight


def term_exact(term: Term) -> bool:
    return (term.startswith("=") and len(term) > 1) if isinstance(term, str) else term.exact


def term_case(term: Term) -> bool:
    return False if isinstance(term, str) else term.case


class Anchor(_Strict):
    """Hits count only within ``within`` (words, or the same sentence/paragraph) of a hit of
    one of ``groups``."""

    groups: list[str] = Field(min_length=1)
    within: Window = "sentence"
    # "noun": the anchor must stand where the language puts the noun an adjective qualifies
    # (after it in English, "French police"; before it in French/Spanish/Arabic, "police
    # française"), so "police arrest Moroccan suspects" does not make "Moroccan" an actor
    side: Literal["any", "noun"] = "any"

    @field_validator("within")
    @classmethod
    def _positive(cls, value: Window) -> Window:
        if isinstance(value, int) and not 0 <= value <= 10_000:
            raise ValueError("within: a word count from 0 to 10000, or sentence/paragraph")
        return value


class Entity(_Strict):
    """A named thing: ``aliases`` match case-insensitively, ``acronyms`` case-sensitively,
    ``names`` only capitalised, ``surnames`` only after a full alias in the same article,
    ``lang_aliases`` only in their language; ``label`` is what an analyst is shown."""

    label: str = ""
    weight: float = Field(default=1.0, gt=0)
    aliases: list[str] = Field(default_factory=list)
    acronyms: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    surnames: list[str] = Field(default_factory=list)
    lang_aliases: dict[Lang, list[str]] = Field(default_factory=dict)
    near: Anchor | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Entity:
        if not (self.aliases or self.acronyms or self.names or any(self.lang_aliases.values())):
            raise ValueError("an entity needs at least one alias or acronym")
        return self


class Group(_Strict):
    """Terms (per language) and entities that count as one concept in ``require``;
    ``near``: the group's terms count only near a hit of the anchor groups."""

    weight: float = Field(default=1.0, gt=0)
    terms: TermsByLang = Field(default_factory=dict)
    entities: list[str] = Field(default_factory=list)
    near: Anchor | None = None


class Exclusion(_Strict):
    """Occurrences of ``phrases`` mask the hits they cover (e.g. "sécurité routière").

    ``near``: only when one of these context words is within ``within`` words (a football
    "défense"); ``unless``: not when one of these groups has a hit within ``within`` words
    ("coopération économique" next to a security term still counts).
    """

    name: str = ""
    phrases: TermsByLang
    near: TermsByLang = Field(default_factory=dict)
    unless: list[str] = Field(default_factory=list)
    within: Window = 10


class Expr(_Strict):
    """Boolean structure: exactly one of all / any / none / near (+ within)."""

    all: list[Node] | None = None
    any: list[Node] | None = None
    none: list[Node] | None = None
    near: list[str] | None = None
    within: Window | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Expr:
        ops = [op for op in ("all", "any", "none", "near") if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError(f"give exactly one of all/any/none/near, got {ops or 'none'}")
        if self.near is not None:
            if len(self.near) != 2 or self.within is None:
                raise ValueError("near takes two group names and 'within: N' (words)")
        elif self.within is not None:
            raise ValueError("'within' only goes with 'near'")
        if ops[0] != "near" and not getattr(self, ops[0]):
            raise ValueError(f"'{ops[0]}' needs at least one item")
        return self


Node = str | Expr
Expr.model_rebuild()


class Examples(_Strict):
    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)


class Topic(_Strict):
    topic: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    title: str = ""
    description: str = ""
    threshold: float = Field(default=0.5, gt=0, lt=1, description="minimum score on the 0-1 scale")
    scale: float = Field(default=6.0, gt=0, description="evidence that scores 0.5")
    title_weight: float = Field(default=2.0, ge=1)
    lede_words: int = Field(default=60, ge=0)
    lede_weight: float = Field(default=1.5, ge=1)
    entities: dict[str, Entity] = Field(default_factory=dict)
    groups: dict[str, Group]
    require: Node
    exclusions: list[Exclusion] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)

    @field_validator("threshold", mode="before")
    @classmethod
    def _on_the_scale(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not 0 < value < 1:
            raise ValueError(
                f"threshold is a score on the 0-1 scale (got {value}); the evidence that scores 0.5 goes in 'scale'"
            )
        return value

    def entity_label(self, entity_id: str) -> str:
        """What an analyst sees for an entity: its ``label``, else its id made readable."""
        ent = self.entities.get(entity_id)
        if ent is not None and ent.label:
            return ent.label
        return entity_id.replace("_", " ").strip().capitalize()

    def score_of(self, evidence: float) -> float:
        """Evidence (sum of weights) -> score on the 0-1 scale."""
        return evidence / (evidence + self.scale) if evidence > 0 else 0.0

    @field_validator("groups")
    @classmethod
    def _some_groups(cls, value: dict[str, Group]) -> dict[str, Group]:
        if not value:
            raise ValueError("a topic needs at least one group")
        return value


def _walk_groups(node: Node, path: str) -> list[tuple[str, str]]:
    """(group name, field path) for every group named in a require expression."""
    if isinstance(node, str):
        return [(node, path)]
    found: list[tuple[str, str]] = []
    for op in ("all", "any", "none"):
        items = getattr(node, op)
        if items is not None:
            for i, item in enumerate(items):
                found.extend(_walk_groups(item, f"{path}.{op}.{i}"))
    if node.near is not None:
        found.extend((name, f"{path}.near.{i}") for i, name in enumerate(node.near))
    return found


def _check_references(topic: Topic, file: Path) -> None:
    def fail(field: str, message: str) -> None:
        raise RulesError(file, topic.topic, field, message)

    for gname, group in topic.groups.items():
        for i, ent_id in enumerate(group.entities):
            if ent_id not in topic.entities:
                fail(f"groups.{gname}.entities.{i}", f"unknown entity '{ent_id}' (known: {sorted(topic.entities)})")
        for lang, terms in group.terms.items():
            for i, term in enumerate(terms):
                if not WORD_RE.search(term_text(term)):
                    fail(f"groups.{gname}.terms.{lang}.{i}", f"term {term_text(term)!r} has no word in it")
    for name, path in _walk_groups(topic.require, "require"):
        if name not in topic.groups:
            fail(path, f"unknown group '{name}' (known: {sorted(topic.groups)})")
    for i, exc in enumerate(topic.exclusions):
        for j, name in enumerate(exc.unless):
            if name not in topic.groups:
                fail(f"exclusions.{i}.unless.{j}", f"unknown group '{name}'")
    anchors = [(f"groups.{g}.near", grp.near) for g, grp in topic.groups.items()]
    anchors += [(f"entities.{e}.near", ent.near) for e, ent in topic.entities.items()]
    for where, anchor in anchors:
        for j, name in enumerate(anchor.groups if anchor else ()):
            if name not in topic.groups:
                fail(f"{where}.groups.{j}", f"unknown group '{name}' (known: {sorted(topic.groups)})")
    for ename, ent in topic.entities.items():
        for i, acr in enumerate(ent.acronyms):
            if not WORD_RE.search(acr):
                fail(f"entities.{ename}.acronyms.{i}", f"acronym {acr!r} has no letter in it")


_BRANCH_TAGS = {"str", "int", "Expr", "TermSpec", "Anchor", "[key]"}


def _loc(loc: tuple[Any, ...]) -> str:
    """A field path without pydantic's union-branch and validator tags."""
    parts = [str(p) for p in loc if not str(p).startswith(("function-", "union[", "literal[")) and str(p) not in _BRANCH_TAGS]
    return ".".join(parts)


def _best_error(errors: list[Any]) -> Any:
    """The most telling error: not "wrong union branch", and the deepest field path."""
    telling = [e for e in errors if not (e["type"] in ("string_type", "model_type") and e["loc"][-1:] == ("str",))]
    pool = telling or errors
    return max(pool, key=lambda e: len(_loc(e["loc"]).split(".")))


def parse_topic(data: Any, file: Path) -> Topic:
    """Validate one parsed YAML document; raise RulesError naming file, rule, field."""
    if not isinstance(data, dict):
        raise RulesError(file, None, None, f"expected a mapping at the top, got {type(data).__name__}")
    data = dict(data)
    data.setdefault("topic", file.stem)
    rule = str(data.get("topic"))
    try:
        topic = Topic.model_validate(data)
    except ValidationError as exc:
        err = _best_error(exc.errors())
        msg = error_message(err)
        raise RulesError(file, rule, _loc(err["loc"]) or None, f"{msg} (got {err.get('input')!r:.80})") from None
    _check_references(topic, file)
    return topic


# Bumped when the engine's meaning of a rule file changes (2: scores on the 0-1 scale,
# windows, anchors, exact terms): every stored match is then redone by ``newswatch rematch``.
ENGINE_VERSION = b"engine-2\n"


def file_version(content: bytes) -> str:
    return hashlib.sha256(ENGINE_VERSION + content).hexdigest()[:16]


def load_rule_file(path: Path) -> tuple[Topic, str]:
    """One topic and its version (hash of the file's bytes)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RulesError(path, None, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise RulesError(path, None, None, yaml_problem(exc)) from None
    return parse_topic(data, path), file_version(content)


def load_rule_files(rules_dir: Path) -> list[tuple[Topic, str, Path]]:
    """Every ``*.yaml``/``*.yml`` in ``rules_dir``, sorted by name; topic names must be unique."""
    if not rules_dir.is_dir():
        raise RulesError(rules_dir, None, None, "rules folder does not exist")
    files = sorted([*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")])
    if not files:
        raise RulesError(rules_dir, None, None, "no *.yaml rule files in this folder")
    loaded: list[tuple[Topic, str, Path]] = []
    seen: dict[str, Path] = {}
    for path in files:
        topic, version = load_rule_file(path)
        if topic.topic in seen:
            raise RulesError(path, topic.topic, "topic", f"topic name already used by {seen[topic.topic]}")
        seen[topic.topic] = path
        loaded.append((topic, version, path))
    return loaded


__all__ = ["LANGUAGES", "Anchor", "Entity", "Exclusion", "Expr", "Group", "RulesError", "Topic", "load_rule_files"]
