"""The web app's pages: who may read what, one audit entry per read of someone else's
evidence, figures that equal the stored cases, escaping, exports; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest

from bot.core.messages import Place
from tests.web.conftest import ADMIN, MANAGER, MEMBER, OTHER, TEAM, Site, csrf_of, record

pytestmark = pytest.mark.postgres


def _audit_count(site: Site) -> int:
    return len(site.runtime.repo.governance.audit_log(limit=10_000))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_each_role_is_sent_to_its_first_page(site: Site):
    homes = {
        who: site.client(who).get("/app/").headers["location"] for who in (ADMIN, MANAGER, MEMBER)
    }

    assert homes == {
        ADMIN: "/app/overview",
        MANAGER: "/app/team",
        MEMBER: "/app/people/console%3Abob",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/app/overview",
        "/app/audit",
        "/app/people/console%3Aolga",
        "/app/channels/console%3Ateam",
        "/app/team",
    ],
)
def test_a_member_gets_403_on_what_is_not_theirs_and_nothing_is_logged(site: Site, path: str):
    client = site.client(MEMBER)
    before = _audit_count(site)

    refused = client.get(path)

    assert refused.status_code == 403
    assert "Olga" not in refused.text
    assert _audit_count(site) == before


def test_a_member_reads_their_own_ledger_without_an_audit_entry(site: Site):
    client = site.client(MEMBER)
    before = _audit_count(site)

    page = client.get("/app/people/console%3Abob")

    assert page.status_code == 200
    text = _text(page.text)
    assert "Bob called the customer back the same day" in text
    assert "Bob shared his notes with the whole team" in text
    assert _audit_count(site) == before


def test_the_ledger_files_cases_by_value_and_level_with_the_rule_that_set_the_ceiling(site: Site):
    page = site.client(MEMBER).get("/app/people/console%3Abob?cycle=2026Q4").text
    customer = page.split('id="value-customer-first"')[1].split("</section>")[0]

    # customer-first: levels 1 and 2 each have a case; level 3 needs one: the ceiling stops there
    assert "证据上限：2 分" in customer
    assert "停在第3分" in customer and "有符合的案例才给分" in customer
    assert customer.index("Bob called the customer") < customer.index("Bob stayed until")
    assert 'href="https://example.slack.com/archives/C1/p1"' in customer


def test_a_manager_reads_their_team_and_nobody_from_other_channels(site: Site):
    client = site.client(MANAGER)
    before = _audit_count(site)

    team = client.get("/app/team")
    olga = client.get("/app/people/console%3Aolga")

    assert team.status_code == 200
    text = _text(team.text)
    assert "Bob Li (console:bob)" in text and "console:alice" in text
    assert "Olga" not in text and "console:sam" not in text
    assert "console:quiet-quinn" in text  # took part in the team, never nominated
    assert olga.status_code == 200 and "Olga kept her word" not in olga.text
    assert "另有 2 个案例在你不管理的频道里" in _text(olga.text)
    entries = site.runtime.repo.governance.audit_log(limit=_audit_count(site) - before)
    assert sorted(e.action for e in entries) == ["web_ledger", "web_team"]
    assert all(e.actor == MANAGER for e in entries)


def test_the_team_table_sorts_by_a_value_and_by_total(site: Site):
    client = site.client(MANAGER)

    by_total = _text(client.get("/app/team?sort=total&dir=desc").text)
    by_integrity = _text(client.get("/app/team?sort=integrity&dir=desc").text)

    assert by_total.index("console:bob") < by_total.index("console:alice")
    assert by_integrity.index("console:alice") < by_integrity.index("console:bob")


def test_every_page_showing_others_evidence_writes_one_audit_entry(site: Site):
    client = site.client(ADMIN)
    for path, action in [
        ("/app/overview", "web_overview"),
        ("/app/team?channel=console%3Ateam", "web_team"),
        ("/app/people/console%3Abob", "web_ledger"),
        ("/app/channels/console%3Ateam", "web_channel"),
    ]:
        before = _audit_count(site)

        assert client.get(path).status_code == 200

        entries = site.runtime.repo.governance.audit_log(limit=10)
        assert _audit_count(site) == before + 1, path
        assert (entries[0].actor, entries[0].action) == (ADMIN, action)
    ledger = site.runtime.repo.governance.audit_log(limit=3)[1]
    assert ledger.subjects == (MEMBER,)


def test_the_overview_counts_what_is_stored(site: Site):
    page = site.client(ADMIN).get("/app/overview?cycle=2026Q4")

    assert page.status_code == 200
    figures = page.text.split('id="figures"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">[^<]+</th><td>(\d+)</td><td>(\d+)</td>", figures)
    assert rows == [("6", "0"), ("4", "0"), ("3", "0"), ("2", "0")]  # cases, nominators, ...
    heat = page.text.split('id="heat-table"')[1].split("</table>")[0]
    first_row = re.findall(r"<td>(\d+)</td>", heat.split("</tr>")[1])
    assert first_row == ["2", "1", "0", "0", "0"]  # customer-first: Bob and Olga at L1, Bob at L2
    assert "<svg" in page.text and 'id="weekly-table"' in page.text
    assert "console:quiet-quinn" in page.text  # took part, never nominated
    channels = _text(page.text.split('id="channels"')[1].split("</table>")[0])
    assert "console:team 3 4 4" in channels  # three posts, four replies with a case, four cases


def test_a_channel_without_a_case_for_two_weeks_is_listed_as_quiet(site: Site):
    site.clock.advance(days=30)  # 2026-12-23: the newest case was on 2026-11-18

    page = site.client(ADMIN).get("/app/overview?cycle=2026Q4").text

    quiet = page.split('id="quiet"')[1].split("</ul>")[0]
    assert "console:team" in quiet and "console:sales" in quiet


def test_the_channel_page_lists_each_post_and_what_it_drew(site: Site):
    page = site.client(MANAGER).get("/app/channels/console%3Ateam?cycle=2026Q4")
    refused = site.client(MANAGER).get("/app/channels/console%3Asales")

    assert page.status_code == 200 and refused.status_code == 403
    rows = re.findall(
        r"<tr><td>(\d{4}-\d\d-\d\d)</td><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td>", page.text
    )
    assert rows and sum(int(cases) for _, _, cases in rows) == 4


def test_the_audit_log_filters_by_actor_subject_and_date(site: Site):
    admin = site.client(ADMIN)
    site.client(MANAGER).get("/app/people/console%3Abob")
    admin.get("/app/people/console%3Aolga")

    by_actor = admin.get("/app/audit", params={"actor": MANAGER}).text
    by_subject = admin.get("/app/audit", params={"subject": OTHER}).text
    by_day = admin.get("/app/audit", params={"since": "2030-01-01"}).text
    bad_day = admin.get("/app/audit", params={"since": "not-a-day"})

    assert "web_ledger" in by_actor and ADMIN not in _text(by_actor.split('id="audit"')[1])
    assert (
        OTHER in by_subject.split('id="audit"')[1]
        and MEMBER not in by_subject.split('id="audit"')[1]
    )
    assert "web_ledger" not in by_day
    assert bad_day.status_code == 200


def test_stories_and_links_are_escaped_in_html(site: Site):
    rt = site.runtime
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    record(rt, TEAM, date(2026, 11, 20), "console:alice", MEMBER, "integrity:1", hostile, 99)
    from sqlalchemy import text

    with rt.repo.engine.begin() as connection:
        connection.execute(
            text("UPDATE evidence SET link = 'javascript:alert(1)' WHERE source_message_id = 'm99'")
        )
    rt.repo.people.remember({"console:alice": "<b>Alice</b>"}, now=rt.clock.now())

    page = site.client(ADMIN).get("/app/people/console%3Abob").text

    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Alice</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "javascript:" not in page


def test_a_path_that_names_someone_weird_is_answered_not_a_500(site: Site):
    client = site.client(ADMIN)
    for path in [
        "/app/people/%00",
        "/app/people/" + "x" * 3000,
        "/app/people/noplatform",
        "/app/channels/nochannel",
        "/app/channels/console%3A%00",
        "/app/overview?cycle=%3Cscript%3E",
        "/app/overview?cycle=%00",
        "/app/team?channel=%00",
        "/app/audit?actor=%00&subject=%00&since=%00",
    ]:
        answer = client.get(path)

        assert answer.status_code in (200, 403, 404), path
        assert "<script>" not in answer.text


def test_an_unknown_cycle_is_a_clear_404(site: Site):
    page = site.client(ADMIN).get("/app/overview?cycle=1999Q9")

    assert page.status_code == 404 and "1999Q9" in page.text


def test_the_admin_downloads_the_cycle_as_xlsx_and_csv(site: Site):
    client = site.client(ADMIN)
    token = csrf_of(client.get("/app/overview").text)

    xlsx = client.post("/app/export", data={"csrf": token, "format": "xlsx", "cycle": "2026Q4"})
    csv = client.post("/app/export", data={"csrf": token, "format": "csv", "cycle": "2026Q4"})
    forged = client.post("/app/export", data={"format": "csv", "cycle": "2026Q4"})

    assert xlsx.status_code == 200 and "values-2026Q4.xlsx" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    stories = {str(c.value) for row in book.worksheets[0].iter_rows() for c in row}
    assert "Olga kept her word to the client" in stories
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    assert csv.text.count("\n") == 7  # the header and six cases
    assert forged.status_code == 403
    actions = [e.action for e in site.runtime.repo.governance.audit_log(limit=5)]
    assert actions.count("export") == 2


def test_a_manager_downloads_only_their_channels_and_no_csv(site: Site):
    client = site.client(MANAGER)
    token = csrf_of(client.get("/app/team").text)

    xlsx = client.post("/app/export", data={"csrf": token, "format": "xlsx"})
    csv = client.post("/app/export", data={"csrf": token, "format": "csv"})
    member = site.client(MEMBER)
    refused = member.post(
        "/app/export", data={"csrf": csrf_of(member.get("/app/rubric").text), "format": "xlsx"}
    )

    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = {str(c.value) for row in book.worksheets[0].iter_rows() for c in row}
    assert "Bob called the customer back the same day" in cells
    assert "Olga kept her word to the client" not in cells
    assert csv.status_code == 403 and refused.status_code == 403


def test_the_rubric_is_there_for_everyone_in_both_languages(site: Site):
    client = site.client(MEMBER)
    zh = client.get("/app/rubric").text
    client.post("/app/lang", data={"locale": "en", "back": "/app/rubric", "csrf": csrf_of(zh)})
    en = client.get("/app/rubric").text

    criteria = len(site.runtime.rubric.criteria)
    assert zh.count('class="criterion"') == en.count('class="criterion"') == criteria
    assert "客户第一" in zh and "Customer First" in en
    assert 'name="viewport"' in zh  # readable on a phone


def test_values_web_in_chat_answers_a_private_link_that_signs_in(site: Site):
    replies = site.runtime.service.command(Place("console", "local", "team"), MEMBER, "web")

    assert [r.key for r in replies] == ["web_link"] and replies[0].private
    url = replies[0].context["url"]
    assert url.startswith(f"{site.base}/app/signin?t=")
    client = site.client()
    assert client.post("/app/signin", data={"t": url.split("t=")[1]}).status_code == 303


def test_values_web_says_the_web_app_is_off_when_nothing_serves_it(runtime):
    replies = runtime.service.command(Place("console", "local", "team"), MEMBER, "web")

    assert [r.key for r in replies] == ["web_off"]


def test_an_admin_picks_a_team_by_channel_before_reading_it(site: Site):
    client = site.client(ADMIN)
    before = _audit_count(site)

    chooser = client.get("/app/team")
    team = client.get("/app/team?channel=console%3Asales")

    assert chooser.status_code == 200 and _audit_count(site) == before + 1  # the team only
    assert 'href="/app/team?channel=console%3Ateam"' in chooser.text
    assert "Olga Wu (console:olga)" in _text(team.text) and "console:bob" not in team.text
