"""The web app from the shell: where it is served, a sign-in link for the operator, sessions.

values-bot web link --user PLATFORM:ID       a one-time link, as `/values web` gives
values-bot web sessions [--revoke PERSON]    open sessions; end a person's
"""

from __future__ import annotations

import argparse
import socket
import threading
from typing import Any

from bot.cli.governance import actor, person_arg
from bot.config import Settings
from bot.web.app import WebApp, WebParts
from bot.web.download import exporter
from bot.wiring import Runtime, opened

LOCAL_WEB = "127.0.0.1:8765"  # the terminal chat's web app when BOT_WEB_PORT says nothing


def add_commands(commands: Any) -> None:
    web = commands.add_parser("web", help="the web app: sign-in links and sessions")
    actions = web.add_subparsers(metavar="ACTION", required=True)
    link = actions.add_parser("link", help="a one-time sign-in link for a person (10 minutes)")
    link.add_argument("--user", type=person_arg, required=True, help="PLATFORM:ID")
    link.set_defaults(handler=cmd_web_link)
    sessions = actions.add_parser("sessions", help="list open sessions, or end a person's")
    sessions.add_argument("--revoke", type=person_arg, metavar="PERSON", help="PLATFORM:ID")
    sessions.set_defaults(handler=cmd_web_sessions)


def local_url(address: str) -> str:
    host, _, port = address.rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host
    return f"http://{host}:{port}"


def public_url(settings: Settings, served_at: str) -> str:
    """Where links point: BOT_PUBLIC_URL, else the address the web app is served on."""
    return settings.public_url or (local_url(served_at) if served_at else "")


def web_app(runtime: Runtime, url: str) -> WebApp:
    """The web app over the runtime's services, its links pointing at `url`."""
    from bot.app.insights import Insights

    runtime.service.signin.public_url = url.rstrip("/")
    parts = WebParts(
        insights=Insights(runtime.service.reading),
        signin=runtime.service.signin,
        locale=runtime.settings.locale,
        export=exporter(runtime),
        secure=url.startswith("https://"),
        appraisal=runtime.service.appraisal,
    )
    return WebApp(parts)


def serve_apart(runtime: Runtime, address: str) -> Any:
    """The web app on an address of its own (the terminal chat, Socket/Stream workers), in a
    thread; returns the uvicorn server (set `should_exit` to stop it)."""
    import uvicorn

    from bot.ops.web import server_config

    host, _, port = address.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, int(port)))  # taken: said now, not in a thread nobody reads
    except OSError:
        listening.close()
        raise
    app = web_app(runtime, public_url(runtime.settings, address))
    server = uvicorn.Server(server_config(_rooted(app), host=host, port=int(port)))
    threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name="web", daemon=True
    ).start()
    return server


def _rooted(app: WebApp) -> Any:
    """The web app, with / sent on to /app/ (a server of its own has nothing else)."""

    async def rooted(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/":
            await send(
                {
                    "type": "http.response.start",
                    "status": 307,
                    "headers": [(b"location", b"/app/"), (b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return rooted


def cmd_web_link(settings: Settings, args: argparse.Namespace) -> int:
    served = settings.web_address if settings.web_address not in ("", "off") else LOCAL_WEB
    with opened(settings) as rt:
        rt.service.signin.public_url = public_url(settings, served)
        print(rt.service.signin.link(args.user))
        rt.repo.governance.audit(
            actor=actor(), action="web_link", at=rt.clock.now(), subjects=[args.user]
        )
    return 0


def cmd_web_sessions(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        if args.revoke:
            ended = rt.service.signin.revoke(actor(), args.revoke)
            print(rt.templates.render("cli_web_revoked", count=ended, person=args.revoke))
            return 0
        rows = rt.repo.signins.sessions()
        if not rows:
            print(rt.templates.render("cli_web_no_sessions"))
        for person, since, seen in rows:
            print(
                f"{person}\t{since.isoformat(timespec='seconds')}\t{seen.isoformat(timespec='seconds')}"
            )
    return 0
