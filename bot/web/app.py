"""The web app for HR and managers: Starlette routes and Jinja2 templates, served under /app/.

    GET  /app/                      to the reader's first page (overview, team or own ledger)
    GET  /app/signin?t=…            the one-time link from chat; POST spends it (a button, so
                                    a chat app's link preview cannot use the link up)
    GET  /app/overview              admins: a cycle at a glance
    GET  /app/team                  managers: the people of their channels, per value
    GET  /app/people/{person}       a person's ledger (members: their own only)
    GET  /app/channels/{channel}    a channel's posts and what each drew
    GET  /app/rubric                everyone: the whole pack
    GET  /app/audit                 admins: the audit log, filtered
    POST /app/export                admins (xlsx, CSV) and managers (xlsx of their channels)
    POST /app/lang, /app/signout    the language switch; signing out
    …    /app/review/…              the appraisal (bot.web.review_pages)

Pages read through the same services as chat (`Insights` over `Reading`): no SQL here.
Every POST but the sign-in carries the session's CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app.appraisal import Appraisal
from bot.app.insights import Forbidden, Insights
from bot.app.signin import Brake, SignIn
from bot.core.permissions import Access
from bot.web.pages import Pages, channel_href, person_href, safe_link
from bot.web.review_pages import ReviewPages
from bot.words.templates import LOCALES, Templates

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
COOKIE = "vb_session"
MAX_FORM = 64_000
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    # the sign-in link's token never leaves for another site in a Referer; our own forms still
    # send their Origin (under no-referrer it would be "null", which is refused as foreign)
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in reader of a request."""

    person: str
    access: Access
    csrf: str
    locale: str
    cookie: str


@dataclass
class WebParts:
    """What the web app is built from (the composition root fills it)."""

    insights: Insights
    signin: SignIn
    locale: str  # the default language
    export: Callable[[Viewer, str, str], tuple[bytes, str, str]]  # (viewer, format, cycle)
    secure: bool = False  # cookies marked Secure (the public address is https)
    brake: Brake | None = None
    appraisal: Appraisal | None = None  # the review pages (absent: no appraisal on this app)


class WebApp:
    """The pages, the sign-in and the session around them."""

    def __init__(self, parts: WebParts) -> None:
        self.parts = parts
        self.brake = parts.brake or Brake()
        self.words = {locale: Templates(locale) for locale in LOCALES}
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.pages = Pages(self)
        reviews = ReviewPages(self, parts.appraisal).routes() if parts.appraisal else []
        self.asgi = Starlette(
            routes=self.pages.routes() + reviews + self._routes(),
            exception_handlers={Exception: self._failed},
        )

    def _routes(self) -> list[Route]:
        return [
            Route("/app/signin", self.signin_form, methods=["GET"]),
            Route("/app/signin", self.signin, methods=["POST"]),
            Route("/app/signout", self.signout, methods=["POST"]),
            Route("/app/lang", self.language, methods=["POST"]),
            Route("/app/static/app.css", self.stylesheet, methods=["GET"]),
        ]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                named = {k.decode("latin-1").lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name not in named:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.asgi(scope, receive, with_headers)

    def _failed(self, request: Request, error: Exception) -> Response:
        """Anything unexpected: logged with its trace, answered with a plain page (no trace)."""
        log.exception("web: %s %s failed", request.method, request.url.path, exc_info=error)
        locale = self._guess_locale(request)
        message = self.words[locale].render("command_failed")
        return self.render("error.html", locale, None, 500, message=message)

    # ---- who is asking ------------------------------------------------------------------

    def viewer(self, request: Request) -> Viewer | None:
        cookie = request.cookies.get(COOKIE, "")
        session = self.parts.signin.session(cookie)
        if session is None:
            return None
        access = self.parts.insights.reading.access(session.person)
        locale = session.locale if session.locale in LOCALES else self.parts.locale
        return Viewer(session.person, access, session.csrf, locale, cookie)

    def render(
        self, name: str, locale: str, viewer: Viewer | None, status: int = 200, **context: Any
    ) -> Response:
        filled: dict[str, Any] = {
            "t": self.words[locale].render,
            "locale": locale,
            "viewer": viewer,
            "back": "/app/",
            "person_href": person_href,
            "channel_href": channel_href,
            "safe_link": safe_link,
            "shown": str,
            "reviews_on": self.parts.appraisal is not None,
        }
        filled.update(context)
        html = self.env.get_template(name).render(filled)
        return Response(html, status_code=status, media_type="text/html; charset=utf-8")

    def refused(self, viewer: Viewer, refusal: Forbidden) -> Response:
        status = 404 if refusal.reply.key.startswith("unknown") else 403
        message = self.words[viewer.locale].render(refusal.reply.key, **refusal.reply.context)
        return self.render("error.html", viewer.locale, viewer, status, message=message)

    def signed_out(self, request: Request) -> Response:
        return self.render("signed_out.html", self._guess_locale(request), None, 401)

    def _guess_locale(self, request: Request) -> str:
        wanted = request.headers.get("accept-language", "").lower()
        if wanted.startswith("en"):
            return "en"
        if wanted.startswith("zh"):
            return "zh"
        return self.parts.locale

    async def form(self, request: Request) -> dict[str, str] | None:
        """A urlencoded form's fields (the first of each), or None when too big."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return None
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in fields.items()}

    def foreign(self, request: Request) -> bool:
        """A POST a browser says came from another site (its Origin header): never honoured,
        whatever it carries (a sign-in link of someone else's, a stolen token)."""
        origin = request.headers.get("origin", "")
        if not origin or origin == "null":
            return bool(origin)
        own = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
        public = self.parts.signin.public_url
        if public:
            scheme, _, rest = public.partition("://")
            own.add(f"{scheme}://{rest.split('/', 1)[0]}")
        return origin not in own

    async def posted(self, request: Request) -> tuple[Viewer, dict[str, str]] | Response:
        """The viewer and fields of a POST whose CSRF token matches its session, else the
        answer: 401 signed out, 403 without a matching token or from another site."""
        viewer = self.viewer(request)
        if viewer is None:
            return self.signed_out(request)
        fields = await self.form(request)
        token = (fields or {}).get("csrf", "")
        forged = not token or not secrets.compare_digest(token.encode(), viewer.csrf.encode())
        if forged or self.foreign(request):
            message = self.words[viewer.locale].render("web_csrf")
            return self.render("error.html", viewer.locale, viewer, 403, message=message)
        return viewer, fields or {}

    # ---- signing in and out -------------------------------------------------------------

    def _client(self, request: Request) -> str:
        return request.client.host if request.client else "?"

    def signin_form(self, request: Request) -> Response:
        locale, token = self._guess_locale(request), request.query_params.get("t", "")
        if self.brake.blocked(self._client(request)):
            return self.render("link_bad.html", locale, None, 429, key="web_link_slow_down")
        if not self.parts.signin.usable(token):
            self.brake.failed(self._client(request))
            return self.render("link_bad.html", locale, None, 400, key="web_link_bad")
        return self.render("signin.html", locale, None, token=token)

    async def signin(self, request: Request) -> Response:
        locale, client = self._guess_locale(request), self._client(request)
        if self.brake.blocked(client):
            return self.render("link_bad.html", locale, None, 429, key="web_link_slow_down")
        fields = await self.form(request) or {}
        if self.foreign(request):  # another site signing this browser in as someone else
            return self.render("link_bad.html", locale, None, 403, key="web_link_bad")
        signed = self.parts.signin.spend(fields.get("t", ""), locale="")
        if signed is None:
            self.brake.failed(client)
            return self.render("link_bad.html", locale, None, 400, key="web_link_bad")
        response = RedirectResponse("/app/", status_code=303)
        response.set_cookie(
            COOKIE,
            signed.cookie,
            path="/app",
            httponly=True,
            samesite="lax",
            secure=self.parts.secure,
        )
        return response

    async def signout(self, request: Request) -> Response:
        posted = await self.posted(request)
        if isinstance(posted, Response):
            return posted
        viewer, _ = posted
        self.parts.signin.sign_out(viewer.cookie)
        response = self.render("signed_out.html", viewer.locale, None, 200, said_goodbye=True)
        response.delete_cookie(COOKIE, path="/app")
        return response

    async def language(self, request: Request) -> Response:
        posted = await self.posted(request)
        if isinstance(posted, Response):
            return posted
        viewer, fields = posted
        locale = fields.get("locale", "")
        if locale in LOCALES:
            self.parts.signin.set_locale(viewer.cookie, locale)
        back = fields.get("back", "")
        local = back.startswith("/app/") and not back.startswith("//") and "\\" not in back
        return RedirectResponse(back if local else "/app/", status_code=303)

    def stylesheet(self, request: Request) -> Response:
        response = FileResponse(HERE / "static" / "app.css", media_type="text/css")
        response.headers["cache-control"] = "public, max-age=3600"
        return response
