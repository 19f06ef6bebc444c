"""`values-bot people` and `values-bot review` as an operator types them."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.fake_dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk
from tests.fake_slack import FakeSlack

GOOD = """person,email,name,manager,department,country
console:boss,boss@example.com,Boss,,HR,CN
console:mia,mia@example.com,Mia,boss@example.com,Support,CN
console:bob,bob@example.com,Bob,console:mia,Support,
"""
BAD_ROWS = """person,email,name,manager,department
console:ann,,Ann,console:nobody-at-all@x,Support
not an id,,Bad,,
,ghost@example.com,Ghost,,
console:mia,,Mia again,,
"""


@pytest.fixture(autouse=True)
def english(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_LOCALE", "en")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_is_idempotent_and_reports_what_it_could_not_match(cli: Any, tmp_path: Path) -> None:
    people = write(tmp_path, "people.csv", GOOD)

    code, out, _ = cli("people", "import", people)
    assert code == 0 and "3 people added, 0 changed, 0 unchanged" in out
    code, out, _ = cli("people", "import", people)
    assert code == 0 and "0 people added, 0 changed, 3 unchanged" in out

    code, out, _ = cli(
        "people", "import", write(tmp_path, "more.csv", GOOD + BAD_ROWS.split("\n", 1)[1])
    )
    lines = out.splitlines()
    assert "row 5 (console:nobody-at-all@x): manager not found" in out or any(
        "row 5" in line for line in lines
    )
    assert any("row 6 (not an id)" in line and "PLATFORM:ID" in line for line in lines)
    assert any(
        "row 7 (ghost@example.com)" in line and "no one with this e-mail" in line for line in lines
    )
    assert any("row 8 (console:mia)" in line and "same person again" in line for line in lines)
    loop = write(tmp_path, "loop.csv", "person,manager\nconsole:boss,console:bob\n")
    code, out, _ = cli("people", "import", loop)
    assert "row 2 (console:bob)" in out and "loop" in out
    code, out, _ = cli("people", "list")
    listed = dict(line.split("\t", 1) for line in out.splitlines())
    assert listed["console:boss"] == "Boss\t-\tHR"  # the loop refused; the other columns kept
    assert listed["console:bob"].split("\t")[1] == "console:mia"


def test_an_xlsx_with_chinese_headers_imports_and_a_broken_file_is_said(
    cli: Any, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["人员", "邮箱", "姓名", "直属上级", "部门"])
    sheet.append(["console:li", "li@example.com", "李雷", "", "研发"])
    sheet.append(["console:han", "han@example.com", "韩梅梅", "li@example.com", "研发"])
    book.save(tmp_path / "people.xlsx")

    code, out, _ = cli("people", "import", str(tmp_path / "people.xlsx"))
    assert code == 0 and "2 people added" in out
    code, out, _ = cli("people", "list")
    assert "console:han\t韩梅梅\tconsole:li\t研发" in out
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code, _, err = cli("people", "import", str(tmp_path / "broken.xlsx"))
    assert code == 1 and "Cannot read" in err


def test_slack_matches_e_mails_with_users_lookup_by_email(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSlack().start()
    try:
        fake.emails = {"mia@example.com": "UMIA001"}
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-1234567890")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "s" * 32)
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        people = write(
            tmp_path, "p.csv", "email,name\nmia@example.com,Mia\nnobody@example.com,Nobody\n"
        )

        code, out, _ = cli("people", "import", people, "--platform", "slack")
    finally:
        fake.stop()
    assert code == 0 and "1 people added" in out and "nobody@example.com" in out
    assert [c.params.get("email") for c in fake.of("users.lookupByEmail")] == [
        "mia@example.com",
        "nobody@example.com",
    ]
    assert "slack:UMIA001\tMia" in cli("people", "list")[1]


@pytest.fixture
def dingtalk(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDingTalk]:
    fake = FakeDingTalk().start()
    monkeypatch.setenv("DINGTALK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("DINGTALK_API_URL", fake.url)
    yield fake
    fake.stop()


def test_dingtalk_sync_reads_each_member_s_manager_and_department(
    cli: Any, dingtalk: FakeDingTalk
) -> None:
    dingtalk.departments = {
        1: ("公司", [2], ["ceo01"]),
        2: ("客服部", [], ["mgr01", "rep01", "rep02"]),
    }
    dingtalk.users = {
        "ceo01": {"name": "王总", "dept_id_list": [1]},
        "mgr01": {
            "name": "李经理",
            "manager_userid": "ceo01",
            "dept_id_list": [2],
            "org_email": "li@corp.cn",
        },
        "rep01": {"name": "张三", "manager_userid": "mgr01", "dept_id_list": [2]},
        "rep02": {"name": "赵四", "manager_userid": "gone99", "dept_id_list": [2]},
    }

    code, out, _ = cli("people", "sync", "--platform", "dingtalk")
    assert code == 0 and "4 people added" in out
    code, out, _ = cli("people", "list")
    listed = {line.split("\t")[0]: line.split("\t")[1:] for line in out.splitlines()}
    assert listed["dingtalk:rep01"] == ["张三", "dingtalk:mgr01", "客服部"]
    assert listed["dingtalk:mgr01"] == ["李经理", "dingtalk:ceo01", "客服部"]
    assert listed["dingtalk:rep02"][1] == "-"  # a manager outside the directory is dropped
    code, out, _ = cli("people", "sync", "--platform", "dingtalk")
    assert "0 people added, 0 changed, 4 unchanged" in out


def test_review_from_the_shell_open_status_next_export(cli: Any, tmp_path: Path) -> None:
    cli("people", "import", write(tmp_path, "people.csv", GOOD))
    code, _, err = cli(
        "review",
        "open",
        "--cycle",
        "2026Q4",
        "--self-due",
        "2026-12-18",
        "--manager-due",
        "2026-12-10",
        "--calibration-due",
        "2026-12-30",
    )
    assert code == 1 and "in order" in err
    args = [
        "--self-due",
        "2099-01-10",
        "--manager-due",
        "2099-01-20",
        "--calibration-due",
        "2099-01-30",
    ]
    code, out, _ = cli(
        "review", "open", "--cycle", "2026Q4", *args, "--guidance", "A>=20:30,B>=0:70"
    )
    assert code == 0 and "2026Q4" in out and "A>=20:30,B>=0:70" in out
    code, out, _ = cli("review", "status")
    assert "3 people have not finished" in out
    code, out, _ = cli("review", "next", "--cycle", "2026Q4")
    assert code == 0
    code, out, _ = cli("review", "status")
    assert "2 people have not finished" in out  # the managers: boss (of mia) and mia (of bob)
    out_file = tmp_path / "review.csv"
    code, _, err = cli(
        "review", "export", "--cycle", "2026Q4", "--format", "csv", "--out", str(out_file)
    )
    assert code == 0 and out_file.exists()
    with out_file.open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[:4] == ["person", "name", "department", "manager"]
    code, _, err = cli("review", "export", "--cycle", "2026Q4", "--out", str(out_file))
    assert code == 1  # never over an existing file without --force
    xlsx = tmp_path / "review.xlsx"
    assert cli("review", "export", "--cycle", "2026Q4", "--out", str(xlsx))[0] == 0
    assert load_workbook(xlsx).worksheets[0]["A1"].value == "person"
