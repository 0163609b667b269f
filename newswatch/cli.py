"""The ``newswatch`` command: a thin click group whose subcommands live in ``newswatch.commands``.

Subcommands are imported only when run, so ``newswatch --help`` stays fast and one
broken optional part (say, the dashboard) cannot stop the crawl from running.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from newswatch.settings import get_settings

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
    "schedule": "newswatch.commands.alerts:schedule",
    "serve": "newswatch.commands.serve:serve",
    "watch": "newswatch.commands.watch:watch",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

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


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def cli(verbose: bool) -> None:
    """newswatch: crawl news outlets, flag security-cooperation stories, send digests."""
    level = logging.DEBUG if verbose else getattr(logging, get_settings().log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # Scrapy sets its own loggers to DEBUG; the handler decides
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
