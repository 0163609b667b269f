"""``newswatch digest``, ``newswatch deliveries`` and ``newswatch schedule``.

Thin click wrappers over ``alerts.service`` and ``alerts.scheduler``. Settings read:
DATABASE_URL, ALERTS_FILE / CONFIG_DIR, SMTP_*, OUTBOX_DIR, DATA_DIR.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from newswatch.commands.dates import parse_since
from newswatch.settings import get_settings


def _runtime() -> tuple[object, object]:
    from alerts.service import AlertsRuntime
    from alerts.subscriptions import AlertsConfigError, load_alerts
    from storage.db import get_engine, upgrade

    settings = get_settings()
    path = settings.resolved_alerts_file
    try:
        config = load_alerts(path)
    except AlertsConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    url = settings.resolved_database_url
    upgrade(url)
    from alerts.channels import ChannelError

    try:
        rt = AlertsRuntime.from_settings(get_engine(url), config, settings)
    except (ValueError, ChannelError) as exc:
        raise click.ClickException(str(exc)) from exc
    return rt, path


@click.command()
@click.option("--subscription", "-s", "names", multiple=True, help="Only this subscription (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the digest as text; send and record nothing.")
@click.option("--since", default=None, help="Window start (ISO date/time, UTC if no offset); default: last digest.")
@click.option("--immediate", is_flag=True, help="Build the immediate alert instead of the digest.")
def digest(names: tuple[str, ...], dry_run: bool, since: str | None, immediate: bool) -> None:
    """Build and send (or print) the digests of the subscriptions with a schedule."""
    from alerts.service import AlertsRuntime, run_digest

    rt, path = _runtime()
    assert isinstance(rt, AlertsRuntime)
    start = parse_since(since)
    kind = "immediate" if immediate else "digest"
    try:
        subs = [rt.config.get(n) for n in names] if names else [
            s for s in rt.config.subscriptions if (s.immediate if immediate else s.schedule)
        ]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not subs:
        click.echo(f"no {kind} subscriptions in {path}")
        return
    failed = False
    for sub in subs:
        if immediate and sub.immediate is None:
            raise click.ClickException(f"subscription {sub.name!r} has no immediate mode")
        for outcome in run_digest(rt, sub, since=start, dry_run=dry_run, kind=kind):
            if outcome.preview is not None:
                click.echo(f"--- {sub.name} ({outcome.stories} stories; would go via {outcome.channel})")
                click.echo(f"Subject: {outcome.preview.subject}\n")
                click.echo(outcome.preview.text)
                continue
            click.echo(outcome.line())
            failed = failed or outcome.status in ("pending", "failed")
    if failed:
        sys.exit(1)


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many, newest first.")
@click.option("--subscription", "-s", default=None)
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), default=None)
@click.option("--retry", "retry_id", type=int, default=None, help="Put a failed delivery back in the queue.")
def deliveries(limit: int, subscription: str | None, status: str | None, retry_id: int | None) -> None:
    """List recent deliveries and their status."""
    from alerts import ledger
    from alerts.service import AlertsRuntime

    rt, _ = _runtime()
    assert isinstance(rt, AlertsRuntime)
    if retry_id is not None:
        if not ledger.requeue(rt.engine, retry_id):
            raise click.ClickException(f"delivery {retry_id} is not a failed delivery")
        click.echo(f"delivery {retry_id} is pending again; the next digest or retry run sends it")
        return
    rows = ledger.recent(rt.engine, limit=limit, subscription=subscription, status=status)
    if not rows:
        click.echo("no deliveries yet")
        return
    click.echo(f"{'id':>5}  {'created (UTC)':16}  {'subscription':20} {'kind':9} {'channel':7} {'status':7} "
               f"{'tries':>5} {'stories':>7}  sent / next try / error")
    for d in rows:
        payload = d.payload or {}
        stories = len(payload.get("story_ids") or [])
        if d.status == "sent" and d.sent_at:
            extra = d.sent_at.strftime("%Y-%m-%d %H:%M")
        elif d.status == "pending" and d.next_attempt_at:
            extra = f"next {d.next_attempt_at:%Y-%m-%d %H:%M}"
        else:
            extra = ""
        if d.last_error:
            extra += f"  {d.last_error.splitlines()[0][:120]}"
        click.echo(f"{d.id:>5}  {d.created_at:%Y-%m-%d %H:%M}  {d.subscription[:20]:20} {d.kind:9} {d.channel:7} "
                   f"{d.status:7} {d.attempts:>5} {stories:>7}  {extra}")


@click.command()
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and their next fire times, then exit.")
@click.option("--count", default=3, show_default=True, help="With --list: fire times per job.")
def schedule(list_only: bool, count: int) -> None:
    """Run the scheduler: daily crawl, digests, immediate and health alerts (until SIGTERM)."""
    from alerts.lock import SchedulerAlreadyRunning
    from alerts.scheduler import job_specs, next_fire_times, run_scheduler
    from alerts.service import AlertsRuntime

    rt, path = _runtime()
    assert isinstance(rt, AlertsRuntime)
    if list_only:
        now = datetime.now(UTC)
        for spec in job_specs(rt.config):
            zone = getattr(spec.trigger, "timezone", UTC)
            times = ", ".join(t.astimezone(zone).isoformat() for t in next_fire_times(spec.trigger, now, count))
            click.echo(f"{spec.id}: {times}")
        return
    if rt.smtp is None:
        click.echo("no SMTP server configured (NEWSWATCH_SMTP_HOST): e-mails go to the outbox "
                   f"{rt.outbox}", err=True)
    try:
        code = run_scheduler(rt)
    except SchedulerAlreadyRunning as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)
