"""The settings catalogue: every knob newswatch reads from the environment, declared once.

Each field's ``description`` is its documentation; ``tests/test_docs.py`` checks that
README.md documents every environment variable listed here. Secrets (SMTP password,
Slack webhooks, dashboard token) come only from the environment, never from ``config/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import overload

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_config_dir() -> Path:
    """``./config`` when run from a checkout; otherwise the config shipped beside the code."""
    local = Path.cwd() / "config"
    return local if (local / "sources.yaml").exists() else PROJECT_ROOT / "config"


class _PathOr:
    """A path setting as used: its own value, or when unset a fixed name under a folder setting
    (``sources_file`` or CONFIG_DIR/sources.yaml): one rule for every such default."""

    def __init__(self, field: str, folder: str, name: str) -> None:
        self.field, self.folder, self.name = field, folder, name

    @overload
    def __get__(self, settings: None, owner: type) -> _PathOr: ...
    @overload
    def __get__(self, settings: Settings, owner: type) -> Path: ...
    def __get__(self, settings: Settings | None, owner: type) -> Path | _PathOr:
        if settings is None:
            return self
        return getattr(settings, self.field) or getattr(settings, self.folder) / self.name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore", ignored_types=(_PathOr,))

    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "NEWSWATCH_DATABASE_URL"),
        description="SQLAlchemy URL of the store. Empty: SQLite (WAL) at DATA_DIR/newswatch.db. "
        "Example: postgresql+psycopg://user@127.0.0.1:5432/newswatch",
    )
    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite database, outbox and logs.")
    config_dir: Path = Field(
        default_factory=_default_config_dir,
        description="Folder holding sources.yaml, rules/ and alerts.yaml.",
    )
    sources_file: Path | None = Field(default=None, description="Outlet list; default CONFIG_DIR/sources.yaml.")
    rules_dir: Path | None = Field(default=None, description="Topic rule files; default CONFIG_DIR/rules.")
    alerts_file: Path | None = Field(default=None, description="Subscriptions; default CONFIG_DIR/alerts.yaml.")
    outbox_dir: Path | None = Field(
        default=None, description="Where messages go when no SMTP/Slack is configured; default DATA_DIR/outbox."
    )
    log_level: str = Field(default="INFO", description="Log level of the commands (DEBUG, INFO, WARNING).")

    # crawl
    user_agent: str = Field(
        default="newswatch/0.1 (+https://github.com/newswatch/newswatch; media monitoring bot)",
        description="User-Agent sent to outlets; robots.txt rules for it are obeyed.",
    )
    crawl_days: int = Field(default=2, description="Default age limit (days) of feed/sitemap items to fetch.")
    download_timeout: float = Field(default=30.0, description="Seconds before a request is abandoned.")
    max_response_bytes: int = Field(default=8 * 1024 * 1024, description="Responses larger than this are dropped.")
    concurrency_per_domain: int = Field(default=4, description="Parallel requests per outlet host.")
    concurrent_requests: int = Field(default=32, description="Parallel requests overall.")
    autothrottle: bool = Field(default=True, description="Adapt request rate to each server's latency.")
    download_delay: float = Field(default=0.25, description="Base delay (seconds) between requests to one host.")
    retry_times: int = Field(default=3, description="Retries for 5xx, 429 and timeouts (backoff, Retry-After).")
    retry_backoff_base: float = Field(default=1.0, description="First retry waits this long (s), then doubles.")
    retry_backoff_max: float = Field(
        default=60.0, description="Cap (s) on a retry's wait; a longer Retry-After gives up on that URL."
    )
    max_pages_per_outlet: int = Field(default=500, description="Cap on pages fetched per outlet per run.")
    allow_private_hosts: str = Field(
        default="",
        description="Hosts or networks (comma-separated; CIDR allowed; * = all) the crawler may reach although "
        "they are or resolve to loopback, private, link-local or metadata addresses. An outlet whose "
        "homepage is such an address literal needs no entry.",
    )
    extract_workers: int = Field(
        default=0, description="Extraction processes beside the crawler; 0 = one per CPU core."
    )
    store_batch: int = Field(
        default=8, ge=1, le=200,
        description="Pages an extraction process stores per database transaction (1 = one each).",
    )
    story_index_max: int = Field(
        default=64_000, ge=1000,
        description="Articles each page process keeps in its in-memory story index (~2.7 KB each: 64,000 is "
        "~170 MiB); beyond it the oldest are evicted before their 7-day window ends (logged).",
    )
    redis_url: str = Field(
        default="", description="Set to share one crawl frontier in Redis among workers (scrapy-redis)."
    )
    redis_seen_ttl: int = Field(
        default=6 * 3600, description="Seconds a fetched article URL stays in the shared Redis seen-set."
    )
    redis_lease: int = Field(
        default=600, description="Seconds a worker's claim on a scheduled URL lasts before others may take it."
    )
    redis_idle_seconds: float = Field(
        default=30.0, description="How long an idle worker waits for the shared queue to refill before stopping."
    )
    redis_key_prefix: str = Field(default="newswatch", description="Prefix of the Redis keys (one per deployment).")

    # delivery
    smtp_host: str = Field(default="", description="SMTP server; empty = e-mails written to the outbox.")
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_security: str = Field(default="starttls", description="starttls, tls or none.")
    smtp_user: str = Field(default="", description="SMTP login (optional).")
    smtp_password: str = Field(default="", description="SMTP password (optional; never logged).")
    smtp_from: str = Field(default="newswatch@localhost", description="From address of digests.")

    # dashboard
    dashboard_token: str = Field(
        default="", description="Password/token required by the dashboard on any non-loopback address."
    )
    dashboard_hosts: str = Field(
        default="",
        description="Comma-separated extra Host names the dashboard answers (loopback names always; "
        "'*' = any, not advised). Other Host headers get 400 (DNS-rebinding guard).",
    )
    public_url: str = Field(
        default="",
        description="The dashboard's public base URL (e.g. https://news.example.org) for Atom and "
        "links; empty = the address the server listens on, never the request's Host header.",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newswatch.db').resolve()}"

    resolved_sources_file = _PathOr("sources_file", "config_dir", "sources.yaml")
    resolved_rules_dir = _PathOr("rules_dir", "config_dir", "rules")
    resolved_alerts_file = _PathOr("alerts_file", "config_dir", "alerts.yaml")
    resolved_outbox_dir = _PathOr("outbox_dir", "data_dir", "outbox")


def env_var_names() -> list[str]:
    """Every environment variable the catalogue reads (for docs and their test)."""
    names: list[str] = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.extend(str(choice) for choice in alias.choices)
        else:
            names.append(f"NEWSWATCH_{name.upper()}")
    return names


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
