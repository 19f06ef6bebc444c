"""The appraisal on the web app: the review page (every role's part of it), the assessment forms,
calibration, results with confirm and appeal, and HR's answers. Every read and write goes
through `Appraisal`, which authorises and audits; nothing here decides who may do what.

    GET  /app/review                      the review: HR's controls, a manager's reports, my part
    POST /app/review/open|next|lock       HR: open a review, move it on, lock calibration
    GET  /app/review/self                 my self-assessment
    GET  /app/review/assess/{person}      a manager's assessment of a report
    POST /app/review/assess/{person}      either form (kind=self|manager)
    POST /app/review/nonconforming/{p}    a manager or HR records a non-conforming case
    GET  /app/review/calibration          HR: distribution, outliers, adjustments
    POST /app/review/adjust               HR: one score, with a reason
    GET  /app/review/result/{person}      a result (the person once released, their chain, HR)
    POST /app/review/answer               the person: confirm, or appeal with a text
    POST /app/review/resolve              HR: uphold or adjust an appeal, with a reason
    POST /app/review/export               HR: the review as xlsx or CSV
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.app import review_export
from bot.app.appraisal import Appraisal
from bot.app.assessing import Entry, Problem
from bot.app.review_desk import Opening, Refused
from bot.app.spreadsheet import XLSX
from bot.core.appraisal import Citation, Written, scale
from bot.core.messages import Reply
from bot.core.review import Kind, Stage
from bot.web.pages import _number, _plain

if TYPE_CHECKING:
    from bot.web.app import Viewer, WebApp

SCORES_PAGE = 100  # people per page of calibration's scores
OUTLIERS_SHOWN = 300  # the outliers listed (their count is always said)
Page = Callable[[Request, "Viewer"], Response]
Form = Callable[[Request, "Viewer", dict[str, str]], Response]


def result_href(person: str) -> str:
    return "/app/review/result/" + quote(person, safe="")


def assess_href(person: str) -> str:
    return "/app/review/assess/" + quote(person, safe="")


class ReviewPages:
    """The appraisal's GET pages and POST forms (see the module's list)."""

    def __init__(self, web: WebApp, appraisal: Appraisal) -> None:
        self.web, self.appraisal = web, appraisal
        self.desk = appraisal.desk

    def routes(self) -> list[Route]:
        pages: list[tuple[str, Page]] = [
            ("/app/review", self.home),
            ("/app/review/self", self.self_form),
            ("/app/review/assess/{person:path}", self.manager_form),
            ("/app/review/calibration", self.calibration),
            ("/app/review/result/{person:path}", self.result),
        ]
        forms: list[tuple[str, Form]] = [
            ("/app/review/open", self.open),
            ("/app/review/next", self.next),
            ("/app/review/lock", self.lock),
            ("/app/review/assess/{person:path}", self.assess),
            ("/app/review/nonconforming/{person:path}", self.nonconforming),
            ("/app/review/adjust", self.adjust),
            ("/app/review/answer", self.answer),
            ("/app/review/resolve", self.resolve),
            ("/app/review/export", self.export),
        ]
        return [Route(p, self._get(page), methods=["GET"]) for p, page in pages] + [
            Route(p, self._post(form), methods=["POST"]) for p, form in forms
        ]

    # ---- plumbing ---------------------------------------------------------------------------

    def _get(self, page: Page) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            viewer = self.web.viewer(request)
            if viewer is None:
                return self.web.signed_out(request)
            try:
                return page(request, viewer)
            except Refused as refused:
                return self._refused(viewer, refused)

        return handle

    def _post(self, form: Form) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            posted = await self.web.posted(request)
            if isinstance(posted, Response):
                return posted
            viewer, fields = posted
            try:
                return form(request, viewer, fields)
            except Refused as refused:
                return self._refused(viewer, refused)

        return handle

    def _refused(self, viewer: Viewer, refused: Refused) -> Response:
        message = self.web.words[viewer.locale].render(refused.reply.key, **refused.reply.context)
        return self.web.render("error.html", viewer.locale, viewer, refused.status, message=message)

    def _page(
        self, request: Request, viewer: Viewer, template: str, status: int = 200, **context: Any
    ) -> Response:
        back = request.url.path
        return self.web.render(
            template,
            viewer.locale,
            viewer,
            status,
            back=back,
            rubric=self.desk.rubric,
            scale=scale,
            result_href=result_href,
            assess_href=assess_href,
            **context,
        )

    def _back(self, path: str = "/app/review") -> Response:
        return RedirectResponse(path, status_code=303)

    # ---- the review page -------------------------------------------------------------------

    def home(self, request: Request, viewer: Viewer) -> Response:
        desk = self.desk
        reviews = desk.repo.reviews.every()
        review = reviews[0] if reviews else None
        access = viewer.access
        me = desk.repo.directory.member(viewer.person)
        reports = desk.repo.directory.direct_reports(viewer.person)
        context: dict[str, Any] = {
            "review": review,
            "me": me,
            "reports": reports,
            "today": desk.today(),
        }
        if review is not None:
            done = desk.repo.reviews.assessments(
                review, people=[viewer.person, *(m.person for m in reports)]
            )
            context["done"] = {(a.person, a.kind.value) for a in done}
            if access.is_admin:
                context["waiting"] = self.appraisal.reviews.concerned(review)
                context["appeals"] = self.appraisal.calibrating.appeals(
                    viewer.person, review.cycle_id
                )
        return self._page(
            request, viewer, "review.html", cycles=self.web.parts.insights.cycles(), **context
        )

    def open(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        try:
            opening = Opening(
                fields.get("cycle", "")[:32],
                date.fromisoformat(fields.get("self_due", "")),
                date.fromisoformat(fields.get("manager_due", "")),
                date.fromisoformat(fields.get("calibration_due", "")),
                int(fields.get("appeal_workdays", "5") or 5),
                fields.get("guidance", "")[:200],
            )
        except ValueError:
            raise Refused(Reply("review_dates_order"), 400) from None
        self.appraisal.reviews.open(viewer.person, opening)
        return self._back()

    def next(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        self.appraisal.reviews.advance(viewer.person, fields.get("cycle", "")[:32])
        return self._back()

    def lock(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        self.appraisal.reviews.lock(viewer.person, fields.get("cycle", "")[:32])
        return self._back("/app/review/calibration")

    # ---- the forms -------------------------------------------------------------------------

    def self_form(self, request: Request, viewer: Viewer) -> Response:
        return self._form(request, viewer, viewer.person, Kind.SELF)

    def manager_form(self, request: Request, viewer: Viewer) -> Response:
        return self._form(request, viewer, _plain(request.path_params["person"]), Kind.MANAGER)

    def _form(
        self,
        request: Request,
        viewer: Viewer,
        person: str,
        kind: Kind,
        problems: list[Problem] | None = None,
        given: dict[str, str] | None = None,
    ) -> Response:
        sheet = self.appraisal.assessing.sheet(viewer.person, None, person, kind)
        status = 400 if problems else 200
        return self._page(
            request, viewer, "assess.html", status, sheet=sheet, problems=problems or [], given=given or {},
            saved=request.query_params.get("saved") == "1",
        )  # fmt: skip

    def assess(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        person = _plain(request.path_params["person"])
        kind = Kind.MANAGER if fields.get("kind") == "manager" else Kind.SELF
        entries = [_entry(v.key, fields) for v in self.desk.rubric.values]
        problems = self.appraisal.assessing.submit(viewer.person, None, person, kind, entries)
        if problems:
            return self._form(request, viewer, person, kind, problems, fields)
        target = "/app/review/self" if kind is Kind.SELF else assess_href(person)
        return self._back(target + "?saved=1")

    def nonconforming(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        person = _plain(request.path_params["person"])
        value_key, _, level = fields.get("level", "").rpartition(":")
        written = Written(*(fields.get(f"nc_{p}", "") for p in "star"))
        self.appraisal.assessing.record_nonconforming(
            viewer.person, None, person, value_key, _int(level), written
        )
        return self._back(assess_href(person))

    # ---- calibration, results, appeals -------------------------------------------------------

    def calibration(self, request: Request, viewer: Viewer) -> Response:
        """The distribution and the outliers whole; the scores a page at a time, by department
        when one is picked, highest total first."""
        query = request.query_params
        department = _plain(query.get("department", ""), 200)
        calibration = self.appraisal.calibrating.calibration(viewer.person, None, department)
        results = [
            r
            for r in calibration.results
            if not department or (r.member.department or "—") == department
        ]
        results.sort(key=lambda r: (-r.total, r.member.name or r.person))
        pages = max(1, -(-len(results) // SCORES_PAGE))
        page = min(pages, _number(query.get("page", "1")))
        listed = {r.person for r in results}
        outliers = [o for o in calibration.outliers if o.person in listed]
        return self._page(
            request, viewer, "calibration.html", c=calibration, names=calibration.names,
            shown_results=results[(page - 1) * SCORES_PAGE : page * SCORES_PAGE],
            everyone=len(results), page=page, pages=pages, department=department,
            outliers=outliers[:OUTLIERS_SHOWN], more_outliers=max(0, len(outliers) - OUTLIERS_SHOWN),
        )  # fmt: skip

    def adjust(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        self.appraisal.calibrating.adjust(
            viewer.person,
            None,
            _plain(fields.get("person", "")),
            fields.get("value", "")[:80],
            _score(fields.get("score", "")),
            fields.get("reason", ""),
        )
        return self._back("/app/review/calibration")

    def result(self, request: Request, viewer: Viewer) -> Response:
        person = _plain(request.path_params["person"])
        calibrating = self.appraisal.calibrating
        found = calibrating.result(viewer.person, None, person)
        review = self.desk.review(None)
        cases = self.appraisal.assessing.cases_of(viewer.person, None, person)
        nonconforming = self.desk.repo.reviews.nonconforming(review.cycle_id, [person])
        can_answer = (
            person == viewer.person and review.stage is Stage.RELEASED and found.outcome is None
        )
        return self._page(
            request, viewer, "result.html", result=found, review=review, cases=cases,
            nonconforming=nonconforming, can_answer=can_answer, today=self.desk.today(),
        )  # fmt: skip

    def answer(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        appeal = fields.get("appeal") if fields.get("answer") == "appeal" else None
        self.appraisal.calibrating.answer(viewer.person, None, appeal)
        return self._back(result_href(viewer.person))

    def resolve(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        value = fields.get("value", "")[:80]
        adjust = (value, _score(fields.get("score", ""))) if value else None
        self.appraisal.calibrating.resolve(
            viewer.person, None, _plain(fields.get("person", "")), fields.get("reason", ""), adjust
        )
        return self._back()

    def export(self, request: Request, viewer: Viewer, fields: dict[str, str]) -> Response:
        kind = "csv" if fields.get("format") == "csv" else "xlsx"
        calibrating = self.appraisal.calibrating
        review, columns, body = review_export.rows(
            calibrating, viewer.person, fields.get("cycle", "")[:32]
        )
        templates = self.web.words[viewer.locale]
        data = review_export.as_bytes(
            kind, templates, self.desk.rubric, self.desk.reading.timezone, columns, body
        )
        media = "text/csv; charset=utf-8" if kind == "csv" else XLSX
        name = f"values-bot-review-{review.cycle_id}.{kind}"
        return Response(
            data,
            media_type=media,
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 3 else -1


def _score(text: str) -> float:
    try:
        score = float(text)
    except ValueError:
        return -1.0
    return score if 0 <= score <= 100 else -1.0


def _entry(key: str, fields: dict[str, str]) -> Entry:
    """One value of a posted form: its score, comment, ticked cases and a written case."""
    ids = [name.rsplit(":", 1)[1] for name in fields if name.startswith(f"cite:{key}:")]
    cited = tuple(int(i) if i.isdigit() and len(i) < 12 else -1 for i in ids)
    written = Written(*(fields.get(f"star_{p}:{key}", "") for p in "star"))
    level = _int(fields.get(f"star_level:{key}", ""))
    star = (
        (Citation(level, written=written),)
        if level > 0 and any(p.strip() for p in written.__dict__.values())
        else ()
    )
    return Entry(
        key, _score(fields.get(f"score:{key}", "")), fields.get(f"comment:{key}", ""), cited, star
    )
