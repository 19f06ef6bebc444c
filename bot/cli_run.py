"""Running values-bot on a chat platform: Socket Mode, or the HTTP mode under uvicorn."""

from __future__ import annotations

import sys
import threading
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from bot.config import Settings, looks_real
from bot.wiring import Runtime, build


def health_report(runtime: Runtime) -> dict[str, Any]:
    """What /healthz says: the database answers, and when the scheduler last ticked."""
    database = runtime.repo.ping()
    last = runtime.posts.last_tick
    return {
        "ok": database,
        "database": "ok" if database else "unreachable",
        "last_tick": last.isoformat() if last else None,
    }


def slack_workspace(settings: Settings) -> str | None:
    """The Slack team id the bot token belongs to (auth.test), or None if it cannot be asked."""
    if not looks_real(settings.slack_bot_token, "xoxb-"):
        return None
    from bot.adapters.slack.client import web_client

    try:
        return str(web_client(settings, timeout=10).auth_test()["team_id"])
    except (SlackApiError, URLError, OSError):
        return None


def run_slack(settings: Settings, *, http: bool, host: str, port: int) -> int:
    problems = settings.slack_problems(http=http)
    if problems:
        mode = "HTTP mode (--http)" if http else "Socket Mode"
        print(
            f"values-bot cannot start Slack in {mode}; set these first:\n"
            + "\n".join(f"  - {p}" for p in problems),
            file=sys.stderr,
        )
        return 2
    from bot.adapters.slack.app import SlackBot
    from bot.scheduler import start_ticking

    runtime = build(settings)
    try:
        bot = SlackBot(runtime)
    except SlackApiError as error:
        runtime.close()
        print(
            f"Slack refused the bot token ({error.response.get('error')}): check SLACK_BOT_TOKEN "
            "and that the app is installed in the workspace.",
            file=sys.stderr,
        )
        return 2
    except (URLError, OSError) as error:
        runtime.close()
        print(f"Cannot reach Slack at {settings.slack_api_url}: {error}", file=sys.stderr)
        return 2
    scheduler = start_ticking(runtime.posts, bot.poster_for, seconds=settings.tick_seconds)
    try:
        if http:
            from bot.web import WebApp, serve

            print(
                f"values-bot: Slack HTTP mode on http://{host}:{port}/slack/events "
                f"(workspace {bot.me.team}); health at /healthz",
                flush=True,
            )
            serve(
                WebApp(
                    slack=bot.app,
                    slack_secret=settings.slack_signing_secret,
                    health=lambda: health_report(runtime),
                ),
                host=host,
                port=port,
            )
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(bot.app, settings.slack_app_token)
            handler.connect()  # type: ignore[no-untyped-call]
            print(
                f"values-bot: connected to Slack in Socket Mode (workspace {bot.me.team})",
                flush=True,
            )
            try:
                threading.Event().wait()
            finally:
                handler.close()  # type: ignore[no-untyped-call]
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        bot.close()
        runtime.close()
    return 0
