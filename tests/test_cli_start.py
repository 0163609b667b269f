"""`newswatch --help` lists every command without importing them (it must start fast)."""

import subprocess
import sys

import click

from newswatch.cli import COMMANDS, SUMMARIES, cli


def test_every_command_has_its_own_first_help_line_as_summary() -> None:
    ctx = click.Context(cli)
    assert set(SUMMARIES) == set(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and (command.help or "").strip().splitlines()[0] == SUMMARIES[name], name


def test_help_lists_the_commands_without_importing_them() -> None:
    probe = ("import sys; from click.testing import CliRunner; from newswatch.cli import cli; "
             "out = CliRunner().invoke(cli, ['--help']).output; "
             "heavy = [m for m in ('scrapy', 'sqlalchemy', 'trafilatura', 'pydantic_settings', 'newswatch.commands')"
             " if any(k == m or k.startswith(m + '.') for k in sys.modules)]; "
             "print(heavy); print(out)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    heavy, _, output = result.stdout.partition("\n")
    assert heavy == "[]", heavy
    for name in COMMANDS:
        assert f"  {name} " in output, name
