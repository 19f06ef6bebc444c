"""Running values-bot on a chat platform: Socket Mode, or the HTTP mode under uvicorn."""

from __future__ import annotations

import logging
import os
import sys
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.app.posting import Poster
from bot.config import Settings
from bot.ops.metrics import METRICS
from bot.ops.shutdown import Deadline, Stopping, drain
from bot.platforms.base import CannotStart, Host, Running
from bot.platforms.registry import PLATFORMS
from bot.wiring import Runtime, build
from bot.words.templates import Templates

if TYPE_CHECKING:
    from bot.ops.web import WebApp

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


def _problems(settings: Settings, platforms: tuple[str, ...], http: bool) -> list[str]:
    return [p for name in platforms for p in settings.section(name).problems(http=http)]


def _runnable() -> tuple[str, ...]:
    return tuple(name for name, platform in PLATFORMS.items() if platform.start is not None)


def run_platforms(settings: Settings, *, http: bool, host: str, port: int) -> int:
    """Connect every configured platform, tick the scheduler, serve."""
    # --http with nothing set: say what the first platform that runs over HTTP needs
    platforms = settings.platforms or _runnable()[:1]
    problems = _problems(settings, platforms, http)
    if problems:
        t = Templates(settings.locale)
        mode = t.render("run_mode_http" if http else "run_mode_socket")
        said = t.render("run_cannot_start", platforms=" + ".join(platforms), mode=mode)
        print(said + "\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    from bot.app.scheduler import start_ticking

    runtime = build(settings)
    running = _started(runtime, platforms)
    if running is None:
        runtime.close()
        return 2

    def poster_for(platform: str) -> Poster | None:
        return next((p for bot in running for p in [bot.poster_for(platform)] if p), None)

    started = runtime.clock.now()
    scheduler = start_ticking(
        runtime.posts,
        poster_for,
        seconds=settings.tick_seconds,
        hourly=runtime.service.reading.apply_retention,
        each_tick=lambda: _each_tick(runtime, running),
    )
    METRICS.watch(runtime.posts)
    stopping = Stopping().install()
    deadline: Deadline | None = None  # one bound for the whole stop, from the signal on
    try:
        if http:
            _serve(runtime, running, host=host, port=port, started=started)
            deadline = Deadline(settings.shutdown_seconds / 2)  # uvicorn's grace had the rest
        else:
            deadline = _socket(runtime, running, stopping, started=started)
    except KeyboardInterrupt:
        pass
    finally:
        bound = deadline or Deadline(settings.shutdown_seconds)
        _shut_down(runtime, scheduler, running, bound)
    return 0


def _each_tick(runtime: Runtime, running: list[Running]) -> None:
    """The appraisal's reminders queued, then the outbox sent (each with a fresh sign-in link)."""
    from bot.app.notices import send_notices

    runtime.service.appraisal.reviews.remind()
    tellers = {bot.name: bot.tell for bot in running}
    send_notices(runtime.repo, runtime.clock, tellers, runtime.service.signin.link_if_served)


def _shut_down(
    runtime: Runtime, scheduler: Any, running: list[Running], deadline: Deadline
) -> None:
    """No new posts; answers in flight get what is left of the bound; then connections close."""
    scheduler.shutdown(wait=False)
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


def _started(runtime: Runtime, platforms: tuple[str, ...]) -> list[Running] | None:
    """The platforms connected, unless stored cases belong to another pack (then None)."""
    from bot.cli.cases import report_drift

    if report_drift(runtime, runtime.rubric):  # they would count under the wrong pack
        return None
    return _connect(runtime, platforms)


def _connect(runtime: Runtime, platforms: tuple[str, ...]) -> list[Running] | None:
    """Every configured platform started; None (after a clear message) if one cannot be."""
    settings = runtime.settings
    running: list[Running] = []
    for name in platforms:
        start = PLATFORMS[name].start
        if start is None:
            continue
        host = Host(
            chat=runtime.chat, settings=settings.section(name), spool_dir=settings.spool_dir
        )
        try:
            running.append(start(host))
        except CannotStart as refused:
            for bot in running:
                bot.close()
            print(refused, file=sys.stderr)
            return None
    return running


def web_app(
    runtime: Runtime,
    running: list[Running],
    *,
    started: datetime | None = None,
    public_url: str = "",
) -> WebApp:
    """The HTTP mode's app, as `run --http` serves it (tests serve this very one): every
    running platform's routes, the operator's endpoints, and the web app under /app/ (its
    links pointing at `public_url`; none when it is "")."""
    from bot.cli import web
    from bot.ops.web import WebApp

    settings = runtime.settings
    routes = {path: (bot.name, route) for bot in running for path, route in bot.routes().items()}
    url = settings.public_url or public_url
    mounts = {"/app": web.web_app(runtime, url)} if url else {}
    return WebApp(
        routes=routes,
        health=lambda: health_report(runtime, ticking_since=started),
        metrics_token=settings.metrics_token,
        metrics=not settings.metrics_address,
        mounts=mounts,
    )


def _serve(
    runtime: Runtime, running: list[Running], *, host: str, port: int, started: datetime
) -> None:
    from bot.ops.web import serve

    settings, t = runtime.settings, runtime.templates
    base = f"http://{host}:{port}"
    for bot in running:
        print(bot.http_greeting(base), flush=True)
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
    from bot.cli.web import local_url

    url = settings.public_url or local_url(f"{host}:{port}")
    print(t.render("run_web", url=f"{url}/app/"), flush=True)
    serve(
        web_app(runtime, running, started=started, public_url=url),
        host=host,
        port=port,
        metrics_at=metrics_at,
        grace=settings.shutdown_seconds / 2,
    )


def _socket(
    runtime: Runtime, running: list[Running], stopping: Stopping, *, started: datetime
) -> Deadline:
    """Socket and Stream modes: outbound connections, no public URL. Runs until a stop
    signal; health and metrics on BOT_ADMIN_PORT when it is set. Returns the stop's bound
    (BOT_SHUTDOWN_SECONDS from the signal), part of it spent here."""
    settings = runtime.settings
    admin = _admin_server(runtime, started) if settings.admin_address else None
    web = None
    if settings.web_address not in ("", "off"):  # Socket/Stream workers: only when asked
        from bot.cli.web import public_url, serve_apart

        web = serve_apart(runtime, settings.web_address)  # taken: the worker does not start
        url = public_url(settings, settings.web_address)
        print(runtime.templates.render("run_web", url=f"{url}/app/"), flush=True)
    elif settings.public_url:  # another replica serves the web app: links point there
        runtime.service.signin.public_url = settings.public_url
    for bot in running:
        print(bot.open_socket(stopping.event), flush=True)
    try:
        stopping.wait()
    finally:
        stopping.event.set()
        deadline = Deadline(settings.shutdown_seconds)
        for bot in reversed(running):
            bot.close_socket(deadline)
        if admin is not None:
            admin.should_exit = True
        if web is not None:
            web.should_exit = True
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
