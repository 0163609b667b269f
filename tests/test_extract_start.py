"""`newswatch extract FILE` starts fast (issue 15: <= 0.6 s): it maps the cached language model
instead of decompressing it, and loads neither the settings catalogue (pydantic) nor the
crawl or storage stacks (bench/cli_start.py measures the time)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.cli import _log_level

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGE = PROJECT_ROOT / "tests" / "pages"

PROBE = """
import json, sys
import pipelines.langid_model as m
if sys.argv[2] == "warm":
    def no_lzma(*a):
        raise AssertionError("decompressed py3langid's model although it is cached")
    m._from_lzma = no_lzma
from click.testing import CliRunner
from newswatch.cli import cli
result = CliRunner().invoke(cli, ["extract", sys.argv[1]])
heavy = [name for name in ("scrapy", "sqlalchemy", "pydantic_settings", "alembic", "fastapi")
         if any(k == name or k.startswith(name + ".") for k in sys.modules)]
print(json.dumps({"code": result.exit_code, "output": result.stdout, "heavy": heavy,
                  "error": repr(result.exception)}))
"""


def _page() -> Path:
    pages = sorted((PAGE / "seeds").glob("*.html"))
    assert pages, f"no sample article under {PAGE / 'seeds'}"
    return pages[0]


def _run(page: Path, mode: str, cache_home: Path) -> dict[str, object]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    result = subprocess.run([sys.executable, "-c", PROBE, str(page), mode], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=240, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_extract_maps_the_cached_model_and_skips_the_heavy_stacks(tmp_path: Path) -> None:
    page = _page()
    first = _run(page, "cold", tmp_path)  # builds the cache
    second = _run(page, "warm", tmp_path)  # must not decompress again
    assert first["heavy"] == [] and second["heavy"] == [], (first["heavy"], second["heavy"])
    assert first["code"] == second["code"] == 0, (first["error"], second["error"])
    assert second["output"] == first["output"] and json.loads(str(second["output"]))["language"]
    assert list((tmp_path / "newswatch").glob("langid-*/manifest.json"))


@pytest.mark.parametrize(
    ("env", "verbose", "level"),
    [
        ({}, False, logging.INFO),
        ({}, True, logging.DEBUG),
        ({"NEWSWATCH_LOG_LEVEL": "warning"}, False, logging.WARNING),
        ({"newswatch_log_level": "DEBUG"}, False, logging.DEBUG),  # pydantic-settings ignores case too
        ({"NEWSWATCH_LOG_LEVEL": "loud"}, False, logging.INFO),
        ({"NEWSWATCH_LOG_LEVEL": "error"}, True, logging.DEBUG),
    ],
)
def test_log_level_from_the_environment(
    env: dict[str, str], verbose: bool, level: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.upper() == "NEWSWATCH_LOG_LEVEL"]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert _log_level(verbose) == level


def test_log_level_agrees_with_the_settings_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    from common.settings import get_settings, reset_settings

    monkeypatch.setenv("NEWSWATCH_LOG_LEVEL", "error")
    reset_settings()
    try:
        assert _log_level(False) == getattr(logging, get_settings().log_level.upper())
    finally:
        reset_settings()
