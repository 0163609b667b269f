"""README documents every setting and command, and CI runs the test command README shows."""

import re
import subprocess
from pathlib import Path

from common.settings import env_var_names
from newswatch.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_documented() -> None:
    missing = [name for name in env_var_names() if name not in README]
    assert not missing, f"README.md does not document {missing}"


def test_every_command_is_documented() -> None:
    missing = [name for name in COMMANDS if f"newswatch {name}" not in README]
    assert not missing, f"README.md does not document {missing}"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    blocks = re.findall(r"```\n(.*?)\n```", README, flags=re.S)
    run_command, test_command = blocks[0], blocks[1]
    assert "pip install" in run_command and "newswatch run" in run_command
    assert "pip install" in test_command and "pytest" in test_command
    script = (
        "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md"
        " | grep -v '^<!--' | grep -v '^```' | head -n 1"
    )
    extracted = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert extracted.stdout.strip() == test_command.strip()
    assert script.split("|")[0].strip().split("'")[1] in (ROOT / ".ci" / "run").read_text()


def test_every_rule_file_and_outlet_file_is_mentioned() -> None:
    for rule in (ROOT / "config" / "rules").glob("*.yaml"):
        assert rule.stem in README, f"README.md does not mention the topic {rule.stem}"
