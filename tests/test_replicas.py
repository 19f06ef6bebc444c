"""Several replicas on one database: exactly one daily post per channel per workday.

Three replicas tick the same subscriptions together, on one SQLite file and on PostgreSQL; then
replica processes are killed (SIGKILL) in the middle of their fan-out and restarted, as an
orchestrator would, and the survivors' reconciler settles what the dead one left claimed.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.app.calendars import Calendars
from bot.app.posting import DailyPosts
from bot.core.rotation import criterion_at
from bot.core.rubric import Rubric
from storage import migrate
from storage.engine import make_engine
from storage.repository import Repository
from tests.conftest import POSTGRES_URL
from tests.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock, shanghai

pytestmark = pytest.mark.slow  # about three and a half minutes: `make test-slow`

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Database:
    url: str  # what a replica process connects to

    def engine(self) -> Engine:
        return make_engine(self.url)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    if POSTGRES_URL
    else ["sqlite"]
)
def database(request, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'values-bot.db'}")
        engine = database.engine()
        migrate.upgrade(engine)
        engine.dispose()
        yield database
        return
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    database = Database(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    engine = database.engine()
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield database
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _subscribe(repo: Repository, channels: list[str], clock: FakeClock) -> None:
    for channel in channels:
        repo.subscriptions.save(
            platform="slack", workspace=TEAM, channel=channel, post_at="09:30",
            timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=clock.now(),
        )  # fmt: skip


def test_three_replicas_post_once_per_channel_per_workday_for_thirty_workdays(
    database: Database, rubric: Rubric
):
    repos = [Repository.on(database.engine()) for _ in range(3)]
    clock = FakeClock(shanghai(2026, 11, 23, 9, 31))
    channels = [f"C{n:04d}" for n in range(200)]
    _subscribe(repos[0], channels, clock)
    calendars = Calendars()
    replicas = [
        DailyPosts(repo, rubric, calendars, clock, replica=f"replica-{i}", concurrency=4)
        for i, repo in enumerate(repos)
    ]
    sent: list[tuple[str, date, str]] = []
    lock = threading.Lock()

    def poster(sub, post, criterion, workday):  # type: ignore[no-untyped-def]
        with lock:
            sent.append((sub.channel, post.local_date, criterion.key))
        return f"{post.local_date}-{sub.channel}"

    workdays: list[date] = []
    day = date(2026, 11, 23)
    while len(workdays) < 30:
        clock.set(shanghai(day.year, day.month, day.day, 9, 31))
        start = threading.Barrier(len(replicas))

        def run(replica: DailyPosts, start: threading.Barrier = start) -> None:
            start.wait()
            replica.tick(lambda _platform: poster)
            replica.tick(lambda _platform: poster)

        threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if calendars.is_workday(day, "CN"):
            workdays.append(day)
        day += timedelta(days=1)

    per_day = Counter((channel, day) for channel, day, _key in sent)
    assert per_day == Counter({(c, d): 1 for c in channels for d in workdays})
    rotation = [criterion_at(rubric, i).key for i in range(30)]
    for channel in channels[::37]:
        assert [key for c, _d, key in sorted(sent, key=lambda s: s[1]) if c == channel] == rotation
    for repo in repos:
        repo.close()


def _replica(
    database: Database, fake: FakeSlack, day: date, anchor: float
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "tests.replica", "--database", database.url,
            "--slack-api", fake.api_url, "--day", day.isoformat(), "--anchor", str(anchor),
            "--lease", "1.0", "--every", "0.2", "--concurrency", "2",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    return process


def _ready(*processes: subprocess.Popen[str]) -> None:
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"


def _all_posted(repo: Repository, channels: list[str], day: date) -> bool:
    for channel in channels:
        post = repo.posts.on_date(platform="slack", workspace=TEAM, channel=channel, local_date=day)
        if post is None or post.status != "posted":
            return False
    return True


def test_replicas_killed_mid_fan_out_twenty_times_still_post_once_per_channel_per_day(
    database: Database,
):
    rng = random.Random(5)
    fake = FakeSlack().start()
    fake.delay = 0.04  # each chat.postMessage takes a while: kills land mid fan-out
    repo = Repository.on(database.engine())
    clock = FakeClock(shanghai(2026, 11, 23, 9, 0))
    channels = [f"C{n:04d}" for n in range(120)]
    _subscribe(repo, channels, clock)
    days = [date(2026, 11, 23) + timedelta(days=n) for n in range(14)]
    days = [d for d in days if d.weekday() < 5][:10]
    kills = 0
    try:
        for day in days:
            anchor = time.time()
            replicas = [_replica(database, fake, day, anchor) for _ in range(3)]
            _ready(*replicas)
            for _ in range(2):  # two kills a day, at random points, each replaced at once
                time.sleep(rng.uniform(0.0, 0.5))
                victim = rng.randrange(len(replicas))
                replicas[victim].send_signal(signal.SIGKILL)
                replicas[victim].wait()
                kills += 1
                replicas[victim] = _replica(database, fake, day, anchor)
                _ready(replicas[victim])
            deadline = time.monotonic() + 60
            while not _all_posted(repo, channels, day):
                assert time.monotonic() < deadline, repo.posts.count_by_status()
                time.sleep(0.2)
            for process in replicas:
                process.kill()
                process.wait()
    finally:
        fake.stop()
        repo.close()

    assert kills == 20
    assert fake.of("conversations.history")  # kills left claims that the reconciler settled
    for channel in channels:
        posted = Counter(
            m["metadata"]["event_payload"]["post_key"].rsplit(":", 1)[1]
            for m in fake.posts_in(channel)
        )
        assert posted == Counter({d.isoformat(): 1 for d in days}), channel
