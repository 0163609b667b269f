"""Outlets as data: the typed record behind each entry of ``config/sources.yaml``.

A load error names the outlet and the field (``SourcesError``), so a typo in the YAML
says where to look instead of failing somewhere inside a crawl.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.config_files import describe_error, read_yaml, validate_entries
from common.languages import check_languages
from common.zones import check_zone


class SourcesError(ValueError):
    """sources.yaml is unreadable or an outlet in it is invalid."""


class Outlet(BaseModel):
    """One outlet (or one edition of a shared host, like France 24's /ar/)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Unique display name, e.g. 'Le360'.")
    homepage: str = Field(description="Start URL; its host and path bound discovery and links.")
    hosts: list[str] = Field(
        default_factory=list,
        description="Extra hosts of the outlet (m., amp., a feed CDN), as host or host:port. Only these, the "
        "homepage host and its www. twin are the outlet's: a sub-domain is another site unless listed.",
    )
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 code: MA, FR, ...")
    languages: list[str] = Field(min_length=1, description="Expected languages (fr, ar, en, es).")
    timezone: str = Field(default="", description="IANA zone for dates without one; default by country.")
    feeds: list[str] = Field(default_factory=list, description="RSS/Atom URLs; empty = discover.")
    sitemaps: list[str] = Field(default_factory=list, description="News sitemaps; empty = robots.txt.")
    sections: list[str] = Field(default_factory=list, description="Listing pages linking to articles.")
    allow: list[str] = Field(default_factory=list, description="Regexes an article URL must match.")
    deny: list[str] = Field(default_factory=list, description="Regexes that exclude a URL.")
    noise_selectors: list[str] = Field(default_factory=list, description="Extra CSS selectors to strip.")
    paywalled: bool = Field(default=False, description="Subscribers-only: headline and lede are all a crawl gets.")
    enabled: bool = True

    @field_validator("homepage", "feeds", "sitemaps", "sections", mode="after")
    @classmethod
    def _absolute_http(cls, value: Any) -> Any:
        for url in [value] if isinstance(value, str) else value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{url!r} is not an absolute http(s) URL")
        return value

    @field_validator("hosts")
    @classmethod
    def _bare_hosts(cls, value: list[str]) -> list[str]:
        for entry in value:
            parts = urlsplit(f"//{entry}")
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError as exc:
                raise ValueError(f"host {entry!r}: {exc}") from exc
            if not parts.hostname or parts.path or parts.query or parts.username or "/" in entry:
                raise ValueError(f"host {entry!r} is not a bare host name (host or host:port, no scheme or path)")
        return value

    _languages = field_validator("languages")(check_languages)

    @field_validator("allow", "deny")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_zone(value) if value else value

    @model_validator(mode="after")
    def _timezone(self) -> Outlet:
        zone = self.timezone or DEFAULT_TIMEZONES.get(self.country, "UTC")
        object.__setattr__(self, "timezone", zone)
        return self

    @property
    def host(self) -> str:
        return (urlsplit(self.homepage).hostname or "").lower()

    @property
    def path_prefix(self) -> str:
        """The homepage's path ('/fr/' for France 24 French); links must stay under it."""
        path = urlsplit(self.homepage).path or "/"
        return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


DEFAULT_TIMEZONES = {"MA": "Africa/Casablanca", "FR": "Europe/Paris", "ES": "Europe/Madrid"}


def _describe(error: Any) -> str:
    return describe_error(error, whole="(outlet)", allowed=Outlet.model_fields)


def parse_sources(data: Any, origin: str = "sources.yaml") -> list[Outlet]:
    """Validate the parsed YAML; raise one ``SourcesError`` listing every bad outlet."""
    if not isinstance(data, dict) or not isinstance(data.get("outlets"), list):
        raise SourcesError(f"{origin}: expected a mapping with an 'outlets:' list")
    outlets, problems = validate_entries(data["outlets"], Outlet, origin=origin, kind="outlet", describe=_describe)
    if problems:
        raise SourcesError("\n".join(problems))
    return outlets


def load_sources(path: Path | str) -> list[Outlet]:
    """Read and validate a sources file."""
    return parse_sources(read_yaml(path, SourcesError), origin=str(path))


def select_outlets(outlets: list[Outlet], names: list[str] | tuple[str, ...]) -> list[Outlet]:
    """Pick outlets by name (case-insensitive); unknown names are an error that lists the known ones."""
    if not names:
        return [o for o in outlets if o.enabled]
    by_name = {o.name.casefold(): o for o in outlets}
    missing = [n for n in names if n.casefold() not in by_name]
    if missing:
        raise SourcesError(f"unknown outlet(s) {', '.join(missing)}; known: {', '.join(o.name for o in outlets)}")
    return [by_name[n.casefold()] for n in names]
