"""Asking a Matcher about one topic in tests: a matcher from a rule written inline, whether
a text is flagged, and the engine's own explanation to show when an assertion fails."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from pipelines.matching.engine import Matcher, load_topics

TOPIC = "t"  # the topic an inline rule defines (its file name)


def matcher_from_rule(rule: str, directory: Path) -> Matcher:
    """A matcher of the one topic ``rule`` (YAML, indented as written in the test) defines."""
    (directory / f"{TOPIC}.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
    return load_topics(directory)


def rule_matcher(rule: str) -> Any:
    """A module-scoped fixture giving a matcher of the inline ``rule``: ``matcher = rule_matcher(RULE)``."""

    @pytest.fixture(scope="module")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
        return matcher_from_rule(rule, tmp_path_factory.mktemp("rules"))

    return fixture


def hit(m: Matcher, text: str, lang: str | None = "fr", title: str = "", topic: str = TOPIC) -> bool:
    """Whether ``topic`` flags the text."""
    return any(x.topic == topic for x in m.match(title, text, lang))


def explanation(m: Matcher, text: str, lang: str | None = "fr", title: str = "", topic: str = TOPIC) -> str:
    """The engine's explanation of its verdict on ``topic``, line by line (for a failing assert)."""
    return "\n".join(line for e in m.explain(title, text, lang) if e.topic == topic for line in e.lines())
