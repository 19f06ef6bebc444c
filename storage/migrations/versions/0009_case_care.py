"""cases remember their pack, their move, a hide and a flag

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TEXT = ("moved_from", "hidden_reason", "hidden_by", "flag_reason", "flagged_by")


def upgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        # the pack a case was recorded under; "" for cases from before: adopted at first start
        batch_op.add_column(
            sa.Column("rubric_key", sa.String(length=64), nullable=False, server_default="")
        )
        for name in _TEXT:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.create_index("ix_evidence_rubric_criterion", ["rubric_key", "criterion_key"])
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=96), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_person"), ["person"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_sent_at"), ["sent_at"], unique=False)
    op.create_table(
        "held_story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=96), nullable=False),
        sa.Column("nominees", sa.Text(), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("said_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_story")),
        sa.UniqueConstraint(
            "platform",
            "workspace",
            "channel",
            "message_id",
            name=op.f("uq_held_story_platform_workspace_channel_message_id"),
        ),
    )
    with op.batch_alter_table("held_story", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_story_author"), ["author"], unique=False)
    op.create_table(
        "participant",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=96), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "workspace", "channel", "person", name=op.f("pk_participant")
        ),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_person"), ["person"], unique=False)


def downgrade() -> None:
    op.drop_table("participant")
    op.drop_table("held_story")
    op.drop_table("notice")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_rubric_criterion")
        for name in reversed(_TEXT):
            batch_op.drop_column(name)
        batch_op.drop_column("rubric_key")
