"""The web app's pages: each reads through `Insights` (authorised, audited) and renders one
template. Nothing here decides who may read what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.app.insights import Forbidden
from bot.core.ceiling import ceiling_stop
from bot.core.messages import Reply
from bot.core.model import ChannelFigures
from bot.core.rubric import Criterion, Value
from bot.core.summaries import Case, PersonSummary, Summary, ValueSummary
from bot.web.charts import heat_map, weekly_bars

if TYPE_CHECKING:
    from bot.web.app import Viewer, WebApp

TEAM_PAGE = 100  # people per page of a team, channels per page of the list
OVERVIEW_ROWS = 20  # channels and quiet channels the overview lists; the rest a click away


@dataclass(frozen=True)
class Level:
    """One level of a value in a ledger: the criterion and the cases recorded for it."""

    criterion: Criterion
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class LedgerValue:
    value: Value
    summary: ValueSummary | None
    levels: tuple[Level, ...]
    stop: Criterion | None  # the first level that does not hold: it sets the ceiling


def person_href(person: str) -> str:
    return "/app/people/" + quote(person, safe="")


def channel_href(channel: str) -> str:
    return "/app/channels/" + quote(channel, safe="")


def safe_link(link: str) -> str:
    """A source message's address, only when it is http(s): never `javascript:` and the like."""
    return link if link.startswith(("https://", "http://")) else ""


class Pages:
    """The GET pages and the export."""

    def __init__(self, web: WebApp) -> None:
        self.web = web
        self.insights = web.parts.insights
        self.rubric = self.insights.reading.rubric

    def routes(self) -> list[Route]:
        pages: list[tuple[str, Callable[[Request, Viewer], Response]]] = [
            ("/app", self.home),
            ("/app/", self.home),
            ("/app/overview", self.overview),
            ("/app/team", self.team),
            ("/app/people/{person:path}", self.person),
            ("/app/channels", self.channels),
            ("/app/channels/{channel:path}", self.channel),
            ("/app/rubric", self.rubric_page),
            ("/app/audit", self.audit),
        ]
        return [Route(path, self._signed_in(page), methods=["GET"]) for path, page in pages] + [
            Route("/app/export", self.export, methods=["POST"])
        ]

    def _signed_in(
        self, page: Callable[[Request, Viewer], Response]
    ) -> Callable[[Request], Response]:
        """A page for a signed-in reader (else 401); a refused read answered 403 or 404."""

        def handle(request: Request) -> Response:
            viewer = self.web.viewer(request)
            if viewer is None:
                return self.web.signed_out(request)
            try:
                return page(request, viewer)
            except Forbidden as refused:
                return self.web.refused(viewer, refused)

        return handle

    def _page(self, request: Request, viewer: Viewer, template: str, **context: Any) -> Response:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        names: dict[str, str] = dict(context.pop("names", {}) or {})
        return self.web.render(
            template,
            viewer.locale,
            viewer,
            back=back,
            cycles=self.insights.cycles(),
            chosen_cycle=request.query_params.get("cycle", ""),
            rubric=self.rubric,
            shown=lambda p: f"{names[p]} ({p})" if names.get(p) else p,
            **context,
        )

    def home(self, request: Request, viewer: Viewer) -> Response:
        if viewer.access.is_admin:
            return RedirectResponse("/app/overview", status_code=303)
        if viewer.access.is_manager:
            return RedirectResponse("/app/team", status_code=303)
        return RedirectResponse(person_href(viewer.person), status_code=303)

    def overview(self, request: Request, viewer: Viewer) -> Response:
        overview = self.insights.overview(viewer.access, _cycle(request))
        levels = tuple(sorted({c.level for c in self.rubric.criteria}))
        rows = [
            (v.key, {c.level: overview.people_per_criterion.get(c.key, 0) for c in v.criteria})
            for v in self.rubric.values
        ]
        return self._page(
            request,
            viewer,
            "overview.html",
            overview=overview,
            chart=weekly_bars(overview.weeks),
            heat=heat_map(rows, levels),
            heat_rows=rows,
            levels=levels,
            names=overview.names,
            rows=OVERVIEW_ROWS,
            first_channels=_quiet_first(overview.channels, overview.quiet)[:OVERVIEW_ROWS],
        )

    def team(self, request: Request, viewer: Viewer) -> Response:
        channel = _plain(request.query_params.get("channel", "")) or None
        if viewer.access.is_admin and channel is None:
            listed = self.insights.channels_to_pick(viewer.access)
            return self._page(request, viewer, "teams.html", channels=listed)
        summary = self.insights.team(viewer.access, _cycle(request), channel)
        sort = request.query_params.get("sort", "name")
        descending = request.query_params.get("dir", "") == "desc"
        people = _sorted(summary, sort, descending)
        page = _number(request.query_params.get("page", "1"))
        pages = max(1, -(-len(people) // TEAM_PAGE))
        page = min(page, pages)
        shown = people[(page - 1) * TEAM_PAGE : page * TEAM_PAGE]
        return self._page(
            request,
            viewer,
            "team.html",
            summary=summary,
            people=shown,
            everyone=len(people),
            sort=sort,
            descending=descending,
            page=page,
            pages=pages,
            channel=channel or "",
            names=summary.names,
        )

    def person(self, request: Request, viewer: Viewer) -> Response:
        person = _plain(request.path_params["person"])
        if ":" not in person:
            raise Forbidden(Reply("unknown_argument", {"word": "?"}))
        summary = self.insights.ledger(viewer.access, person, _cycle(request))
        found = next((p for p in summary.people if p.person == person), None)
        names = dict(summary.names)
        names.update(self.insights.names([person]))
        return self._page(
            request,
            viewer,
            "ledger.html",
            summary=summary,
            person=person,
            found=found,
            ledger=self._ledger(found),
            names=names,
        )

    def _ledger(self, found: PersonSummary | None) -> list[LedgerValue]:
        cases = found.newest if found else ()
        ledger = []
        for value in self.rubric.values:
            summary = (
                next((v for v in found.values if v.value_key == value.key), None) if found else None
            )
            levels = tuple(
                Level(c, tuple(x for x in cases if x.criterion_key == c.key))
                for c in value.criteria
            )
            by_level = {level.criterion.level: len(level.cases) for level in levels}
            ledger.append(LedgerValue(value, summary, levels, ceiling_stop(value, by_level)))
        return ledger

    def channel(self, request: Request, viewer: Viewer) -> Response:
        channel = _plain(request.path_params["channel"])
        page = self.insights.channel(viewer.access, channel, _cycle(request))
        names = self.insights.names(page.managers)
        return self._page(request, viewer, "channel.html", page=page, names=names)

    def channels(self, request: Request, viewer: Viewer) -> Response:
        cycle, channels, quiet = self.insights.channel_table(viewer.access, _cycle(request))
        query = request.query_params
        if query.get("quiet") == "1":
            channels = [c for c in channels if c.channel in quiet]
        sort = query.get("sort", "channel")
        if sort in ("posts", "replies", "cases", "last_case_on"):
            channels.sort(key=lambda c: (getattr(c, sort) or date.min, c.channel))
        if query.get("dir") == "desc":
            channels.reverse()
        pages = max(1, -(-len(channels) // TEAM_PAGE))
        page = min(_number(query.get("page", "1")), pages)
        return self._page(
            request,
            viewer,
            "channels.html",
            cycle=cycle,
            channels=channels[(page - 1) * TEAM_PAGE : page * TEAM_PAGE],
            everyone=len(channels),
            quiet=quiet,
            only_quiet=query.get("quiet") == "1",
            sort=sort,
            page=page,
            pages=pages,
        )

    def rubric_page(self, request: Request, viewer: Viewer) -> Response:
        return self._page(request, viewer, "rubric.html")

    def audit(self, request: Request, viewer: Viewer) -> Response:
        query = request.query_params
        since, until = _day(query.get("since", "")), _day(query.get("until", ""))
        filters = {k: _plain(query.get(k, "")) for k in ("actor", "subject", "since", "until")}
        entries = self.insights.audit_log(
            viewer.access,
            actor=filters["actor"],
            subject=filters["subject"],
            since=since,
            until=until,
        )
        return self._page(request, viewer, "audit.html", entries=entries, filters=filters)

    async def export(self, request: Request) -> Response:
        posted = await self.web.posted(request)
        if isinstance(posted, Response):
            return posted
        viewer, fields = posted
        try:
            body, media, disposition = self.web.parts.export(
                viewer, fields.get("format", "xlsx"), fields.get("cycle", "")
            )
        except Forbidden as refused:
            return self.web.refused(viewer, refused)
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": disposition},
        )


def _plain(text: str, limit: int = 96) -> str:
    """A person or channel as typed into an address or a filter: printable and at most as long
    as the id columns, else "" (a NUL would fail PostgreSQL's query: a 500, not an answer)."""
    return text if len(text) <= limit and text.isprintable() else ""


def _cycle(request: Request) -> str | None:
    return request.query_params.get("cycle") or None


def _number(text: str) -> int:
    """A page number as typed into an address: 1 for anything that is not one."""
    return max(1, int(text)) if text.isdigit() and 0 < len(text) < 7 else 1


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _quiet_first(channels: list[ChannelFigures], quiet: frozenset[str]) -> list[ChannelFigures]:
    """The quiet channels (longest quiet first), then the others by name."""
    silent = sorted(
        (c for c in channels if c.channel in quiet), key=lambda c: c.last_case_on or date.min
    )
    return silent + [c for c in channels if c.channel not in quiet]


def _sorted(summary: Summary, sort: str, descending: bool) -> list[PersonSummary]:
    """People by name (the summary's order), by total, or by one value's cases."""
    people = list(summary.people)
    if sort == "total":
        people.sort(key=lambda p: p.total, reverse=descending)
    elif any(v.value_key == sort for p in people[:1] for v in p.values):
        people.sort(
            key=lambda p: next(v.cases for v in p.values if v.value_key == sort),
            reverse=descending,
        )
    elif descending:
        people.reverse()
    return people
