"""the appraisal: directory, reviews, assessments

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:36:54.099807
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("value_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("before", sa.Float(), nullable=False),
        sa.Column("after", sa.Float(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("on_appeal", sa.Boolean(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment")),
    )
    with op.batch_alter_table("adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adjustment_person"), ["person"], unique=False)
        batch_op.create_index(batch_op.f("ix_adjustment_review_id"), ["review_id"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("value_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("citations", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint(
            "review_id",
            "person",
            "kind",
            "value_key",
            name=op.f("uq_assessment_review_id_person_kind_value_key"),
        ),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_person"), ["person"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_review_id"), ["review_id"], unique=False)

    op.create_table(
        "directory",
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("manager", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person", name=op.f("pk_directory")),
    )
    with op.batch_alter_table("directory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_manager"), ["manager"], unique=False)

    op.create_table(
        "nonconforming",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("cycle_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("situation", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("task", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconforming")),
    )
    with op.batch_alter_table("nonconforming", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nonconforming_person"), ["person"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("self_due", sa.Date(), nullable=False),
        sa.Column("manager_due", sa.Date(), nullable=False),
        sa.Column("calibration_due", sa.Date(), nullable=False),
        sa.Column("appeal_workdays", sa.Integer(), nullable=False),
        sa.Column("guidance", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("opened_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_review_cycle_id")),
    )
    op.create_table(
        "review_answer",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("appeal", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("review_id", "person", name=op.f("pk_review_answer")),
    )
    op.create_table(
        "review_notice",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "review_id", "person", "stage", "kind", name=op.f("pk_review_notice")
        ),
    )


def downgrade() -> None:

    op.drop_table("review_notice")
    op.drop_table("review_answer")
    op.drop_table("review")
    with op.batch_alter_table("nonconforming", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconforming_person"))

    op.drop_table("nonconforming")
    with op.batch_alter_table("directory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_manager"))
        batch_op.drop_index(batch_op.f("ix_directory_email"))

    op.drop_table("directory")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_review_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_person"))

    op.drop_table("assessment")
    with op.batch_alter_table("adjustment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjustment_review_id"))
        batch_op.drop_index(batch_op.f("ix_adjustment_person"))

    op.drop_table("adjustment")
