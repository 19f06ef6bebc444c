"""tallies of counted cases kept by the database itself, for the web app's overview

Every change to a counted case (state `active`) adds or takes one from the tallies in the same
transaction, by triggers: whatever writes the evidence table (nominations, edits, deletions,
undo, moves, hiding, erasure, retention, a migration) keeps them right. Keyed by the calendar
quarter of the case's day (`2026Q4`): the default cycles.

    tally_day          day → cases
    tally_person       quarter, role (e: nominee, r: nominator), person → cases
    tally_criterion    quarter, criterion, nominee → cases   (a row while cases > 0)
    tally_level        quarter, criterion → people with a case there
    tally_channel      quarter, platform, channel → posts, replies with a case, cases, the
                       newest day with a case
    tally_channel_day  platform, channel, day → cases   (a row while cases > 0)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TABLES = (
    "tally_channel_day",
    "tally_channel",
    "tally_level",
    "tally_criterion",
    "tally_person",
    "tally_day",
)


def _tables() -> None:
    text, short = sa.String(length=96), sa.String(length=80)
    quarter = sa.String(length=8)
    op.create_table(
        "tally_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_tally_day")),
    )
    op.create_table(
        "tally_person",
        sa.Column("quarter", quarter, nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("person", text, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "role", "person", name=op.f("pk_tally_person")),
    )
    op.create_table(
        "tally_criterion",
        sa.Column("quarter", quarter, nullable=False),
        sa.Column("criterion_key", short, nullable=False),
        sa.Column("nominee", text, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "quarter", "criterion_key", "nominee", name=op.f("pk_tally_criterion")
        ),
    )
    op.create_table(
        "tally_level",
        sa.Column("quarter", quarter, nullable=False),
        sa.Column("criterion_key", short, nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "criterion_key", name=op.f("pk_tally_level")),
    )
    op.create_table(
        "tally_channel",
        sa.Column("quarter", quarter, nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),  # the newest day with a counted case
        sa.PrimaryKeyConstraint("quarter", "platform", "channel", name=op.f("pk_tally_channel")),
    )
    op.create_table(
        "tally_channel_day",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "channel", "day", name=op.f("pk_tally_channel_day")),
    )


# ---- SQLite: triggers are SQL statements, each guarded by its own condition -----------------


def _q(x: str, column: str = "nominated_on") -> str:
    return (
        f"(strftime('%Y', {x}.{column}) || 'Q' || "
        f"((CAST(strftime('%m', {x}.{column}) AS INTEGER) + 2) / 3))"
    )


def _sqlite_apply(x: str, d: str) -> str:
    """The statements that add `d` (1 or -1) of case row `x` (NEW or OLD) to the tallies;
    a taking away also drops the rows it brings to zero (an adding never does)."""
    q = _q(x)
    upsert = "ON CONFLICT ({keys}) DO UPDATE SET {n} = {n} + excluded.{n};"
    newest = (
        ", last_day = max(coalesce(last_day, excluded.last_day), excluded.last_day)"
        if d == "1"
        else ""
    )
    added = f"""
  INSERT INTO tally_day (day, cases) VALUES ({x}.nominated_on, {d})
    {upsert.format(keys="day", n="cases")}
  INSERT INTO tally_person (quarter, role, person, cases) VALUES ({q}, 'e', {x}.nominee, {d})
    {upsert.format(keys="quarter, role, person", n="cases")}
  INSERT INTO tally_person (quarter, role, person, cases) VALUES ({q}, 'r', {x}.nominator, {d})
    {upsert.format(keys="quarter, role, person", n="cases")}
  INSERT INTO tally_criterion (quarter, criterion_key, nominee, cases)
    VALUES ({q}, {x}.criterion_key, {x}.nominee, {d})
    {upsert.format(keys="quarter, criterion_key, nominee", n="cases")}
  INSERT INTO tally_channel (quarter, platform, channel, posts, replies, cases, last_day)
    VALUES ({q}, {x}.platform, {x}.channel, 0, 0, {d}, {x}.nominated_on)
    ON CONFLICT (quarter, platform, channel) DO UPDATE SET cases = cases + excluded.cases{newest};
  INSERT INTO tally_channel_day (platform, channel, day, cases)
    VALUES ({x}.platform, {x}.channel, {x}.nominated_on, {d})
    {upsert.format(keys="platform, channel, day", n="cases")}"""
    if d == "1":
        return added
    return (
        added
        + f"""
  DELETE FROM tally_person WHERE quarter = {q} AND cases <= 0
    AND ((role = 'e' AND person = {x}.nominee) OR (role = 'r' AND person = {x}.nominator));
  DELETE FROM tally_criterion WHERE quarter = {q} AND criterion_key = {x}.criterion_key
    AND nominee = {x}.nominee AND cases <= 0;
  DELETE FROM tally_channel_day WHERE platform = {x}.platform AND channel = {x}.channel
    AND day = {x}.nominated_on AND cases <= 0;
  UPDATE tally_channel SET last_day = (SELECT max(d.day) FROM tally_channel_day d
      WHERE d.platform = {x}.platform AND d.channel = {x}.channel AND {_q("d", "day")} = {q})
    WHERE quarter = {q} AND platform = {x}.platform AND channel = {x}.channel;"""
    )


def _same_message(y: str, x: str) -> str:
    return (
        f"({y}.state = 'active' AND {y}.platform = {x}.platform AND {y}.workspace = {x}.workspace"
        f" AND {y}.channel = {x}.channel AND {y}.source_message_id = {x}.source_message_id"
        f" AND {_q(y)} = {_q(x)})"
    )


def _sqlite_replies(x: str, new: str | None, old: str | None, guard: str = "1") -> str:
    """replies of x's (quarter, channel) += [message counted after] - [counted before]."""
    after = (
        f"(SELECT count(*) FROM evidence e WHERE e.platform = {x}.platform"
        f" AND e.workspace = {x}.workspace AND e.channel = {x}.channel"
        f" AND e.source_message_id = {x}.source_message_id AND e.state = 'active'"
        f" AND {_q('e')} = {_q(x)})"
    )
    added = _same_message(new, x) if new else "0"
    taken = _same_message(old, x) if old else "0"
    return f"""
  UPDATE tally_channel
    SET replies = replies + ({after} > 0) - (({after} - {added} + {taken}) > 0)
    WHERE quarter = {_q(x)} AND platform = {x}.platform AND channel = {x}.channel AND {guard};"""


def _sqlite_first_reply() -> str:
    """A new counted case: its message is one more reply when it is the message's only
    counted case in its quarter (the usual case: one count, no arithmetic)."""
    return f"""
  UPDATE tally_channel SET replies = replies + 1
    WHERE quarter = {_q("NEW")} AND platform = NEW.platform AND channel = NEW.channel
    AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.platform = NEW.platform
      AND e.workspace = NEW.workspace AND e.channel = NEW.channel
      AND e.source_message_id = NEW.source_message_id AND e.id <> NEW.id
      AND e.state = 'active' AND {_q("e")} = {_q("NEW")});"""


_WATCHED = "state, nominee, nominator, criterion_key, nominated_on"


def _sqlite_triggers() -> list[str]:
    moved = (
        f"(OLD.state <> 'active' OR OLD.platform <> NEW.platform OR OLD.channel <> NEW.channel"
        f" OR OLD.workspace <> NEW.workspace OR OLD.source_message_id <> NEW.source_message_id"
        f" OR {_q('OLD')} <> {_q('NEW')})"
    )
    return [
        "CREATE TRIGGER tally_case_insert AFTER INSERT ON evidence WHEN NEW.state = 'active' "
        f"BEGIN {_sqlite_apply('NEW', '1')} {_sqlite_first_reply()} END",
        "CREATE TRIGGER tally_case_delete AFTER DELETE ON evidence WHEN OLD.state = 'active' "
        f"BEGIN {_sqlite_apply('OLD', '-1')} {_sqlite_replies('OLD', None, 'OLD')} END",
        f"CREATE TRIGGER tally_case_update_old AFTER UPDATE OF {_WATCHED} ON evidence "
        "WHEN OLD.state = 'active' "
        f"BEGIN {_sqlite_apply('OLD', '-1')} {_sqlite_replies('OLD', 'NEW', 'OLD')} END",
        f"CREATE TRIGGER tally_case_update_new AFTER UPDATE OF {_WATCHED} ON evidence "
        "WHEN NEW.state = 'active' "
        f"BEGIN {_sqlite_apply('NEW', '1')} {_sqlite_replies('NEW', 'NEW', 'OLD', moved)} END",
        "CREATE TRIGGER tally_level_insert AFTER INSERT ON tally_criterion BEGIN "
        "INSERT INTO tally_level (quarter, criterion_key, people) "
        "VALUES (NEW.quarter, NEW.criterion_key, 1) "
        "ON CONFLICT (quarter, criterion_key) DO UPDATE SET people = people + 1; END",
        "CREATE TRIGGER tally_level_delete AFTER DELETE ON tally_criterion BEGIN "
        "UPDATE tally_level SET people = people - 1 "
        "WHERE quarter = OLD.quarter AND criterion_key = OLD.criterion_key; END",
        *(_sqlite_post_triggers()),
    ]


def _sqlite_post_triggers() -> list[str]:
    def post(x: str, d: str) -> str:
        return (
            "INSERT INTO tally_channel (quarter, platform, channel, posts, replies, cases) "
            f"SELECT {_q(x, 'local_date')}, {x}.platform, {x}.channel, {d}, 0, 0 "
            f"WHERE {x}.status = 'posted' "
            "ON CONFLICT (quarter, platform, channel) DO UPDATE SET posts = posts + excluded.posts;"
        )

    return [
        f"CREATE TRIGGER tally_post_insert AFTER INSERT ON daily_post BEGIN {post('NEW', '1')} END",
        f"CREATE TRIGGER tally_post_delete AFTER DELETE ON daily_post BEGIN {post('OLD', '-1')} END",
        "CREATE TRIGGER tally_post_update AFTER UPDATE OF status, local_date ON daily_post "
        f"BEGIN {post('OLD', '-1')} {post('NEW', '1')} END",
    ]


# ---- PostgreSQL: one function per job ------------------------------------------------------

_POSTGRES = [
    """CREATE FUNCTION tally_quarter(d date) RETURNS text LANGUAGE sql IMMUTABLE
       AS $$ SELECT to_char(d, 'YYYY"Q"Q') $$""",
    """CREATE FUNCTION tally_apply(x evidence, d integer) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE q text := tally_quarter(x.nominated_on);
    BEGIN
      INSERT INTO tally_day (day, cases) VALUES (x.nominated_on, d)
        ON CONFLICT (day) DO UPDATE SET cases = tally_day.cases + d;
      INSERT INTO tally_person (quarter, role, person, cases) VALUES (q, 'e', x.nominee, d)
        ON CONFLICT (quarter, role, person) DO UPDATE SET cases = tally_person.cases + d;
      INSERT INTO tally_person (quarter, role, person, cases) VALUES (q, 'r', x.nominator, d)
        ON CONFLICT (quarter, role, person) DO UPDATE SET cases = tally_person.cases + d;
      INSERT INTO tally_criterion (quarter, criterion_key, nominee, cases)
        VALUES (q, x.criterion_key, x.nominee, d)
        ON CONFLICT (quarter, criterion_key, nominee)
        DO UPDATE SET cases = tally_criterion.cases + d;
      INSERT INTO tally_channel (quarter, platform, channel, posts, replies, cases, last_day)
        VALUES (q, x.platform, x.channel, 0, 0, d, CASE WHEN d > 0 THEN x.nominated_on END)
        ON CONFLICT (quarter, platform, channel) DO UPDATE SET cases = tally_channel.cases + d,
          last_day = greatest(tally_channel.last_day, excluded.last_day);
      INSERT INTO tally_channel_day (platform, channel, day, cases)
        VALUES (x.platform, x.channel, x.nominated_on, d)
        ON CONFLICT (platform, channel, day) DO UPDATE SET cases = tally_channel_day.cases + d;
      IF d < 0 THEN
        DELETE FROM tally_person WHERE quarter = q AND cases <= 0
          AND ((role = 'e' AND person = x.nominee) OR (role = 'r' AND person = x.nominator));
        DELETE FROM tally_criterion WHERE quarter = q AND criterion_key = x.criterion_key
          AND nominee = x.nominee AND cases <= 0;
        DELETE FROM tally_channel_day WHERE platform = x.platform AND channel = x.channel
          AND day = x.nominated_on AND cases <= 0;
        UPDATE tally_channel SET last_day = (SELECT max(c.day) FROM tally_channel_day c
            WHERE c.platform = x.platform AND c.channel = x.channel
            AND tally_quarter(c.day) = q)
          WHERE quarter = q AND platform = x.platform
          AND channel = x.channel;
      END IF;
    END $$""",
    """CREATE FUNCTION tally_in(y evidence, x evidence) RETURNS integer LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN y.state = 'active' AND y.platform = x.platform
      AND y.workspace = x.workspace AND y.channel = x.channel
      AND y.source_message_id = x.source_message_id
      AND tally_quarter(y.nominated_on) = tally_quarter(x.nominated_on) THEN 1 ELSE 0 END $$""",
    """CREATE FUNCTION tally_replies(x evidence, o evidence, n evidence) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE q text := tally_quarter(x.nominated_on); after integer; before integer;
    BEGIN
      SELECT count(*) INTO after FROM evidence e WHERE e.platform = x.platform
        AND e.workspace = x.workspace AND e.channel = x.channel
        AND e.source_message_id = x.source_message_id AND e.state = 'active'
        AND tally_quarter(e.nominated_on) = q;
      before := after - tally_in(n, x) + tally_in(o, x);
      UPDATE tally_channel SET replies = replies + (after > 0)::int - (before > 0)::int
        WHERE quarter = q AND platform = x.platform AND channel = x.channel;
    END $$""",
    """CREATE FUNCTION tally_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE o evidence; n evidence;
    BEGIN
      IF TG_OP <> 'INSERT' THEN o := OLD; END IF;
      IF TG_OP <> 'DELETE' THEN n := NEW; END IF;
      IF o.state = 'active' THEN PERFORM tally_apply(o, -1); END IF;
      IF n.state = 'active' THEN PERFORM tally_apply(n, 1); END IF;
      IF o.state = 'active' THEN PERFORM tally_replies(o, o, n); END IF;
      IF n.state = 'active' AND (o.state IS DISTINCT FROM 'active' OR tally_in(o, n) = 0) THEN
        PERFORM tally_replies(n, o, n);
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER tally_case AFTER INSERT OR DELETE OR UPDATE OF
       state, nominee, nominator, criterion_key, nominated_on ON evidence
       FOR EACH ROW EXECUTE FUNCTION tally_evidence()""",
    """CREATE FUNCTION tally_levels() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO tally_level (quarter, criterion_key, people)
          VALUES (NEW.quarter, NEW.criterion_key, 1)
          ON CONFLICT (quarter, criterion_key) DO UPDATE SET people = tally_level.people + 1;
      ELSE
        UPDATE tally_level SET people = people - 1
          WHERE quarter = OLD.quarter AND criterion_key = OLD.criterion_key;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER tally_level AFTER INSERT OR DELETE ON tally_criterion
       FOR EACH ROW EXECUTE FUNCTION tally_levels()""",
    """CREATE FUNCTION tally_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.status = 'posted' THEN
        INSERT INTO tally_channel (quarter, platform, channel, posts, replies, cases)
          VALUES (tally_quarter(OLD.local_date), OLD.platform, OLD.channel, -1, 0, 0)
          ON CONFLICT (quarter, platform, channel) DO UPDATE SET posts = tally_channel.posts - 1;
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.status = 'posted' THEN
        INSERT INTO tally_channel (quarter, platform, channel, posts, replies, cases)
          VALUES (tally_quarter(NEW.local_date), NEW.platform, NEW.channel, 1, 0, 0)
          ON CONFLICT (quarter, platform, channel) DO UPDATE SET posts = tally_channel.posts + 1;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER tally_post AFTER INSERT OR DELETE OR UPDATE OF status, local_date
       ON daily_post FOR EACH ROW EXECUTE FUNCTION tally_posts()""",
]


# ---- the tallies of what is stored already -------------------------------------------------


def _backfill(quarter: str, post_quarter: str) -> list[str]:
    active = "FROM evidence WHERE state = 'active'"
    return [
        f"INSERT INTO tally_day (day, cases) SELECT nominated_on, count(*) {active} "
        "GROUP BY nominated_on",
        f"INSERT INTO tally_person (quarter, role, person, cases) SELECT {quarter}, 'e', "
        f"nominee, count(*) {active} GROUP BY {quarter}, nominee",
        f"INSERT INTO tally_person (quarter, role, person, cases) SELECT {quarter}, 'r', "
        f"nominator, count(*) {active} GROUP BY {quarter}, nominator",
        "INSERT INTO tally_criterion (quarter, criterion_key, nominee, cases) "
        f"SELECT {quarter}, criterion_key, nominee, count(*) {active} "
        f"GROUP BY {quarter}, criterion_key, nominee",
        "INSERT INTO tally_channel_day (platform, channel, day, cases) "
        f"SELECT platform, channel, nominated_on, count(*) {active} "
        "GROUP BY platform, channel, nominated_on",
        "INSERT INTO tally_channel (quarter, platform, channel, posts, replies, cases, last_day) "
        "SELECT quarter, platform, channel, sum(posts), sum(replies), sum(cases), max(last_day)"
        f" FROM (SELECT {quarter} AS quarter, platform, channel, 0 AS posts,"
        " count(DISTINCT workspace || ' ' || source_message_id) AS replies, count(*) AS cases,"
        f" max(nominated_on) AS last_day {active} GROUP BY {quarter}, platform, channel"
        f" UNION ALL SELECT {post_quarter}, platform, channel, count(*), 0, 0, NULL"
        " FROM daily_post"
        f" WHERE status = 'posted' GROUP BY {post_quarter}, platform, channel"
        ") AS parts GROUP BY quarter, platform, channel",
    ]


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "postgresql":
        statements = _backfill("tally_quarter(nominated_on)", "tally_quarter(local_date)")
        for statement in _POSTGRES[:1]:
            op.execute(statement)
        for statement in statements:
            op.execute(statement)
        for statement in _POSTGRES[1:]:
            op.execute(statement)
    else:
        bare = "(strftime('%Y', {c}) || 'Q' || ((CAST(strftime('%m', {c}) AS INTEGER) + 2) / 3))"
        for statement in _backfill(bare.format(c="nominated_on"), bare.format(c="local_date")):
            op.execute(statement)
        for statement in _sqlite_triggers():
            op.execute(statement)
    op.execute(
        "INSERT INTO tally_level (quarter, criterion_key, people) "
        "SELECT quarter, criterion_key, count(*) FROM tally_criterion "
        "GROUP BY quarter, criterion_key"
    )
    for table in _TABLES:  # the planner's statistics for what was just counted
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tally_post ON daily_post")
        op.execute("DROP TRIGGER IF EXISTS tally_case ON evidence")
        for table in _TABLES:
            op.drop_table(table)
        for function in (
            "tally_posts()",
            "tally_levels()",
            "tally_evidence()",
            "tally_replies(evidence, evidence, evidence)",
            "tally_in(evidence, evidence)",
            "tally_apply(evidence, integer)",
            "tally_quarter(date)",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        return
    for trigger in (
        "tally_case_insert",
        "tally_case_delete",
        "tally_case_update_old",
        "tally_case_update_new",
        "tally_level_insert",
        "tally_level_delete",
        "tally_post_insert",
        "tally_post_delete",
        "tally_post_update",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in _TABLES:
        op.drop_table(table)
