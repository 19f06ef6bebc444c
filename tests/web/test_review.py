"""The appraisal's pages over real HTTP: who sees which form, refusals that change nothing,
hostile input answered with 4xx, HR's export."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from bot.app.people_import import import_people
from bot.core.review import Kind, Stage
from tests.appraisal.conftest import ALICE, OPENING, PEOPLE_CSV
from tests.web.conftest import ADMIN, MANAGER, MEMBER, OTHER, Site, csrf_of


@pytest.fixture
def org(site: Site) -> Site:
    report = import_people(site.runtime.repo, site.runtime.clock, PEOPLE_CSV, None)
    assert not report.unmatched
    return site


def post(client: httpx.Client, path: str, page: str, **fields: str) -> httpx.Response:
    html = client.get(page).text
    return client.post(path, data={"csrf": csrf_of(html), **fields})


def open_review(client: httpx.Client) -> httpx.Response:
    return post(
        client, "/app/review/open", "/app/review", cycle="2026Q4",
        self_due=OPENING.self_due.isoformat(), manager_due=OPENING.manager_due.isoformat(),
        calibration_due=OPENING.calibration_due.isoformat(), appeal_workdays="5", guidance="",
    )  # fmt: skip


def scores(rt, score: str = "2", **special: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    fields = {f"score:{v.key}": score for v in rt.rubric.values}
    fields.update(special)
    return fields


def test_hr_opens_the_review_and_a_member_cannot(org: Site) -> None:
    member = org.client(MEMBER)
    refused = open_review(member)
    assert refused.status_code == 403
    assert org.runtime.repo.reviews.every() == []

    hr = org.client(ADMIN)
    assert open_review(hr).status_code == 303
    page = hr.get("/app/review").text
    assert "2026Q4" in page and 'id="next-stage"' in page


def test_a_refused_form_names_the_level_keeps_what_was_typed_and_stores_nothing(org: Site) -> None:
    open_review(org.client(ADMIN))
    hr = org.client(ADMIN)
    post(hr, "/app/review/next", "/app/review", cycle="2026Q4")
    mia = org.client(MANAGER)
    form = f"/app/review/assess/{MEMBER}"

    refused = post(
        mia,
        form,
        form,
        kind="manager",
        **scores(
            org.runtime,
            **{"score:customer-first": "4", "comment:customer-first": "keeps <b>promises</b>"},
        ),
    )

    assert refused.status_code == 400
    assert "Level 3" in refused.text or "第3分" in refused.text
    assert "keeps &lt;b&gt;promises&lt;/b&gt;" in refused.text
    review = org.runtime.repo.reviews.get("2026Q4")
    assert org.runtime.repo.reviews.assessments(review) == []
    written = {
        "star_level:customer-first": "3", "star_s:customer-first": "launch slipped",
        "star_t:customer-first": "recover", "star_a:customer-first": "rebuilt the plan",
        "star_r:customer-first": "shipped", "star_level:customer-first-x": "",
    }  # fmt: skip
    written.update({"star_level:customer-first": "4"})
    still = post(
        mia,
        form,
        form,
        kind="manager",
        **scores(org.runtime, **{"score:customer-first": "4"}),
        **written,
    )
    assert still.status_code == 400  # level 3 is still without a case
    written["star_level:customer-first"] = "3"
    accepted = post(
        mia,
        form,
        form,
        kind="manager",
        **scores(org.runtime, **{"score:customer-first": "3"}),
        **written,
    )
    assert accepted.status_code == 303
    stored = org.runtime.repo.reviews.assessments(review, kind=Kind.MANAGER)
    assert {a.value_key: a.score for a in stored}["customer-first"] == 3


def test_a_peer_cannot_open_another_s_form_result_or_calibration(org: Site) -> None:
    open_review(org.client(ADMIN))
    alice = org.client(ALICE)

    assert alice.get(f"/app/review/assess/{MEMBER}").status_code == 403
    assert alice.get(f"/app/review/result/{MEMBER}").status_code == 403
    assert alice.get("/app/review/calibration").status_code == 403
    sam = org.client("console:sam")  # a manager, but not on Bob's line
    assert sam.get(f"/app/review/assess/{MEMBER}").status_code == 403
    forged = post(
        alice,
        f"/app/review/assess/{MEMBER}",
        "/app/review/self",
        kind="self",
        **scores(org.runtime),
    )
    assert forged.status_code == 403
    assert org.runtime.repo.reviews.assessments(org.runtime.repo.reviews.get("2026Q4")) == []


@pytest.mark.parametrize(
    "path",
    [
        "/app/review/assess/%00",
        "/app/review/result/" + "x" * 3000,
        "/app/review/assess/console:nobody",
    ],
)
def test_hostile_paths_get_an_answer_not_a_500(org: Site, path: str) -> None:
    open_review(org.client(ADMIN))
    assert org.client(MANAGER).get(path).status_code in (400, 403, 404)


def test_hostile_form_values_are_refused_with_4xx(org: Site) -> None:
    open_review(org.client(ADMIN))
    bob = org.client(MEMBER)
    for fields in (
        scores(org.runtime, "NaN"),
        scores(org.runtime, "1e308"),
        {**scores(org.runtime), "cite:customer-first:99999999999999": "on"},
        {**scores(org.runtime), "cite:customer-first:abc": "on"},
    ):
        answer = post(
            bob, f"/app/review/assess/{MEMBER}", "/app/review/self", kind="self", **fields
        )
        assert answer.status_code == 400, fields


def test_the_export_holds_every_figure_and_defuses_formulas(org: Site) -> None:
    rt = org.runtime
    appraisal = rt.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    appraisal.reviews.advance(ADMIN, None)
    from bot.app.assessing import Entry

    entries = [
        Entry(v.key, 2, '=HYPERLINK("http://evil")' if v.key == "teamwork" else "")
        for v in rt.rubric.values
    ]
    assert appraisal.assessing.submit(MANAGER, None, MEMBER, Kind.MANAGER, entries) == []
    appraisal.reviews.advance(ADMIN, None)
    appraisal.calibrating.adjust(ADMIN, None, MEMBER, "teamwork", 3, "=1+1 led the review")
    hr = org.client(ADMIN)

    answer = post(hr, "/app/review/export", "/app/review", cycle="2026Q4", format="csv")

    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    bob = next(r for r in rows if r["person"] == MEMBER)
    assert bob["final:teamwork"] == "3.0" and bob["total"] == "13.0" and bob["manager"] == MANAGER
    assert bob["adjustments"].startswith("teamwork 2→3") and "'=1+1" not in bob["adjustments"][:1]
    assert bob["department"] == "Support" and bob["band"] == "C"
    assert all(not r["adjustments"].startswith("=") for r in rows)
    assert (
        post(org.client(MANAGER), "/app/review/export", "/app/review", cycle="2026Q4").status_code
        == 403
    )
    assert rt.repo.reviews.get("2026Q4").stage is Stage.CALIBRATION
    assert OTHER not in {r["person"] for r in rows}  # no manager score: not in the export


def test_calibration_can_be_read_one_department_at_a_time(org: Site) -> None:
    from bot.app.assessing import Entry

    rt = org.runtime
    appraisal = rt.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    appraisal.reviews.advance(ADMIN, None)
    scores_of = [Entry(v.key, 2) for v in rt.rubric.values]
    assert appraisal.assessing.submit(MANAGER, None, MEMBER, Kind.MANAGER, scores_of) == []
    assert appraisal.assessing.submit("console:sam", None, OTHER, Kind.MANAGER, scores_of) == []
    appraisal.reviews.advance(ADMIN, None)
    hr = org.client(ADMIN)

    everyone = hr.get("/app/review/calibration").text
    sales = hr.get("/app/review/calibration", params={"department": "Sales"}).text

    assert "Bob Li" in everyone and "Olga Wu" in everyone
    assert (
        "Olga Wu" in sales.split('id="scores"')[1] and "Bob Li" not in sales.split('id="scores"')[1]
    )
    assert hr.get("/app/review/calibration", params={"page": "99999999"}).status_code == 200


def test_every_review_route_wants_a_session_and_every_form_its_csrf_token(org: Site) -> None:
    from starlette.routing import Route

    from bot.web.review_pages import ReviewPages

    open_review(org.client(ADMIN))
    routes = [
        r
        for r in ReviewPages(None, org.runtime.service.appraisal).routes()  # type: ignore[arg-type]
        if isinstance(r, Route)
    ]
    stranger, hr = org.client(), org.client(ADMIN)
    before = org.runtime.repo.governance.audit_log(limit=1)[0].id
    for route in routes:
        path = route.path.replace("{person:path}", MEMBER)
        for method in route.methods or ():
            if method == "HEAD":
                continue
            assert stranger.request(method, path).status_code == 401, (method, path)
            if method == "POST":
                forged = hr.post(path, data={"cycle": "2026Q4", "person": MEMBER, "reason": "x"})
                assert forged.status_code == 403, path
    assert org.runtime.repo.reviews.get("2026Q4").stage is Stage.SELF
    assert all(
        e.id <= before or e.action.startswith("web")
        for e in org.runtime.repo.governance.audit_log(limit=20)
    )
