"""``newswatch digest``, ``deliveries``, ``notify`` and ``schedule``.

Thin click wrappers over ``alerts.service`` and ``alerts.scheduler``. Settings read:
DATABASE_URL, ALERTS_FILE / CONFIG_DIR, SMTP_*, OUTBOX_DIR, DATA_DIR. Exit codes as
everywhere (docs/cli.md): 1 when a delivery is still pending or failed after the run.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from common.settings import get_settings
from newswatch.commands.dates import SINCE_HELP, parse_since
from newswatch.exitcodes import OK, PARTIAL, USAGE, CliError

DATABASE_URL_OPTION = click.option("--database-url", default=None, help="Override DATABASE_URL.")


def _runtime(database_url: str | None = None) -> tuple[object, object]:
    from alerts.service import AlertsRuntime
    from alerts.subscriptions import AlertsConfigError, load_alerts
    from storage.db import get_engine, upgrade

    settings = get_settings()
    path = settings.resolved_alerts_file
    try:
        config = load_alerts(path)
    except AlertsConfigError as exc:
        raise CliError(str(exc), USAGE) from exc
    url = database_url or settings.resolved_database_url
    upgrade(url)
    from alerts.channels import ChannelError

    try:
        rt = AlertsRuntime.from_settings(get_engine(url), config, settings)
    except (ValueError, ChannelError) as exc:
        raise CliError(str(exc), USAGE) from exc
    return rt, path


def run_digests(names: tuple[str, ...], dry_run: bool, since: str | None, immediate: bool,
                database_url: str | None = None) -> int:
    """The digest command's body; returns its exit code (1 = a delivery is still pending or failed)."""
    from alerts import ledger
    from alerts.service import AlertsRuntime, run_digest

    rt, path = _runtime(database_url)
    assert isinstance(rt, AlertsRuntime)
    start = parse_since(since)
    kind = "immediate" if immediate else "digest"
    try:
        subs = [rt.config.get(n) for n in names] if names else [
            s for s in rt.config.subscriptions if (s.immediate if immediate else s.schedule)
        ]
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from exc
    if not subs:
        click.echo(f"no {kind} subscriptions in {path}")
        return OK
    for sub in subs:
        if immediate and sub.immediate is None:
            raise CliError(f"subscription {sub.name!r} has no immediate mode", USAGE)
        for outcome in run_digest(rt, sub, since=start, dry_run=dry_run, kind=kind):
            if outcome.preview is not None:
                click.echo(f"--- {sub.name} ({outcome.stories} stories; would go via {outcome.channel})")
                click.echo(f"Subject: {outcome.preview.subject}\n")
                click.echo(outcome.preview.text)
                continue
            click.echo(outcome.line())
    if dry_run:
        return OK
    waiting = ledger.pending_count(rt.engine, [s.name for s in subs])
    failed = ledger.recent(rt.engine, limit=1000, status="failed")
    failed_here = [d for d in failed if d.subscription in {s.name for s in subs}]
    if waiting or failed_here:
        click.echo(f"{waiting} delivery(ies) pending, {len(failed_here)} failed: see `newswatch deliveries`",
                   err=True)
        return PARTIAL
    return OK


@click.command()
@click.option("--subscription", "-s", "names", multiple=True, help="Only this subscription (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the digest as text; send and record nothing.")
@click.option("--since", default=None, help=SINCE_HELP + " Default: the end of the last digest's window.")
@click.option("--immediate", is_flag=True, help="Build the immediate alert instead of the digest.")
@DATABASE_URL_OPTION
def digest(names: tuple[str, ...], dry_run: bool, since: str | None, immediate: bool,
           database_url: str | None) -> None:
    """Build and send (or print) the digests of the subscriptions with a schedule.

    Exit code 1 when a delivery is still pending (its retry is scheduled) or failed."""
    sys.exit(run_digests(names, dry_run, since, immediate, database_url))


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many, newest first.")
@click.option("--subscription", "-s", default=None)
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), default=None)
@click.option("--retry", "retry_id", type=int, default=None,
              help="Put a failed delivery back in the queue, with its attempts reset.")
@DATABASE_URL_OPTION
def deliveries(limit: int, subscription: str | None, status: str | None, retry_id: int | None,
               database_url: str | None) -> None:
    """List recent deliveries and their status."""
    from alerts import ledger
    from alerts.service import AlertsRuntime

    rt, _ = _runtime(database_url)
    assert isinstance(rt, AlertsRuntime)
    if retry_id is not None:
        done = ledger.requeue(rt.engine, retry_id)
        if not done:
            raise CliError(done.reason, USAGE)
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
        if d.last_error and d.status != "sent":
            extra += f"  {d.last_error.splitlines()[0][:120]}"
        elif payload.get("sent_note"):
            extra += f"  ({str(payload['sent_note'])[:120]})"
        click.echo(f"{d.id:>5}  {d.created_at:%Y-%m-%d %H:%M}  {d.subscription[:20]:20} {d.kind:9} {d.channel:7} "
                   f"{d.status:7} {d.attempts:>5} {stories:>7}  {extra}")


@click.command()
@click.option("--test", "subscription", required=True, metavar="SUBSCRIPTION",
              help="Send a short test message to this subscription through its real channel.")
@DATABASE_URL_OPTION
def notify(subscription: str, database_url: str | None) -> None:
    """Check a subscription's channel (SMTP, Slack webhook) with a test message, recorded as a delivery."""
    from alerts.service import AlertsRuntime, send_test

    rt, _ = _runtime(database_url)
    assert isinstance(rt, AlertsRuntime)
    try:
        sub = rt.config.get(subscription)
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from exc
    outcome = send_test(rt, sub)
    click.echo(outcome.line())
    sys.exit(OK if outcome.status == "sent" else PARTIAL)


@click.command()
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and their next fire times, then exit.")
@click.option("--count", default=3, show_default=True, help="With --list: fire times per job.")
@DATABASE_URL_OPTION
def schedule(list_only: bool, count: int, database_url: str | None) -> None:
    """Run the scheduler: daily crawl, digests, immediate and health alerts (until SIGTERM)."""
    from alerts.lock import SchedulerAlreadyRunning
    from alerts.scheduler import job_specs, next_fire_times, run_scheduler
    from alerts.service import AlertsRuntime

    rt, path = _runtime(database_url)
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
        raise CliError(str(exc), USAGE) from exc
    sys.exit(code)
