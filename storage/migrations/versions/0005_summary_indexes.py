"""indexes for summaries at scale: a cycle's counts, a person's newest cases, one channel

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_evidence_cycle_counts",
        "evidence",
        ["nominated_on", "state", "nominee", "criterion_key"],
    )
    op.create_index("ix_evidence_newest", "evidence", ["nominee", "nominated_on", "id"])
    op.create_index("ix_evidence_channel", "evidence", ["platform", "channel", "nominated_on"])


def downgrade() -> None:
    op.drop_index("ix_evidence_channel", table_name="evidence")
    op.drop_index("ix_evidence_newest", table_name="evidence")
    op.drop_index("ix_evidence_cycle_counts", table_name="evidence")
