"""The ingest benchmark's reference: a bare Bolt app that only acknowledges.

Same HTTP server as values-bot (uvicorn, the same thread pool hand-off), same signing secret and
request verification; its message listener does nothing, so Slack gets 200 at once.

    python -m bench.bare_bolt --port 3101
"""

from __future__ import annotations

import argparse
import logging

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.ops.web import WebApp, serve
from bot.platforms.slack.http import PATH, SlackEvents

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
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
    app.event("message")(lambda: None)
    print("ready", flush=True)
    serve(
        WebApp(routes={PATH: ("slack", SlackEvents(app, SECRET))}, health=lambda: {"ok": True}),
        host="127.0.0.1",
        port=args.port,
    )


if __name__ == "__main__":
    main()
