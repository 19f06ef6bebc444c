"""A case after it is recorded (issue 14): meant or asked about, withdrawn, moved, hidden and
restored by a manager, flagged by its nominee; every change audited; on SQLite and PostgreSQL.
Driven through the console chat, which speaks to the same service as every platform."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.core.cycles import quarter_of
from bot.core.model import CaseState
from bot.core.permissions import Role
from bot.platforms.console.chat import Console
from bot.wiring import Runtime
from tests.fakes import FakeClock, shanghai

STORY = "客户账号被盗后，他用其他凭证核实身份，帮客户绑定新号码并找回账号"
MIXED = "虽然上周开会又迟到了，但是这次主动帮我把客户的方案改完了，客户很满意"
CRITICISM = "又迟到了…太不专业了，害得大家等了半个小时"


class Chat:
    """The console over a StringIO, on the test's repository."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.out = io.StringIO()
        self.console = Console(runtime.chat, self.out, posts=runtime.posts)
        self.console.start()

    def type(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            self.console.handle_line(line)
        return self.out.getvalue()[start:]

    def cases(self, *states: CaseState) -> list[tuple[str, str, str]]:
        """(nominee, criterion, state) of the cycle's cases in `states` (default: counted)."""
        cycle = quarter_of(self.runtime.clock.now().date())
        found = self.runtime.repo.cases.listing(
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            states=states or (CaseState.ACTIVE,),
        )
        return [(c.nominee, c.criterion_key, c.state) for c in found]

    def number(self) -> int:
        cycle = quarter_of(self.runtime.clock.now().date())
        return self.runtime.repo.cases.listing(starts_on=cycle.starts_on, ends_on=cycle.ends_on)[
            0
        ].id

    def audit(self) -> list[tuple[str, str]]:
        return [(e.actor, e.action) for e in self.runtime.repo.governance.audit_log()]


@pytest.fixture
def chat(runtime: Runtime, clock: FakeClock) -> Iterator[Chat]:
    clock.set(shanghai(2026, 11, 23, 10, 0))
    runtime.repo.governance.grant(
        person="console:mia", role=Role.MANAGER, channel="console:console", by="t", now=clock.now()
    )
    yield Chat(runtime)
    runtime.close()


def test_criticism_is_not_recorded_and_nobody_is_told(chat: Chat):
    said = chat.type("/as alice", f"@bob {CRITICISM}", "@bob He was late again, so unprofessional")

    assert said.count("读起来是批评") == 2
    assert "已记录" not in said and chat.cases(*CaseState) == []


def test_a_doubtful_reply_is_asked_about_and_recorded_only_on_yes(chat: Chat):
    asked = chat.type("/as alice", f"@bob {MIXED}")
    assert "要把它记录为 console:bob 在 客户第一 第 1 分" in asked and "/record" in asked
    assert chat.cases() == []  # not counted while asked
    pending = chat.type("/as mia", "/values summary")
    assert "👤 console:bob" not in pending and "还没有案例的 2 人" in pending  # asked: not yet

    someone_else = chat.type("/as carol", "/record")
    recorded = chat.type("/as alice", "/record")

    assert "没有等待你确认的案例" in someone_else
    assert "已记录 console:alice 对 console:bob 的提名" in recorded
    assert chat.cases() == [("console:bob", "customer-first:1", "active")]


def test_no_drops_a_doubtful_reply_and_its_edit_cannot_bring_it_back(chat: Chat):
    chat.type("/as alice", f"@bob {MIXED}")
    dropped = chat.type("/no")
    edited = chat.type(f"/edit @bob {STORY}")

    assert "这条没有记录" in dropped
    assert edited == ""  # the message was taken back: an edit of it stores nothing
    assert chat.cases(*CaseState) == [("console:bob", "customer-first:1", "withdrawn")]


def test_undo_withdraws_the_newest_case_audited(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}", "@dan 帮同事通宵排查了线上故障，第二天还写了复盘")
    undone = chat.type("/undo")

    assert "关于 console:dan 的这条案例不再计入" in undone
    assert chat.cases() == [("console:bob", "customer-first:1", "active")]
    assert ("console:alice", "case_withdraw") in chat.audit()
    assert "没有可以撤回" in chat.type("/as bob", "/undo")  # bob wrote no case here


def test_move_files_a_case_under_another_criterion_and_keeps_where_it_was(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}")
    unknown = chat.type("/move 快乐 9")
    moved = chat.type("/move 诚信 4")

    assert "不认识条目「快乐 9」" in unknown
    assert "已改到 诚信 第 4 分" in moved
    cycle = quarter_of(chat.runtime.clock.now().date())
    case = chat.runtime.repo.cases.listing(starts_on=cycle.starts_on, ends_on=cycle.ends_on)[0]
    assert (case.criterion_key, case.moved_from) == ("integrity:4", "customer-first:1")
    assert ("console:alice", "case_move") in chat.audit()
    assert "诚信：1 个案例" in chat.type("/as mia", "/values summary")


def test_a_manager_hides_a_case_with_a_reason_and_the_nominee_still_sees_it(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}")
    number = chat.number()

    member = chat.type("/as carol", f"/hide c{number} 不喜欢")
    no_reason = chat.type("/as mia", f"/hide c{number}")
    hidden = chat.type(f"/hide c{number} 与上周的案例重复")
    summary = chat.type("/values summary")
    bob = chat.type("/as bob", "/values me")

    assert "只有这条案例所在频道的主管和管理员" in member
    assert "隐藏案例要写明原因" in no_reason
    assert f"已把关于 console:bob 的案例 c{number} 从考核中隐藏" in hidden
    assert "console:mia 把你关于 console:bob 的案例" in hidden  # alice is told (one to one)
    assert "还没有案例" in summary  # hidden: not counted
    assert "从考核中隐藏的案例" in bob and STORY in bob and "与上周的案例重复" in bob
    assert ("console:mia", "case_hide") in chat.audit()
    assert chat.cases(CaseState.HIDDEN) == [("console:bob", "customer-first:1", "hidden")]

    restored = chat.type("/as mia", f"/restore c{number}")
    assert "重新计入考核" in restored
    assert chat.cases() == [("console:bob", "customer-first:1", "active")]
    assert ("console:mia", "case_restore") in chat.audit()


def test_the_nominee_flags_a_story_and_the_channels_managers_are_told(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}")
    number = chat.number()

    not_theirs = chat.type("/as carol", f"/flag c{number} 不对")
    flagged = chat.type("/as bob", f"/flag c{number} 那天我休假，不是我做的")

    assert "只有案例所说的那个人可以申请复核" in not_theirs
    assert "已把案例" in flagged and "console:mia" not in flagged.split("\n")[0]
    assert "console:bob 申请复核关于 TA 的案例" in flagged and "那天我休假" in flagged
    assert ("console:bob", "case_flag") in chat.audit()


def test_a_case_in_a_closed_cycle_cannot_change(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}")
    number = chat.number()
    chat.runtime.clock.set(shanghai(2027, 1, 20, 10, 0))  # 2026Q4 closed, grace days over

    undone = chat.type(f"/undo c{number}")
    hidden = chat.type("/as mia", f"/hide c{number} 重复")

    assert undone.count("已结束") == 1 and hidden.count("已结束") == 1
    chat.runtime.clock.set(shanghai(2026, 11, 23, 10, 0))
    assert chat.cases() == [("console:bob", "customer-first:1", "active")]


def test_case_commands_refuse_bad_input_kindly(chat: Chat):
    answers = chat.type("/as mia", "/hide", "/restore c99999", "/values hide c12x reason")

    assert answers.count("请写上案例编号") == 2  # `/hide`, and `c12x` is not a number
    assert "没有编号为 c99999 的案例" in answers


def _tell(chat: Chat, author: str, nominee: str, story: str, channel: str) -> None:
    """A nomination said in another console channel (one with its own post)."""
    from bot.core.messages import Incoming, Place
    from bot.core.nominations import Mention

    place = Place("console", "local", channel)
    runtime = chat.runtime
    sub = runtime.chat.subscribe_once(place)
    if runtime.chat.latest_post(place) is None:
        runtime.posts.post_now(sub, chat.console.poster())
    text = f"@{nominee} {story}"
    incoming = Incoming(
        place=place,
        author=f"console:{author}",
        message_id=f"{channel}-{runtime.clock.now().timestamp()}-{len(story)}",
        text=text,
        at=runtime.clock.now(),
        mentions=[Mention(f"console:{nominee}", 0, len(nominee) + 1)],
    )
    assert runtime.chat.handle(incoming)[0].key == "nomination_ack"


def test_a_manager_pages_through_every_case_and_sees_who_is_overlooked(chat: Chat):
    stories = [
        f"第{i}次主动帮客户排查了订单问题，并在当天把处理结果同步给了客户" for i in range(20)
    ]
    chat.type("/as alice", *(f"@bob {story}" for story in stories))
    chat.type("/as carol", f"@dan {STORY}", "/as dan", f"@alice {STORY}")
    _tell(chat, "erin", "bob", "在运维频道里主动帮大家写好了发布检查清单，减少了很多返工", "ops")
    chat.runtime.repo.people.remember({"console:bob": "Bob Li"}, now=chat.runtime.clock.now())

    everyone = chat.type("/as mia", "/values summary")
    bob = chat.type("/values summary @bob")

    assert "范围：你管理的频道：#console" in everyone  # not "全部": mia manages one channel
    assert "还有 17 个案例" in everyone  # three newest of bob's 20, and the way to the rest
    assert "还没有案例的 1 人：console:carol" in everyone  # carol told a case, has none
    assert all(story in bob for story in stories)  # every one of bob's 20, not three
    assert "Bob Li (console:bob)" in bob
    assert "在你不管理的频道里还有 1 个关于 TA 的案例" in bob  # the ops channel's, as a number
    assert "运维频道" not in bob  # …never its story
    people = [line for line in everyone.splitlines() if "👤" in line]
    assert [line.split("👤 ")[1].split("：")[0] for line in people] == [
        "Bob Li (console:bob)",
        "console:alice",
        "console:dan",
    ]  # by name (an id where none is known), not by count: bob has 20


def test_erasure_reaches_moderation_and_waiting_notices(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}")
    number = chat.number()
    chat.type("/as mia", f"/hide c{number} 重复")
    repo, now = chat.runtime.repo, chat.runtime.clock.now()
    repo.outbox.add("console:alice", "case_hidden_notice", {"case": number, "by": "x"}, now=now)
    repo.outbox.add("console:dan", "case_flag_notice", {"nominee": "console:mia"}, now=now)

    reading = chat.runtime.service.reading
    reading.forget("cli:test", "console:mia")
    reading.forget("cli:test", "console:alice")

    case = repo.cases.case(number)
    assert case is not None and case.hidden_by.startswith("erased:")
    assert case.nominator.startswith("erased:")
    assert repo.outbox.claim(("console",), now=now) == []  # for alice, and naming mia: gone


def test_someone_seen_writing_without_a_case_is_not_overlooked(chat: Chat):
    chat.type("/as alice", f"@bob {STORY}", "/as erin", "@bob 能把今天会议的纪要发我吗？")
    summary = chat.type("/as mia", "/values summary")
    erased = chat.runtime.service.reading.forget("cli:test", "console:erin")

    assert "还没有案例的 2 人：console:alice, console:erin" in summary  # erin asked: seen
    assert erased.pseudonym and "console:erin" not in chat.type("/values summary")
