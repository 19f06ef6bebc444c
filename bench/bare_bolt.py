"""The ingest benchmark's references: a bare Bolt app, alone or doing a nomination's work.

Same HTTP server as values-bot (uvicorn, the same thread pool hand-off), same signing secret and
request verification. Alone (the default), its message listener does nothing, so Slack gets 200
at once. With `--database` and `--api`, it does what a nomination needs and nothing more: it
stores one row (the case's columns, the same unique key, SQLite in WAL mode) before the
acknowledgement, then adds the reaction and sends the nominee's message through slack_sdk's
WebClient on a background pool, as values-bot does.

    python -m bench.bare_bolt --port 3101
    python -m bench.bare_bolt --port 3102 --database /tmp/ref.db --api http://127.0.0.1:3200/api/
"""

from __future__ import annotations

import argparse
import logging
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.ops.web import WebApp, serve
from bot.platforms.slack.http import PATH, SlackEvents

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
SCHEMA = """
CREATE TABLE IF NOT EXISTS reference_case (
    id INTEGER PRIMARY KEY, platform TEXT, workspace TEXT, channel TEXT,
    source_message_id TEXT, nominee TEXT, nominator TEXT, criterion_key TEXT, story TEXT,
    link TEXT, nominated_on TEXT, created_at TEXT, updated_at TEXT,
    UNIQUE (platform, workspace, channel, source_message_id, nominee)
)
"""


class Work:
    """One row stored per nomination, then the reaction and the nominee's message."""

    def __init__(self, database: str, api: str) -> None:
        self.database = database
        self.local = threading.local()
        self.client = WebClient(token=TOKEN, base_url=api)
        self.later = ThreadPoolExecutor(max_workers=8, thread_name_prefix="answers")
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        if not hasattr(self.local, "db"):
            self.local.db = sqlite3.connect(self.database, timeout=30, isolation_level=None)
            self.local.db.execute("PRAGMA synchronous=NORMAL")
        return self.local.db  # type: ignore[no-any-return]

    def message(self, event: dict[str, Any]) -> None:
        nominee = MENTION.search(event.get("text", ""))
        if nominee is None or not event.get("thread_ts"):
            return
        self._db().execute(
            "INSERT OR IGNORE INTO reference_case (platform, workspace, channel,"
            " source_message_id, nominee, nominator, criterion_key, story, link, nominated_on,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, date('now'),"
            " datetime('now'), datetime('now'))",
            (
                "slack", event.get("team", ""), event["channel"], event["ts"],
                f"slack:{nominee[1]}", f"slack:{event['user']}", "customer-first:1",
                event["text"], "",
            ),
        )  # fmt: skip
        self.later.submit(self._answer, event, nominee[1])

    def _answer(self, event: dict[str, Any], nominee: str) -> None:
        self.client.reactions_add(
            channel=event["channel"], timestamp=event["ts"], name="white_check_mark"
        )
        self.client.chat_postMessage(channel=nominee, text="🎉 You were nominated")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="store each nomination's row here (SQLite file)")
    parser.add_argument("--api", help="the (fake) Slack Web API for the two calls")
    args = parser.parse_args()
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=TOKEN, bot_user_id="UBOT"
        )

    app = App(
        signing_secret=SECRET,
        authorize=authorize,
        process_before_response=True,
        token_verification_enabled=False,
    )
    if args.database and args.api:
        work = Work(args.database, args.api)
        app.event("message")(lambda event: work.message(event))
    else:
        app.event("message")(lambda: None)
    print("ready", flush=True)
    serve(
        WebApp(routes={PATH: ("slack", SlackEvents(app, SECRET))}, health=lambda: {"ok": True}),
        host="127.0.0.1",
        port=args.port,
    )


if __name__ == "__main__":
    main()
