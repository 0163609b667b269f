"""Topic rule files (``config/rules/*.yaml``): the schema, and a loader whose errors say where.

A topic is data: entities with aliases in every script, keyword groups per language, a
boolean ``require`` structure over the groups (all / any / none / near-within-N-words),
weights and a threshold, and exclusions for look-alikes. Every load error names the file,
the rule (topic) and the field, e.g.::

    config/rules/x.yaml: rule 'security-cooperation': field 'groups.security.terms.fr.3': ...

The rules version of a topic is a hash of its file's bytes, so a changed file re-matches.

Fields (see ``config/rules/security-cooperation.yaml`` for a full example)::

    topic: name               # default: the file name; lowercase, digits, - and _
    threshold: 6              # minimum score; each distinct term/entity adds its weight once
    title_weight: 2           # multiplier for terms/entities seen in the title
    entities:                 # id -> {weight, aliases (any case), acronyms (exact case)}
    groups:                   # name -> {weight, terms: {fr|en|es|ar: [str | {term, weight}]}, entities: [ids]}
    require:                  # a group name, or {all|any|none: [nodes]}, or {near: [g1, g2], within: N}
    exclusions:               # [{phrases: {lang: [...]}, near?: {lang: [...]}, unless?: [groups], within: N}]
    examples: {positive: [...], negative: [...]}   # checked by tests/test_rules.py

Terms and aliases are normalised like the text (case, accents, Arabic letter forms,
clitics, stemming), so write them once in their dictionary form.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


Term = str | TermSpec
TermsByLang = dict[Lang, list[Term]]


def term_text(term: Term) -> str:
    return term if isinstance(term, str) else term.term


def term_weight(term: Term) -> float:
    return 1.0 if isinstance(term, str) else term.weight


class Entity(_Strict):
    """A named thing: ``aliases`` match case-insensitively, ``acronyms`` case-sensitively."""

    weight: float = Field(default=1.0, gt=0)
    aliases: list[str] = Field(default_factory=list)
    acronyms: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Entity:
        if not self.aliases and not self.acronyms:
            raise ValueError("an entity needs at least one alias or acronym")
        return self


class Group(_Strict):
    """Terms (per language) and entities that count as one concept in ``require``."""

    weight: float = Field(default=1.0, gt=0)
    terms: TermsByLang = Field(default_factory=dict)
    entities: list[str] = Field(default_factory=list)


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
    within: int = Field(default=10, ge=1, le=1000)


class Expr(_Strict):
    """Boolean structure: exactly one of all / any / none / near (+ within)."""

    all: list[Node] | None = None
    any: list[Node] | None = None
    none: list[Node] | None = None
    near: list[str] | None = None
    within: int | None = Field(default=None, ge=1, le=10_000)

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
    threshold: float = Field(default=1.0, ge=0)
    title_weight: float = Field(default=2.0, ge=1)
    entities: dict[str, Entity] = Field(default_factory=dict)
    groups: dict[str, Group]
    require: Node
    exclusions: list[Exclusion] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)

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
    for ename, ent in topic.entities.items():
        for i, acr in enumerate(ent.acronyms):
            if not WORD_RE.search(acr):
                fail(f"entities.{ename}.acronyms.{i}", f"acronym {acr!r} has no letter in it")


_BRANCH_TAGS = {"str", "Expr", "TermSpec", "[key]"}


def _loc(loc: tuple[Any, ...]) -> str:
    """A field path without pydantic's union-branch and validator tags."""
    parts = [str(p) for p in loc if not str(p).startswith(("function-", "union[")) and str(p) not in _BRANCH_TAGS]
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
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise RulesError(file, rule, _loc(err["loc"]) or None, f"{msg} (got {err.get('input')!r:.80})") from None
    _check_references(topic, file)
    return topic


def file_version(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def load_rule_file(path: Path) -> tuple[Topic, str]:
    """One topic and its version (hash of the file's bytes)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RulesError(path, None, None, f"cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RulesError(path, None, None, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
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


__all__ = ["LANGUAGES", "Entity", "Exclusion", "Expr", "Group", "RulesError", "Topic", "load_rule_files"]
