"""A day in the console chat, as a newcomer would live it (issue 2, "Done when")."""

from __future__ import annotations

import io

from bot.config import Settings
from bot.platforms.console.chat import Console
from bot.wiring import build
from storage.repository import open_repository
from tests.fakes import FakeClock, shanghai

STORY = "客户账号被盗后，他用其他凭证核实身份，帮客户绑定新号码并找回账号"


class Session:
    """The console over a StringIO, on a SQLite file, with a clock we set."""

    def __init__(self, url: str, clock: FakeClock, locale: str = "zh") -> None:
        self.out = io.StringIO()
        self.runtime = build(
            Settings(database_url=url, locale=locale), clock=clock, repo=open_repository(url)
        )
        self.console = Console(self.runtime.chat, self.out, posts=self.runtime.posts)
        self.console.start()

    def type(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            self.console.handle_line(line)
        return self.out.getvalue()[start:]

    def close(self) -> None:
        self.runtime.close()


def test_a_first_start_posts_at_once_even_on_a_day_off(sqlite_url):
    clock = FakeClock(shanghai(2026, 11, 21, 8, 0))  # Saturday
    session = Session(sqlite_url, clock)

    shown = session.out.getvalue()
    assert "客户第一" in shown and "第 1 分" in shown
    assert "今天不是工作日" in shown
    session.close()


def test_the_done_when_day(sqlite_url):
    """Nominate, be refused for self-nomination, summary refused to a member, shown to an admin."""
    clock = FakeClock(shanghai(2026, 11, 23, 10, 0))
    session = Session(sqlite_url, clock)

    ack = session.type("/as alice", f"@bob {STORY}")
    self_nomination = session.type("/as bob", "@bob 我自己做得很好的一件事")
    member_summary = session.type("/values summary")
    session.runtime.repo.governance.grant(
        person="console:carol", role=__import__("bot.core.permissions", fromlist=["Role"]).Role.ADMIN,
        channel="", by="cli:test", now=clock.now(),
    )  # fmt: skip
    admin_summary = session.type("/as carol", "/values summary")
    session.close()

    assert "已记录 console:alice 对 console:bob 的提名" in ack
    assert "不能提名自己" in self_nomination
    assert "只有主管和管理员可以查看汇总" in member_summary
    assert "console:bob：共 1 个案例" in admin_summary
    assert "客户第一：1 个案例，证据上限 2 分" in admin_summary
    assert STORY in admin_summary and "console:alice" in admin_summary

    restarted = Session(sqlite_url, clock)  # state survives a restart
    again = restarted.type("/as carol", "/values summary")
    restarted.close()
    assert "console:bob：共 1 个案例" in again
    assert again.count("📊") == 1


def test_edit_and_delete_change_the_last_message(sqlite_url):
    session = Session(sqlite_url, FakeClock(shanghai(2026, 11, 23, 10, 0)))

    session.type("/as alice", f"@bob {STORY}")
    edited = session.type("/edit @dan 帮同事通宵排查了线上故障，第二天还主动写了复盘")
    after_edit = session.type("/as dan", "/values me")
    deleted = session.type("/as alice", "/delete")
    after_delete = session.type("/as dan", "/values me")
    session.close()

    assert "已按修改更新" in edited
    assert "帮同事通宵排查了线上故障" in after_edit
    assert "已撤回" in deleted
    assert "还没有人提名你" in after_delete


def test_a_refused_reply_can_be_edited_into_a_nomination(sqlite_url):
    session = Session(sqlite_url, FakeClock(shanghai(2026, 11, 23, 10, 0)))

    refused = session.type("/as alice", "@bob 很好")
    accepted = session.type(f"/edit @bob {STORY}")
    session.close()

    assert "故事太短了" in refused
    assert "已记录" in accepted


def test_bad_input_gets_a_friendly_answer(sqlite_url):
    session = Session(sqlite_url, FakeClock(shanghai(2026, 11, 23, 10, 0)))

    answers = session.type(
        "/values dance",
        "/values me cycle:2019Q9",
        "/frobnicate",
        "/edit nothing",
        f"没有提到任何人 {STORY}",
    )
    session.close()

    assert "不认识的命令「dance」" in answers
    assert "没有叫「2019Q9」的周期" in answers
    assert "不认识「/frobnicate」" in answers
    assert "还没有发过可以修改的消息" in answers
    assert "没有看到被提名的同事" in answers


def test_english_locale_speaks_english(sqlite_url):
    session = Session(sqlite_url, FakeClock(shanghai(2026, 11, 23, 10, 0)), locale="en")

    shown = session.out.getvalue() + session.type("/values help")
    session.close()

    assert "Today's value · Customer First" in shown
    assert "How to use values-bot" in shown


def test_only_meant_nominations_are_recorded(sqlite_url):
    """A question, a row of 👍 and a "+1" are not cases; naming yourself beside a colleague
    records the colleague and says you were left out (issue 14, "A nomination is meant")."""
    clock = FakeClock(shanghai(2026, 11, 23, 10, 0))
    session = Session(sqlite_url, clock)

    question = session.type("/as alice", "@bob 能把今天会议的纪要发我吗？")
    thumbs = session.type("@bob 👍👍👍👍👍👍👍👍👍👍👍👍")
    plus_one = session.type("@bob +1 +1 +1 +1 +1 +1 +1 +1 +1 +1")
    both = session.type(f"@bob @alice {STORY}")
    me = session.type("/values me")
    bob = session.type("/as bob", "/values me")
    session.close()

    assert "这看起来是一个问题" in question
    assert "故事太短了" in thumbs and "故事太短了" in plus_one
    assert "已记录 console:alice 对 console:bob 的提名" in both and "自己不能被提名" in both
    assert STORY not in me  # nothing was recorded about alice
    assert bob.count(STORY) == 1 and "纪要" not in bob  # one case about bob: the story
