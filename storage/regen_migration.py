"""Regenerate the initial migration from the models (only while nothing has been released).

Usage: python -m storage.regen_migration
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from storage.db import MIGRATIONS_DIR, alembic_config


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        # later hand-written revisions (0002_fulltext, ...) point at 0001: park them meanwhile
        parked = [(later, Path(tmp) / later.name) for later in versions.glob("0*.py")]
        for later, place in parked:
            later.rename(place)
        try:
            cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
            command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        finally:
            for later, place in parked:
                place.rename(later)
    for new in versions.glob("0001_*.py"):
        print(f"wrote {new}")


if __name__ == "__main__":
    main()
