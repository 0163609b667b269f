"""full-text search over article titles and texts

Revision ID: 0002
Revises: 0001

Not expressible in the models, so written by hand, one branch per dialect:
- SQLite: an FTS5 external-content table ``articles_fts`` (rowid = articles.id) kept in
  step by three triggers on ``articles`` (insert, delete, update of title/text);
- PostgreSQL: a GIN expression index ``ix_articles_fts`` over
  ``to_tsvector('simple', title || ' ' || text)`` ('simple': no stemming, so French,
  Arabic, English and Spanish are all searched alike).
``dashboard/search.py`` builds the matching queries; ``tests/test_migrations.py`` tells
``compare_metadata`` to ignore these objects.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "title, text, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_ai AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_ad AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS articles_fts_au",
    "DROP TRIGGER IF EXISTS articles_fts_ad",
    "DROP TRIGGER IF EXISTS articles_fts_ai",
    "DROP TABLE IF EXISTS articles_fts",
]
POSTGRES_UP = [
    "CREATE INDEX IF NOT EXISTS ix_articles_fts ON articles USING gin "
    "(to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(text, '')))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_articles_fts"]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})
