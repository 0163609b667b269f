"""The ``newswatch`` command: a thin click group whose subcommands live in ``newswatch.commands``.

Subcommands are imported only when run, so ``newswatch --help`` stays fast and one
broken optional part (say, the dashboard) cannot stop the crawl from running.
"""

from __future__ import annotations

import importlib
import logging
import os
import traceback
from importlib.metadata import PackageNotFoundError, version

import click

from newswatch.exitcodes import CliError, describe

# name -> "module:function", each a click.Command
COMMANDS: dict[str, str] = {
    "run": "newswatch.commands.run:run",
    "crawl": "newswatch.commands.crawl:crawl",
    "extract": "newswatch.commands.extract:extract",
    "export": "newswatch.commands.export:export",
    "db": "newswatch.commands.db:db",
    "demo": "newswatch.commands.demo:demo",
    "match": "newswatch.commands.match:match",
    "rematch": "newswatch.commands.match:rematch",
    "reextract": "newswatch.commands.reextract:reextract",
    "digest": "newswatch.commands.alerts:digest",
    "deliveries": "newswatch.commands.alerts:deliveries",
    "notify": "newswatch.commands.alerts:notify",
    "feedback": "newswatch.commands.feedback:feedback",
    "schedule": "newswatch.commands.alerts:schedule",
    "serve": "newswatch.commands.serve:serve",
    "outlets": "newswatch.commands.outlets:outlets",
    "watch": "newswatch.commands.watch:watch",
}


# name -> the first line of the command's help, for ``newswatch --help`` (kept equal to the
# commands' own help by tests/test_cli_start.py)
SUMMARIES: dict[str, str] = {
    "run": "Crawl every outlet, flag matches, send immediate alerts, health alerts and digests now.",
    "crawl": "Crawl the outlets into the database (incremental: stored URLs are not fetched again).",
    "extract": "Extract the article in SOURCE (a saved HTML file or an http(s) URL) and print it as JSON.",
    "export": "Export stored data.",
    "db": "Database maintenance.",
    "demo": "Serve a sample web of outlets on 127.0.0.1 and run the whole job on it.",
    "match": "Match articles (JSON lines from FILE or -) against the topic rules; print JSON lines.",
    "rematch": "Re-run changed rules over stored articles (those matched with an older rules version).",
    "reextract": "Re-run extraction (and matching) over the stored raw HTML; report what changed per field.",
    "digest": "Build and send (or print) the digests of the subscriptions with a schedule.",
    "deliveries": "List recent deliveries and their status.",
    "notify": "Check a subscription's channel (SMTP, Slack webhook) with a test message, recorded as a delivery.",
    "feedback": "Analysts' verdicts on matches, turned into rule-writing advice.",
    "schedule": "Run the scheduler: daily crawl, digests, immediate and health alerts (until SIGTERM).",
    "serve": "Run the web dashboard (matches, outlets, runs, deliveries, charts, /api).",
    "outlets": "The outlets of sources.yaml: list them with their health, check one.",
    "watch": "Poll feeds and news sitemaps every few minutes (conditional GET) and send immediate alerts.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``SUMMARIES``: click would import every command module to
        read its help (Scrapy, SQLAlchemy, trafilatura…), and ``newswatch --help`` must stay fast."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Expected failures (config, database, Redis, rules, alerts) become one ``Error:`` line
        with exit code 2 or 3; ``-v`` prints the traceback first. Anything else is a bug and
        keeps its traceback."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            known = describe(exc)
            if known is None:
                raise
            if ctx.find_root().params.get("verbose"):
                traceback.print_exc()
            message, code = known
            raise CliError(message, code) from exc


def _version() -> str:
    try:
        return version("newswatch")
    except PackageNotFoundError:
        return "unknown"


@click.group(cls=LazyGroup, epilog="Exit codes: 0 ok, 1 partial (some outlets failed or deliveries pending), "
             "2 usage or configuration error, 3 nothing could be fetched. See docs/cli.md.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging, and tracebacks with errors.")
@click.version_option(_version(), "--version", prog_name="newswatch")
def cli(verbose: bool) -> None:
    """newswatch: crawl news outlets, flag security-cooperation stories, send digests."""
    from common.logs import configure_logging

    configure_logging(_log_level(verbose), verbose)


def _log_level(verbose: bool) -> int:
    """DEBUG with -v, else NEWSWATCH_LOG_LEVEL (common/settings.py's ``log_level``, default INFO),
    read from the environment as pydantic-settings would (any case): loading the settings
    catalogue here costs ~0.1 s of every start (``newswatch extract``), and the commands that
    need settings load and validate them themselves."""
    if verbose:
        return logging.DEBUG
    name = next((value for key, value in os.environ.items() if key.upper() == "NEWSWATCH_LOG_LEVEL"), "INFO")
    level = getattr(logging, name.strip().upper(), logging.INFO)
    return level if isinstance(level, int) else logging.INFO


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
