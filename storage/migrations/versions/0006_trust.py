"""trust: replayed requests refused, erased people remembered by pseudonym, server secrets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_seen",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "digest", name=op.f("pk_request_seen")),
    )
    op.create_index(
        op.f("ix_request_seen_expires_at"), "request_seen", ["expires_at"], unique=False
    )
    op.create_table(
        "erased_person",
        sa.Column("pseudonym", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("erased_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_erased_person")),
    )
    op.create_table(
        "server_secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secret")),
    )


def downgrade() -> None:
    op.drop_table("server_secret")
    op.drop_table("erased_person")
    op.drop_index(op.f("ix_request_seen_expires_at"), table_name="request_seen")
    op.drop_table("request_seen")
