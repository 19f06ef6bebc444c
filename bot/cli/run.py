"""Running values-bot on a chat platform: Socket Mode, or the HTTP mode under uvicorn."""

from __future__ import annotations

import logging
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError

from bot.app.posting import Poster
from bot.config import Settings, looks_real
from bot.ops.metrics import METRICS
from bot.ops.shutdown import Deadline, Stopping, drain
from bot.wiring import Runtime, build
from bot.words.templates import Templates
from storage.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.ops.web import WebApp
    from bot.platforms.dingtalk.app import DingTalkBot
    from bot.platforms.slack.app import SlackBot

log = logging.getLogger("bot.run")


def health_report(runtime: Runtime, *, ticking_since: datetime | None = None) -> dict[str, Any]:
    """What /healthz says: the database answers, and the scheduler ticked recently.

    `ticking_since`: when this process started its scheduler; a scheduler that has not ticked
    for three intervals (at least two minutes) since then is reported stale.
    """
    database = runtime.repo.ping()
    last = runtime.posts.last_tick
    scheduler = "not running"
    if ticking_since is not None:
        allowed = timedelta(seconds=max(3 * runtime.settings.tick_seconds, 120))
        recent = runtime.clock.now() - (last or ticking_since) <= allowed
        scheduler = "ok" if recent else "stale"
    return {
        "ok": database and scheduler != "stale",
        "database": "ok" if database else "unreachable",
        "scheduler": scheduler,
        "last_tick": last.isoformat() if last else None,
    }


def slack_workspace(settings: Settings) -> str | None:
    """The Slack team id the bot token belongs to (auth.test), or None if it cannot be asked."""
    if not looks_real(settings.slack_bot_token, "xoxb-"):
        return None
    from bot.platforms.slack.client import web_client

    try:
        return str(web_client(settings, timeout=10).auth_test()["team_id"])
    except (SlackApiError, URLError, OSError):
        return None


def _problems(settings: Settings, platforms: tuple[str, ...], http: bool) -> list[str]:
    problems = []
    if "slack" in platforms:
        problems += settings.slack_problems(http=http)
    if "dingtalk" in platforms:
        problems += settings.dingtalk_problems()
    return problems


def run_platforms(settings: Settings, *, http: bool, host: str, port: int) -> int:
    """Connect every configured platform (Slack, DingTalk), tick the scheduler, serve."""
    platforms = settings.platforms or ("slack",)  # --http with nothing set: say what Slack needs
    problems = _problems(settings, platforms, http)
    if problems:
        t = Templates(settings.locale)
        mode = t.render("run_mode_http" if http else "run_mode_socket")
        said = t.render("run_cannot_start", platforms=" + ".join(platforms), mode=mode)
        print(said + "\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    from bot.app.scheduler import start_ticking

    runtime = build(settings)
    bots = _connect(runtime, platforms)
    if bots is None:
        runtime.close()
        return 2
    slack, dingtalk = bots

    def poster_for(platform: str) -> Poster | None:
        if slack is not None and platform == "slack":
            return slack.poster()
        if dingtalk is not None and platform == "dingtalk":
            return dingtalk.poster()
        return None

    started = runtime.clock.now()
    scheduler = start_ticking(
        runtime.posts,
        poster_for,
        seconds=settings.tick_seconds,
        hourly=runtime.service.reading.apply_retention,
    )
    METRICS.watch(runtime.posts)
    stopping = Stopping().install()
    deadline: Deadline | None = None  # one bound for the whole stop, from the signal on
    try:
        if http:
            _serve(runtime, slack, dingtalk, host=host, port=port, started=started)
            deadline = Deadline(settings.shutdown_seconds / 2)  # uvicorn's grace had the rest
        else:
            deadline = _socket(runtime, slack, dingtalk, stopping, started=started)
    except KeyboardInterrupt:
        pass
    finally:
        bound = deadline or Deadline(settings.shutdown_seconds)
        _shut_down(runtime, scheduler, (slack, dingtalk), bound)
    return 0


def _shut_down(runtime: Runtime, scheduler: Any, bots: tuple[Any, ...], deadline: Deadline) -> None:
    """No new posts; answers in flight get what is left of the bound; then connections close."""
    scheduler.shutdown(wait=False)
    running = [bot for bot in bots if bot is not None]
    dropped = drain([bot.work for bot in running], deadline)
    unstored = sum(bot.retry.pending() for bot in running)
    for bot in running:
        bot.close(wait=dropped == 0)
    runtime.close()
    log.info("event=stopped answers_dropped=%d unstored=%d", dropped, unstored)
    if dropped or unstored:
        log.warning(
            "stopped with %d answer(s) unsent and %d message(s) never stored", dropped, unstored
        )
    if dropped:  # a call still hanging would hold the exit past the bound: leave it behind
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)


Bots = tuple["SlackBot | None", "DingTalkBot | None"]


def _connect(runtime: Runtime, platforms: tuple[str, ...]) -> Bots | None:
    """The Slack and DingTalk bots for the configured platforms; None after a clear message."""
    settings = runtime.settings
    t = runtime.templates
    slack: SlackBot | None = None
    dingtalk: DingTalkBot | None = None
    if "slack" in platforms:
        from bot.platforms.slack.app import SlackBot

        try:
            slack = SlackBot(runtime.chat, runtime.settings)
        except SlackApiError as error:
            said = t.render("run_slack_refused", error=error.response.get("error"))
            print(said, file=sys.stderr)
            return None
        except (URLError, OSError) as error:
            said = t.render("run_slack_unreachable", url=settings.slack_api_url, error=error)
            print(said, file=sys.stderr)
            return None
    if "dingtalk" in platforms:
        from bot.platforms.dingtalk.app import DingTalkBot
        from bot.platforms.dingtalk.openapi import DingTalkError

        dingtalk = DingTalkBot(runtime.chat, runtime.settings)
        try:
            dingtalk.api.token()  # wrong credentials are better said now than at 09:30
        except DingTalkError as error:
            dingtalk.close()
            if slack is not None:
                slack.close()
            reason = (
                t.render("run_dingtalk_unreachable", url=settings.dingtalk_api_url)
                if error.status == 0
                else t.render("run_dingtalk_refused", code=error.code or error.status)
            )
            print(t.render("run_dingtalk_cannot_start", reason=reason), file=sys.stderr)
            return None
    return slack, dingtalk


def web_app(
    runtime: Runtime,
    slack: SlackBot | None,
    dingtalk: DingTalkBot | None,
    *,
    started: datetime | None = None,
) -> WebApp:
    """The HTTP mode's app, as `run --http` serves it (tests serve this very one)."""
    from bot.ops.web import SLACK_WINDOW, WebApp

    settings = runtime.settings
    callbacks = None
    if dingtalk is not None:
        from bot.platforms.dingtalk.callback import Callbacks

        callbacks = Callbacks(
            settings.dingtalk_client_secret,
            dingtalk.receive_callback,
            trust=runtime.repo.trust,
            clock=runtime.clock,
        )

    def seen(stamp: str, signature: str) -> bool:
        now = datetime.now(UTC)  # Slack signs with the real time, not the bot's clock
        until = datetime.fromtimestamp(int(stamp), UTC) + timedelta(seconds=SLACK_WINDOW)
        try:
            return runtime.repo.trust.first_use(
                platform="slack", stamp=stamp, signature=signature, now=now, until=until
            )
        except StoreUnavailable:  # the database is away: every command needs it anyway
            log.warning("slack: replay check skipped, the database is away")
            return True

    api = urlsplit(settings.slack_api_url)
    return WebApp(
        slack=slack.app if slack is not None else None,
        slack_secret=settings.slack_signing_secret,
        dingtalk=callbacks,
        health=lambda: health_report(runtime, ticking_since=started),
        seen=seen,
        response_hosts=(f"{api.scheme}://{api.netloc}",),
        metrics_token=settings.metrics_token,
        metrics=not settings.metrics_address,
    )


def _serve(
    runtime: Runtime,
    slack: SlackBot | None,
    dingtalk: DingTalkBot | None,
    *,
    host: str,
    port: int,
    started: datetime,
) -> None:
    from bot.ops.web import serve

    settings, t = runtime.settings, runtime.templates
    base = f"http://{host}:{port}"
    if dingtalk is not None:
        print(t.render("run_dingtalk_callbacks", url=f"{base}/dingtalk/events"), flush=True)
    if slack is not None:
        said = t.render("run_slack_http", url=f"{base}/slack/events", team=slack.me.team)
        print(said, flush=True)
    metrics_at = None
    if settings.metrics_address:
        metrics_host, _, metrics_port = settings.metrics_address.rpartition(":")
        metrics_at = (metrics_host or "127.0.0.1", int(metrics_port))
    where = (
        f"http://{metrics_at[0]}:{metrics_at[1]}/metrics"
        if metrics_at
        else f"http://{host}:{port}/metrics"
    )
    print(t.render("run_health", base=base, metrics=where), flush=True)
    serve(
        web_app(runtime, slack, dingtalk, started=started),
        host=host,
        port=port,
        metrics_at=metrics_at,
        grace=settings.shutdown_seconds / 2,
    )


def _socket(
    runtime: Runtime,
    slack: SlackBot | None,
    dingtalk: DingTalkBot | None,
    stopping: Stopping,
    *,
    started: datetime,
) -> Deadline:
    """Slack Socket Mode and DingTalk Stream mode: outbound connections, no public URL.
    Runs until a stop signal; health and metrics on BOT_ADMIN_PORT when it is set. Returns
    the stop's bound (BOT_SHUTDOWN_SECONDS from the signal), part of it spent here."""
    settings = runtime.settings
    handler = None
    stream = None
    admin = _admin_server(runtime, started) if settings.admin_address else None
    if slack is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(slack.app, settings.slack_app_token)
        handler.connect()  # type: ignore[no-untyped-call]
        print(runtime.templates.render("run_slack_socket", team=slack.me.team), flush=True)
    if dingtalk is not None:
        from bot.platforms.dingtalk.stream import stream_client

        dingtalk.replay_spool()  # acknowledged before a crash, never stored: stored now
        client, stream = stream_client(settings, dingtalk)
        thread = threading.Thread(
            target=client.run_until, args=(stopping.event,), name="dingtalk-stream", daemon=True
        )
        thread.start()
        said = runtime.templates.render(
            "run_dingtalk_stream", url=settings.dingtalk_api_url, robot=settings.dingtalk_robot_code
        )
        print(said, flush=True)
    try:
        stopping.wait()
    finally:
        stopping.event.set()
        deadline = Deadline(settings.shutdown_seconds)
        if stream is not None:
            stream.accepting = False  # frames from now on are delivered again, elsewhere
            drain([stream], deadline)
            thread.join(timeout=deadline.left())
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        if admin is not None:
            admin.should_exit = True
    return deadline


def _admin_server(runtime: Runtime, started: datetime) -> Any:
    """/livez, /readyz, /healthz and /metrics on BOT_ADMIN_PORT, in a thread of their own."""
    import uvicorn

    from bot.ops.admin import AdminApp
    from bot.ops.web import server_config

    host, _, port = runtime.settings.admin_address.rpartition(":")
    app = AdminApp(
        health=lambda: health_report(runtime, ticking_since=started),
        metrics_token=runtime.settings.metrics_token,
    )
    server = uvicorn.Server(server_config(app, host=host or "127.0.0.1", port=int(port)))
    threading.Thread(target=server.run, name="admin", daemon=True).start()
    url = f"http://{host or '127.0.0.1'}:{port}"
    print(runtime.templates.render("run_admin", url=url), flush=True)
    return server
