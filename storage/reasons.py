"""``Match.reasons``, typed: why the matcher flagged an article, parsed in one place.

The matcher (pipelines/matching/engine.py) writes this JSON into ``matches.reasons``; the
digest, the dashboard (highlights, labels, rules), the CSV export and the Atom feed read
it. Rows written by older versions, or edited by hand, may miss fields or carry wrong
types, so ``parse_reasons`` never fails: an item that does not fit is left out, a field
that does not fit takes its default. Offsets are character offsets into the article's
``title`` or ``text`` (``field``); a reader still checks them against the text it shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

# an offset that is not a whole number (a bool, a string) is no offset; a name that is not
# text is the text of its number, or nothing
Offset = Annotated[int | None, BeforeValidator(lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None)]
Text = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else "")]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    field: Text = "text"  # title | text
    start: Offset = None
    end: Offset = None
    text: Text = ""  # the words as written in the article
    name: Text = ""  # older rows: a display name instead of term/entity


class TermReason(_Item):
    term: Text = ""
    group: Text = ""
    lang: Text = ""

    @property
    def display(self) -> str:
        return self.term or self.name


class EntityReason(_Item):
    entity: Text = ""  # the entity id of the rule file
    label: Text = ""
    alias: Text = ""
    groups: Annotated[list[str], BeforeValidator(lambda v: _names(v))] = []

    @property
    def display(self) -> str:
        return self.entity or self.name or self.alias


class SnippetReason(_Item):
    pass


def _items_of(model: type[BaseModel]) -> BeforeValidator:
    """A list that keeps the items that validate as ``model`` (anything else: empty)."""

    def keep(value: Any) -> list[BaseModel]:
        kept = []
        for item in value if isinstance(value, list) else []:
            try:
                kept.append(model.model_validate(item))
            except ValidationError:
                continue
        return kept

    return BeforeValidator(keep)


def _names(value: Any) -> list[str]:
    """Rule or group names: strings or numbers, or mappings naming one (name/id/rule/group)."""
    names = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str | int) and not isinstance(item, bool):
            names.append(str(item))
        elif isinstance(item, dict):
            name = item.get("name") or item.get("id") or item.get("rule") or item.get("group")
            if name:
                names.append(str(name))
    return names


def _number_map(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float) and not isinstance(v, bool)}


class MatchReasons(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    terms: Annotated[list[TermReason], _items_of(TermReason)] = []
    entities: Annotated[list[EntityReason], _items_of(EntityReason)] = []
    groups: Annotated[list[str], BeforeValidator(_names)] = []  # keyword groups that fired
    rules: Annotated[list[str], BeforeValidator(_names)] = []  # rules credited (older rows)
    snippets: Annotated[list[SnippetReason], _items_of(SnippetReason)] = []
    score_parts: Annotated[dict[str, float], BeforeValidator(_number_map)] = {}
    evidence: float | None = None

    def rule_names(self, topic: str) -> list[str]:
        """The rules a match credits: ``rules``, else the keyword ``groups``, else its topic."""
        return self.rules or self.groups or [topic]


def parse_reasons(raw: Any) -> MatchReasons:
    """The reasons of a stored match; never raises (see the module docstring)."""
    if isinstance(raw, MatchReasons):
        return raw
    if not isinstance(raw, dict):
        return MatchReasons()
    try:
        return MatchReasons.model_validate(raw)
    except ValidationError:  # a scalar field of the wrong type (evidence: "high"): drop it
        return MatchReasons.model_validate({k: v for k, v in raw.items() if k != "evidence"})
