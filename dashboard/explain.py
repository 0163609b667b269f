"""The article page's "Why / why not": the current rules' verdict on the stored text, per topic.

``newswatch match --explain`` tells a rule writer why an article matched or not; the
article page shows the same ``Matcher.explain`` output, computed on the stored title and
text with the app's matcher (loaded once, see ``deps.rules_matcher``): per topic the
score against the threshold, the groups found with their terms and entities, what the
``require`` structure is missing, the exclusions that fired and the hits set aside.

Pure: a matcher and an article in, plain records out; the template escapes every string
(the exclusion's text and the labels can come from scraped text).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from storage.models import Match

if TYPE_CHECKING:
    from pipelines.matching.engine import Explanation, Matcher

MAX_SET_ASIDE = 20  # hits set aside (ticker, anchor, surname) shown per topic; the rest are counted


@dataclass(frozen=True)
class SetAside:
    """A hit the matcher set aside (ticker line, anchor too far, surname alone), ``count`` times."""

    label: str
    field: str
    why: str
    count: int


@dataclass(frozen=True)
class TopicWhy:
    """One topic's explanation next to the stored match of that topic (if any)."""

    explanation: Explanation
    rules_version: str  # of the rules that explain now
    stored: Match | None = None

    @property
    def verdict(self) -> str:
        """``match``; ``near miss``: it would match but for a missing part of ``require`` (the
        score reached the threshold) or an exclusion that fired; ``no match``: something of the
        topic was found, not enough; ``nothing found``."""
        x = self.explanation
        if x.matched:
            return "match"
        if x.exclusions or (x.groups and x.score >= x.threshold):
            return "near miss"
        return "no match" if x.groups or x.dropped else "nothing found"

    @property
    def stale(self) -> bool:
        """The stored match was made with other rules than the ones explaining now."""
        return self.stored is not None and self.stored.rules_version != self.rules_version

    @property
    def disagrees(self) -> bool:
        """Stored and current verdicts differ (rules changed since, or the row came from elsewhere)."""
        return (self.stored is not None) != self.explanation.matched

    @cached_property
    def _all_set_aside(self) -> list[SetAside]:
        counts = Counter(
            (str(d.get("label", "")), str(d.get("field", "")), str(d.get("why", "")))
            for d in self.explanation.dropped
        )
        return [SetAside(label, field, why, n) for (label, field, why), n in counts.items()]

    @property
    def set_aside(self) -> list[SetAside]:
        """The hits set aside, each distinct one once with its count, at most MAX_SET_ASIDE."""
        return self._all_set_aside[:MAX_SET_ASIDE]

    @property
    def more_set_aside(self) -> int:
        """Distinct set-aside hits not listed."""
        return max(0, len(self._all_set_aside) - MAX_SET_ASIDE)


def why_by_topic(
    matcher: Matcher, title: str, text: str, language: str | None, stored: Sequence[Match] = ()
) -> list[TopicWhy]:
    """Every topic of ``matcher`` explained on the article: matches, near misses, then the
    rest by score (the topics a rule writer looks at come first). ``stored``: the article's
    Match rows, to show where the stored verdict and the current rules disagree."""
    by_topic = {m.topic: m for m in stored}
    out = [
        TopicWhy(x, matcher.version_of(x.topic), by_topic.get(x.topic))
        for x in matcher.explain(title or "", text or "", language)
    ]
    rank = {"match": 0, "near miss": 1, "no match": 2, "nothing found": 3}
    out.sort(key=lambda w: (rank[w.verdict], -w.explanation.score, w.explanation.topic))
    return out
