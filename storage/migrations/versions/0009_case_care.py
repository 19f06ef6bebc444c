"""cases remember their pack, their move, a hide and a flag

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
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


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_rubric_criterion")
        for name in reversed(_TEXT):
            batch_op.drop_column(name)
        batch_op.drop_column("rubric_key")
