"""One "quiet outlet" and one error rate: the dashboard's Outlets page and the health alerts
use the same rule and the same threshold (alerts.yaml's ``health.quiet_hours``)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from alerts.health import OutletActivity, RunSummary, find_issues
from alerts.subscriptions import HealthPolicy, load_health_policy
from common.article import ExtractedArticle
from common.outlet_status import error_rate
from common.settings import get_settings, reset_settings
from dashboard.queries import OutletHealth, outlet_health
from storage.articles import ensure_outlet, store_article
from storage.db import get_engine, session_factory, upgrade
from storage.models import Article, Outlet

NOW = datetime.now(UTC)


def _seed(hours_ago: float) -> None:
    url = get_settings().resolved_database_url
    upgrade(url)
    with session_factory(get_engine(url))() as session:
        outlet_id = ensure_outlet(session, "Le360", "MA", "https://le360.ma/", ["fr"])
        store_article(session, ExtractedArticle(url="https://le360.ma/a", text="Texte.", title="Titre", language="fr"),
                      url="https://le360.ma/a", outlet_id=outlet_id, html=b"<p>", fetched_url="https://le360.ma/a")
        session.execute(update(Article).values(fetched_at=NOW - timedelta(hours=hours_ago)))
        session.execute(update(Outlet).values(created_at=NOW - timedelta(days=30)))
        session.commit()


def _alerts_says_quiet(hours_ago: float, policy: HealthPolicy) -> bool:
    runs = [RunSummary(1, NOW - timedelta(hours=1), NOW, "finished", {"Le360": {"pages": 5, "articles": 0}})]
    activity = [OutletActivity("Le360", NOW - timedelta(days=30), NOW - timedelta(hours=hours_ago))]
    return any(i.kind == "quiet" for i in find_issues(NOW, activity, runs, policy))


@pytest.mark.parametrize(("hours_ago", "alerts_yaml", "quiet"), [
    (30, "", False),  # the dashboard used to say quiet after 24 h while alerts waited 48 h
    (50, "", True),
    (30, "health:\n  quiet_hours: 24\n", True),
    (30, "health: [not, a, mapping]\n", False),  # an invalid file: the defaults, not a crash
])  # fmt: skip
def test_dashboard_and_alerts_agree_on_quiet(
    nw_env: Path, monkeypatch: pytest.MonkeyPatch, hours_ago: float, alerts_yaml: str, quiet: bool
) -> None:
    alerts_file = nw_env.parent / "alerts.yaml"
    alerts_file.write_text(alerts_yaml, encoding="utf-8")
    monkeypatch.setenv("NEWSWATCH_ALERTS_FILE", str(alerts_file))
    reset_settings()
    _seed(hours_ago)
    with session_factory(get_engine(get_settings().resolved_database_url))() as session:
        (health,) = outlet_health(session, now=NOW)
    assert health.quiet is quiet
    assert _alerts_says_quiet(hours_ago, load_health_policy(alerts_file)) is quiet


def test_one_error_rate_formula() -> None:
    assert error_rate(3, 0) == (1.0, 3) and error_rate(1, 4) == (0.25, 4) and error_rate(0, 0) == (0.0, 0)
    shown = OutletHealth("x", "MA", 0, 0, None, pages_7d=2, errors_7d=6, empty_7d=0, last_error=None,
                         last_error_at=None)
    assert shown.error_rate == 1.0  # errors without a page no longer show as 300 %
    assert OutletHealth("y", "MA", 0, 0, None, 0, 0, 0, None, None).error_rate is None
