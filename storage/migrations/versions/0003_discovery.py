"""discovered feeds and sitemaps per outlet (probing cache)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discovered_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("found_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_ok_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outlet", "url", name="uq_discovered_sources_outlet_url"),
    )
    with op.batch_alter_table("discovered_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discovered_sources_outlet"), ["outlet"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discovered_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discovered_sources_outlet"))
    op.drop_table("discovered_sources")
