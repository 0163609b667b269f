"""Display names of entities: what analysts read instead of ids like ``police_nationale_fr``.

The rule files name each entity (``label:``; ``Topic.entity_label(id)``); until a label
exists, the id is prettified. Loading the rules can fail (no rules folder on a
dashboard-only host): the dashboard then shows prettified ids (and no "why / why not")
rather than refusing to start.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.matching.engine import Matcher

log = logging.getLogger(__name__)
_SEPARATORS = re.compile(r"[_\-\s]+")

LabelFn = Callable[[str], str]


_VOWELS = set("aeiouy")


def _acronym(word: str) -> bool:
    """``dgsn``, ``dgsi``, ``gign``: short and nearly vowel-less reads as an acronym."""
    return word.isalpha() and 2 <= len(word) <= 5 and sum(c in _VOWELS for c in word.lower()) <= 1


def prettify(entity_id: str) -> str:
    """``police_nationale_fr`` -> ``Police nationale (FR)``, ``dgsn`` -> ``DGSN``: words,
    first one capitalised, acronym-like words in capitals, a trailing two-letter
    country/language code set apart."""
    words = [w for w in _SEPARATORS.split(str(entity_id).strip()) if w]
    if not words:
        return str(entity_id)
    suffix = ""
    if len(words) > 1 and len(words[-1]) == 2 and words[-1].isalpha():
        suffix = f" ({words.pop().upper()})"
    words = [w.upper() if _acronym(w) else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:] + suffix


def labels_from_topics(topics: Iterable[Any]) -> dict[str, str]:
    """entity id -> label, from loaded topics (``entity_label(id)`` or an entity's ``label``)."""
    out: dict[str, str] = {}
    for topic in topics:
        entities = getattr(topic, "entities", None) or {}
        getter = getattr(topic, "entity_label", None)
        for entity_id, entity in entities.items():
            label = None
            if callable(getter):
                try:
                    label = getter(entity_id)
                except Exception:  # a label lookup must never break a page
                    label = None
            label = label or getattr(entity, "label", None)
            if isinstance(label, str) and label.strip() and entity_id not in out:
                out[entity_id] = label.strip()
    return out


def load_matcher(rules_dir: Any = None) -> Matcher | None:
    """The configured rule files as the matcher (entity labels, "why / why not"); None when
    they cannot be loaded."""
    try:
        from pipelines.matching.engine import load_topics

        return load_topics(rules_dir)
    except Exception as exc:  # no rules here: prettified ids are still readable
        log.info("rules not loaded (%s): showing prettified ids and no explanation", exc)
        return None


def label_fn(labels: dict[str, str]) -> LabelFn:
    return lambda entity_id: labels.get(entity_id) or prettify(entity_id)
