"""tallies on PostgreSQL: a channel's replies counted once per statement, not per row

A reply counts once while any of its cases is counted. PostgreSQL fires a row trigger after
the whole statement, so in a statement that deletes or changes several cases of one message
(retention's batches, a retraction) every row saw the message already gone and took it off
once each. The replies are now counted by statement triggers over the statement's transition
tables: per message, the cases counted after the statement against those before it. SQLite
fires its row triggers as each row changes, which was already right.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 00:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ROW_TRIGGER = """CREATE OR REPLACE FUNCTION tally_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE o evidence; n evidence;
    BEGIN
      IF TG_OP <> 'INSERT' THEN o := OLD; END IF;
      IF TG_OP <> 'DELETE' THEN n := NEW; END IF;
      IF o.state = 'active' THEN PERFORM tally_apply(o, -1); END IF;
      IF n.state = 'active' THEN PERFORM tally_apply(n, 1); END IF;
      {replies}
      RETURN NULL;
    END $$"""
_OLD_REPLIES = """IF o.state = 'active' THEN PERFORM tally_replies(o, o, n); END IF;
      IF n.state = 'active' AND (o.state IS DISTINCT FROM 'active' OR tally_in(o, n) = 0) THEN
        PERFORM tally_replies(n, o, n);
      END IF;"""
_ROWS = (
    "SELECT platform, workspace, channel, source_message_id, tally_quarter(nominated_on) AS q, "
    "{came} AS came, {gone} AS gone FROM {table} WHERE state = 'active'"
)
_STATEMENT = """CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      WITH changed AS ({rows}),
      per AS (
        SELECT platform, workspace, channel, source_message_id, q,
               sum(came) AS came, sum(gone) AS gone
        FROM changed GROUP BY platform, workspace, channel, source_message_id, q
      ),
      counted AS (
        SELECT p.*, (SELECT count(*) FROM evidence e WHERE e.platform = p.platform
            AND e.workspace = p.workspace AND e.channel = p.channel
            AND e.source_message_id = p.source_message_id AND e.state = 'active'
            AND tally_quarter(e.nominated_on) = p.q) AS after
        FROM per p
      ),
      delta AS (
        SELECT q, platform, channel,
               sum((after > 0)::int - ((after - came + gone) > 0)::int) AS d
        FROM counted GROUP BY q, platform, channel
      )
      UPDATE tally_channel t SET replies = t.replies + delta.d FROM delta
        WHERE t.quarter = delta.q AND t.platform = delta.platform
        AND t.channel = delta.channel AND delta.d <> 0;
      RETURN NULL;
    END $$"""
_CAME = _ROWS.format(came=1, gone=0, table="came_rows")
_GONE = _ROWS.format(came=0, gone=1, table="gone_rows")
_TRIGGERS = {
    # name: (event, REFERENCING …, the statement's rows)
    "tally_replies_inserted": ("INSERT", "NEW TABLE AS came_rows", _CAME),
    "tally_replies_deleted": ("DELETE", "OLD TABLE AS gone_rows", _GONE),
    "tally_replies_updated": (
        "UPDATE",
        "OLD TABLE AS gone_rows NEW TABLE AS came_rows",
        f"{_CAME} UNION ALL {_GONE}",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_ROW_TRIGGER.format(replies=""))
    for name, (event, referencing, rows) in _TRIGGERS.items():
        op.execute(_STATEMENT.format(name=name, rows=rows))
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON evidence REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # the replies as counted: any drift the row triggers left is recounted once
    op.execute(
        "UPDATE tally_channel t SET replies = coalesce((SELECT count(DISTINCT "
        "e.workspace || ' ' || e.source_message_id) FROM evidence e WHERE e.state = 'active' "
        "AND e.platform = t.platform AND e.channel = t.channel "
        "AND tally_quarter(e.nominated_on) = t.quarter), 0)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON evidence")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute(_ROW_TRIGGER.format(replies=_OLD_REPLIES))
