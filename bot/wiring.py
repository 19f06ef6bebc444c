"""The composition root: settings in, a ready service (and its parts) out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.app.calendars import Calendars, CompanyCalendar
from bot.app.chat import ChatService
from bot.app.clock import Clock, SystemClock
from bot.app.posting import DailyPosts
from bot.app.service import ServiceOptions, ValuesService
from bot.config import Settings
from bot.core.rubric import Rubric
from bot.words.packs import load_pack, pack_path
from bot.words.render_text import TextRenderer
from bot.words.templates import Templates
from storage.engine import sqlite_file
from storage.repository import Repository, open_repository


@dataclass
class Runtime:
    settings: Settings
    repo: Repository
    rubric: Rubric
    templates: Templates
    service: ValuesService
    posts: DailyPosts
    text: TextRenderer
    clock: Clock
    chat: ChatService  # the service as every chat platform sees it

    def close(self) -> None:
        self.repo.close()


def build(
    settings: Settings, *, clock: Clock | None = None, repo: Repository | None = None
) -> Runtime:
    clock = clock or SystemClock()
    repo = repo or open_repository(settings.database_url)
    rubric = load_pack(pack_path(settings.rubric))
    templates = Templates(settings.locale)
    options = ServiceOptions(
        min_story=settings.min_story,
        timezone=settings.timezone,
        admins=settings.admins,
        retention_days=settings.retention_days,
        cycle_grace_days=settings.cycle_grace_days,
    )
    calendars = Calendars(CompanyCalendar.load(settings.company_calendar))
    service = ValuesService(repo, rubric, clock, options, calendars)
    return Runtime(
        settings=settings,
        repo=repo,
        rubric=rubric,
        templates=templates,
        service=service,
        posts=DailyPosts(
            repo,
            rubric,
            calendars,
            clock,
            cutoff=settings.cutoff,
            concurrency=settings.fanout_concurrency,
            on_posted=service.desk.offer_held,
        ),
        text=TextRenderer(templates, rubric, min_story=settings.min_story),
        clock=clock,
        chat=ChatService(service, templates),
    )


class NoDatabase(LookupError):
    """A read command named a SQLite file that does not exist: nothing is created for it."""


@contextmanager
def opened(settings: Settings, *, create: bool = True) -> Iterator[Runtime]:
    """A runtime for one command: built on entry, its database closed on exit. `create=False`
    (read commands) refuses to create an empty SQLite database where none is."""
    if not create:
        path = sqlite_file(settings.database_url)
        if path is not None and not path.exists():
            raise NoDatabase(str(path))
    runtime = build(settings)
    try:
        yield runtime
    finally:
        runtime.close()
