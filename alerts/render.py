"""Rendering: a ``Digest`` (or health issues) in, e-mail text/HTML and Slack Block Kit out. Pure.

Templates live in ``alerts/templates``. Every piece of scraped text is escaped for where
it goes: HTML autoescaping for the e-mail HTML part, Slack's ``& < >`` escaping for Block
Kit (so ``<!channel>`` or a forged ``<http://x|y>`` link is inert), and a one-line,
control-free subject so no header can be injected. Slack messages are split to Slack's
published limits (50 blocks per message, 3000 characters per section text, 150 per
header text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.digest import Digest, Entry, Segment, clean
from common.languages import RTL_LANGUAGES
from common.urls import safe_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION_CHARS = 3000
SLACK_MAX_HEADER_CHARS = 150
SLACK_MAX_TEXT_CHARS = 3000  # the fallback "text" we send; Slack allows far more
SUBJECT_MAX_CHARS = 160
_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HealthIssue:
    """One crawl-health problem (built by ``alerts.health``)."""

    key: str
    outlet: str
    kind: str  # quiet|errors|no_crawl|outage|failing
    message: str


@dataclass
class Rendered:
    """One message, ready for any channel; stored as a delivery's payload."""

    subject: str
    text: str
    html: str
    slack: list[dict[str, Any]] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        return {"subject": self.subject, "text": self.text, "html": self.html, "slack": self.slack}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Rendered:
        return cls(payload["subject"], payload["text"], payload["html"], list(payload.get("slack") or []))


# ------------------------------------------------------------------ escaping helpers
class SlackSafe(str):
    """A string already escaped for Slack mrkdwn (not escaped again by the template)."""


def slack_escape(value: Any) -> str:
    """Escape text for Slack: ``& < >`` as entities; ``@channel``-like words defused."""
    if isinstance(value, SlackSafe):
        return value
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub(lambda m: "@\u2060" + m.group(1), text)


def slack_url(url: str | None) -> SlackSafe:
    """A URL fit for ``<url|label>``: http(s) only, ``| < > space`` percent-encoded, ``&`` escaped."""
    url = safe_url(url)
    if not url:
        return SlackSafe("")
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")
    return SlackSafe(url.replace("&", "&amp;"))


def slack_bold(text: str) -> SlackSafe:
    inner = slack_escape(text).replace("*", "")
    return SlackSafe(f"*{inner}*" if inner.strip() else inner)


def isolate(text: str, rtl: bool) -> str:
    """Wrap right-to-left text in Unicode isolates for plain-text readers."""
    return f"\u2067{text}\u2069" if rtl else text


def subject_line(text: str) -> str:
    """One line, no CR/LF or other controls, bounded: scraped text cannot add a header."""
    return clean(text, SUBJECT_MAX_CHARS)


# ----------------------------------------------------------------------- environments
def _localdate_filter(zone: tzinfo) -> Any:
    def localdate(value: datetime | None) -> str:
        if value is None:
            return "?"
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return localdate


def _env(kind: str, zone: tzinfo) -> Environment:
    if kind == "html":
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    elif kind == "slack":
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=False,
            undefined=StrictUndefined,
            finalize=slack_escape,
        )
    else:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=False,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
    env.filters.update(
        safe_url=safe_url,
        slack_url=slack_url,
        slack_bold=slack_bold,
        isolate=isolate,
        localdate=_localdate_filter(zone),
    )
    return env


# --------------------------------------------------------------------------- digests
def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def digest_title(digest: Digest, kind: str = "digest") -> str:
    label = "alert" if kind == "immediate" else "digest"
    n = len(digest.entries)
    what = _plural(n, "new story") if n else "nothing new"
    return f"newswatch {label} · {digest.subscription} · {what}"


def digest_subject(digest: Digest, kind: str = "digest") -> str:
    prefix = "[newswatch alert]" if kind == "immediate" else "[newswatch]"
    n = len(digest.entries)
    if not n:
        return subject_line(f"{prefix} {digest.subscription}: nothing new")
    top = digest.entries[0].title
    return subject_line(f"{prefix} {digest.subscription}: {_plural(n, 'new story')} — {top}")


def _window(digest: Digest, zone: tzinfo) -> str:
    fmt = _localdate_filter(zone)
    return f"{fmt(digest.since)} → {fmt(digest.until)} ({getattr(zone, 'key', str(zone))})"


def render_digest(digest: Digest, *, zone: tzinfo = UTC, kind: str = "digest") -> Rendered:
    """E-mail subject, text and HTML parts, and the Slack messages of one digest."""
    context = {
        "title": digest_title(digest, kind),
        "subject": digest_subject(digest, kind),
        "window": _window(digest, zone),
        "counts": digest.topic_counts,
        "entries": digest.entries,
        "subscription": digest.subscription,
        "rtl_languages": RTL_LANGUAGES,
    }
    text = _env("text", zone).get_template("email.txt").render(context)
    html = _env("html", zone).get_template("email.html").render(context)
    slack = render_slack(digest, zone=zone, kind=kind)
    return Rendered(subject=digest_subject(digest, kind), text=text, html=html, slack=slack)


def _truncate_entry(entry: Entry, snippet_chars: int, title_chars: int, max_outlets: int) -> Entry:
    snippet: list[Segment] = []
    used = 0
    for seg in entry.snippet:
        room = snippet_chars - used
        if room <= 0:
            break
        piece = seg.text if len(seg.text) <= room else seg.text[: max(0, room - 1)] + "…"
        snippet.append(Segment(piece, seg.marked))
        used += len(piece)
    title = entry.title if len(entry.title) <= title_chars else entry.title[: max(1, title_chars - 1)] + "…"
    from dataclasses import replace

    return replace(entry, title=title, snippet=tuple(snippet), outlets=entry.outlets[:max_outlets])


def slack_section_text(entry: Entry, env: Environment) -> str:
    """The mrkdwn of one entry, shortened until it fits in one section (3000 chars)."""
    template = env.get_template("slack_entry.txt")
    snippet_chars, title_chars, max_outlets = 600, 300, 25
    while True:
        shown = _truncate_entry(entry, snippet_chars, title_chars, max_outlets)
        text = template.render(e=shown).strip()
        if len(shown.outlets) < len(entry.outlets):
            text += slack_escape(f" (+{len(entry.outlets) - len(shown.outlets)} more outlets)")
        if len(text) <= SLACK_MAX_SECTION_CHARS:
            return text
        if snippet_chars > 0:
            snippet_chars //= 2
        elif max_outlets > 1:
            max_outlets //= 2
        elif title_chars > 20:
            title_chars //= 2
        else:  # pathological: cut hard (an entity may break; never over the limit)
            return text[: SLACK_MAX_SECTION_CHARS - 1] + "…"


def _header_block(text: str) -> dict[str, Any]:
    text = clean(text)
    if len(text) > SLACK_MAX_HEADER_CHARS:
        text = text[: SLACK_MAX_HEADER_CHARS - 1] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": False}}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _split_messages(head: list[dict[str, Any]], body: Sequence[dict[str, Any]], fallback: str) -> list[dict[str, Any]]:
    """Pack blocks into messages of at most 50 blocks, the head on the first one."""
    messages: list[list[dict[str, Any]]] = []
    current = list(head)
    for block in body:
        if len(current) >= SLACK_MAX_BLOCKS:
            messages.append(current)
            current = []
        current.append(block)
    messages.append(current)
    total = len(messages)
    out = []
    for index, blocks in enumerate(messages, 1):
        text = fallback if total == 1 else f"{fallback} ({index}/{total})"
        out.append({"text": slack_escape(text)[:SLACK_MAX_TEXT_CHARS], "blocks": blocks})
    return out


def render_slack(digest: Digest, *, zone: tzinfo = UTC, kind: str = "digest") -> list[dict[str, Any]]:
    """Block Kit messages (``{"text", "blocks"}``) for an incoming webhook, within Slack's limits."""
    env = _env("slack", zone)
    title = digest_title(digest, kind)
    counts = " · ".join(f"{topic}: {n}" for topic, n in digest.topic_counts.items())
    head: list[dict[str, Any]] = [
        _header_block(title),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(
            _window(digest, zone) + (f" · {counts}" if counts else ""))[:SLACK_MAX_SECTION_CHARS]}]},
    ]
    body: list[dict[str, Any]] = []
    for entry in digest.entries:
        body.append({"type": "divider"})
        body.append(_section(slack_section_text(entry, env)))
    if not digest.entries:
        body.append(_section("Nothing new since the last digest."))
    return _split_messages(head, body, title)


# ---------------------------------------------------------------------------- health
def render_health(issues: Sequence[HealthIssue], subscription: str) -> Rendered:
    title = f"newswatch crawl health · {_plural(len(issues), 'problem')}"
    outlets = ", ".join(dict.fromkeys(clean(i.outlet, 60) for i in issues))
    subject = subject_line(f"[newswatch ops] {_plural(len(issues), 'crawl problem')}: {outlets}")
    shown = [HealthIssue(i.key, clean(i.outlet, 200), i.kind, clean(i.message, 500)) for i in issues]
    context = {"title": title, "subject": subject, "issues": shown, "subscription": subscription}
    text = _env("text", UTC).get_template("health.txt").render(context)
    html = _env("html", UTC).get_template("health.html").render(context)
    body = [_section(f"*{slack_escape(i.outlet)}*: {slack_escape(i.message)}"[:SLACK_MAX_SECTION_CHARS]) for i in shown]
    slack = _split_messages([_header_block(title)], body, title)
    return Rendered(subject=subject, text=text, html=html, slack=slack)
