"""The application service: every adapter hands messages and commands to it.

It joins the pure core, storage and the clock, and answers with Replies (template key +
context); adapters render them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from bot.app.appraisal import Appraisal
from bot.app.calendars import Calendars
from bot.app.cases import CaseDesk
from bot.app.clock import Clock
from bot.app.reading import Reading
from bot.app.replies import acknowledged, asked, subscription_command
from bot.app.signin import SignIn
from bot.core.commands import CASE_COMMANDS, Command, CommandError, parse_command
from bot.core.cycles import Cycle, closed_cycle_of, quarter_of, retention_boundary
from bot.core.messages import Incoming, Kind, Place, Reply
from bot.core.model import CaseState, DailyPost, Subscription
from bot.core.nominations import (
    DEFAULT_MIN_STORY,
    MAX_STORY,
    Nomination,
    Refusal,
    parse_nomination,
)
from bot.core.rubric import Rubric
from bot.core.suggest import Suggester
from bot.core.workdays import answers_post
from storage.repository import Repository

CYCLES_SECONDS = 30.0  # an admin's new named cycle counts for freezing within this long


@dataclass(frozen=True)
class ServiceOptions:
    min_story: int = DEFAULT_MIN_STORY
    timezone: str = "Asia/Shanghai"
    admins: frozenset[str] = frozenset()
    bots: frozenset[str] = frozenset()
    retention_days: int = 0
    cycle_grace_days: int = 3  # workdays after a cycle ends while its evidence may still change
    public_url: str = ""  # where the web app's sign-in links point; "" = no web app


class ValuesService:
    """The values service: a message in (new, edited, deleted), a nomination checked and
    stored under the channel's open post, or a command answered; what to say comes back as
    `Reply` values for the platform to send.
    """

    def __init__(
        self,
        repo: Repository,
        rubric: Rubric,
        clock: Clock,
        options: ServiceOptions,
        calendars: Calendars | None = None,
    ) -> None:
        self.repo, self.rubric, self.clock, self.options = repo, rubric, clock, options
        self.calendars = calendars or Calendars()
        self._named: tuple[float, list[Cycle]] | None = None
        self.reading = Reading(
            repo,
            rubric,
            clock,
            timezone=options.timezone,
            admins=options.admins,
            retention_days=options.retention_days,
        )
        self.suggester = Suggester(rubric)
        self.desk = CaseDesk(repo, rubric, clock, self.reading, self._frozen)
        self.signin = SignIn(repo, clock, public_url=options.public_url)
        self.appraisal = Appraisal(self.reading, self.calendars)

    # ---- messages: nominations, edits, deletions -------------------------------------------

    def handle(self, incoming: Incoming) -> list[Reply]:
        if self._expired(incoming):
            return []  # older than the retention boundary: deleted evidence stays deleted
        erased = self.repo.trust.erased(
            [incoming.author, *(m.person for m in incoming.mentions)], now=self.clock.now()
        )
        if incoming.author in erased:
            return []  # by someone erased: a retry or an edit must not bring them back
        if incoming.kind == Kind.DELETE:
            return self._delete(incoming)
        if self.repo.evidence.retracted(place=incoming.place, message_id=incoming.message_id):
            return []  # deleted already: a late delivery of the message or an edit

        if incoming.kind == Kind.EDIT:
            return self._edit(incoming, erased)
        return self._new(incoming, erased)

    def _expired(self, incoming: Incoming) -> bool:
        if self.options.retention_days <= 0:
            return False
        return self._local_date(incoming) <= retention_boundary(
            self._today(), self.options.retention_days, self._cycles()
        )

    def _today(self) -> date:
        return self.clock.now().astimezone(ZoneInfo(self.options.timezone)).date()

    def _cycles(self) -> list[Cycle]:
        """The named cycles, read at most every CYCLES_SECONDS (every message asks)."""
        now = time.monotonic()
        cached = self._named
        if cached is None or cached[0] < now:
            cached = self._named = (now + CYCLES_SECONDS, self.repo.governance.cycles())
        return cached[1]

    def _frozen(self, place: Place, told_on: date) -> Reply | None:
        """A refusal when `told_on` lies in a closed cycle (its end plus the grace workdays)."""
        today, named = self._today(), self._cycles()
        if quarter_of(told_on).ends_on >= today and all(
            c.ends_on >= today for c in named if c.contains(told_on)
        ):
            return None  # every cycle it belongs to is still running: no calendar needed
        closed = closed_cycle_of(
            told_on, today, named, self.options.cycle_grace_days, self._workdays(place)
        )
        if closed is None:
            return None
        return Reply(
            "refusal_cycle_closed", {"cycle": closed.id, "ends_on": closed.ends_on.isoformat()}
        )

    def _post_for(self, incoming: Incoming, said_on: date) -> DailyPost | None:
        """The post a message answers: its thread's, or the channel's post that was current
        when the message was said (a late delivery still finds its own day's post)."""
        place = incoming.place
        if incoming.thread_of is None:
            return self.repo.posts.latest(
                platform=place.platform,
                workspace=place.workspace,
                channel=place.channel,
                on_or_before=said_on,
            )
        return self.repo.posts.by_message(
            platform=place.platform,
            workspace=place.workspace,
            channel=place.channel,
            message_id=incoming.thread_of,
        )

    def _parse(self, incoming: Incoming, erased: set[str]) -> Nomination | Refusal | None:
        """The nomination in a message; erased nominees are left out (None: nobody is left)."""
        parsed = parse_nomination(
            incoming.text,
            incoming.mentions,
            author=incoming.author,
            bots=self.options.bots | incoming.bots,
            min_story=self.options.min_story,
        )
        if isinstance(parsed, Nomination) and erased:
            nominees = tuple(n for n in parsed.nominees if n not in erased)
            return replace(parsed, nominees=nominees) if nominees else None
        return parsed

    def _new(self, incoming: Incoming, erased: set[str]) -> list[Reply]:
        sub = self._channel(incoming.place)
        said_on = self._local_date(incoming, sub)
        post = self._post_for(incoming, said_on)
        if post is None:
            if incoming.thread_of is None and sub is not None and sub.active:
                return self._hold(incoming, erased, said_on)
            key = "refusal_no_post" if incoming.thread_of is None else "refusal_not_daily_post"
            return [Reply(key)]
        closed = self._frozen(incoming.place, said_on)
        if closed is not None:
            return [closed]  # a late nomination into a closed cycle
        stale = incoming.thread_of is None and not self._answerable(post, said_on)
        too_old = Reply("refusal_post_too_old", {"date": post.local_date.isoformat()})
        parsed = self._parse(incoming, erased)
        if parsed is None:
            return [too_old] if stale else []
        if isinstance(parsed, Refusal):
            if stale:
                return [too_old]
            return [
                Reply(parsed.value, {"min_story": self.options.min_story, "max_story": MAX_STORY})
            ]
        if stale and not self._same_cycle(post.local_date, said_on):
            return [too_old]
        # a stale post's nomination is kept, not refused: recorded under it once its author
        # says so, so nobody has to tell the story again
        return self._record(incoming, post, parsed, said_on, sub, stale=stale)

    def _record(
        self,
        incoming: Incoming,
        post: DailyPost,
        parsed: Nomination,
        said_on: date,
        sub: Subscription | None,
        *,
        stale: bool,
    ) -> list[Reply]:
        """Store a nomination under `post` (or the criterion its author chose); counted at
        once, or pending when doubtful or `stale`; what to say back."""
        chosen = self._chosen(incoming, post)
        moved_from = post.criterion_key if chosen != post.criterion_key else ""
        post = replace(post, criterion_key=chosen)  # filed, and acknowledged, under the choice
        stored = self.repo.evidence.record(
            moved_from=moved_from,
            rubric_key=self.rubric.key,
            state=CaseState.PENDING if parsed.doubtful or stale else CaseState.ACTIVE,
            place=incoming.place,
            message_id=incoming.message_id,
            nominees=parsed.nominees,
            nominator=incoming.author,
            daily_post_id=post.id,
            criterion_key=post.criterion_key,
            story=parsed.story,
            link=incoming.link,
            nominated_on=said_on,
            now=self.clock.now(),
            revised_at=incoming.revised,
        )
        if not stored:
            return []  # a retried delivery: already recorded, stay quiet
        if stale:
            return [asked(post, incoming, stored, parsed.story, "nomination_held")]
        if parsed.doubtful:  # recorded only once its author says yes
            return [asked(post, incoming, stored, parsed.story)]
        ack = acknowledged(self.rubric, post, incoming, stored, parsed.story, sub)
        return [ack, Reply("nomination_skipped_self")] if parsed.skipped_self else [ack]

    def _edit(self, incoming: Incoming, erased: set[str]) -> list[Reply]:
        recorded = self.repo.evidence.message_cases(
            place=incoming.place, message_id=incoming.message_id
        )
        if recorded is None:  # an edit can turn a refused reply into a nomination
            return self._new(incoming, erased)
        if recorded.deleted:
            return [Reply("refusal_deleted")]
        closed = self._frozen(incoming.place, recorded.nominated_on)
        if closed is not None:
            return [closed]
        parsed = self._parse(incoming, erased)
        if parsed is None:
            return []
        if isinstance(parsed, Refusal):  # the edit broke the nomination: keep what was stored
            return [
                Reply(parsed.value, {"min_story": self.options.min_story, "max_story": MAX_STORY})
            ]
        applied = self.repo.evidence.edit(
            place=incoming.place,
            message_id=incoming.message_id,
            nominees=parsed.nominees,
            story=parsed.story,
            now=self.clock.now(),
            revised_at=incoming.revised,
        )
        if applied is None:
            return []  # a later edit is stored already, or the message was deleted meanwhile
        return [Reply("nomination_updated", {"nominees": parsed.nominees})]

    def _delete(self, incoming: Incoming) -> list[Reply]:
        recorded = self.repo.evidence.message_cases(
            place=incoming.place, message_id=incoming.message_id
        )
        if recorded is not None:
            closed = self._frozen(incoming.place, recorded.nominated_on)
            if closed is not None:
                return [closed]
        retracted = self.repo.evidence.delete(
            place=incoming.place, message_id=incoming.message_id, now=self.clock.now()
        )
        return [Reply("nomination_retracted")] if retracted else []

    def _hold(self, incoming: Incoming, erased: set[str], said_on: date) -> list[Reply]:
        """No post yet in a subscribed channel: a nomination is kept for the next post, then
        offered to its author (`CaseDesk.offer_held`), instead of refused."""
        parsed = self._parse(incoming, erased)
        if not isinstance(parsed, Nomination):
            return [Reply("refusal_no_post")]
        kept = self.repo.held.hold(
            place=incoming.place,
            message_id=incoming.message_id,
            author=incoming.author,
            nominees=parsed.nominees,
            story=parsed.story,
            link=incoming.link,
            said_on=said_on,
            now=self.clock.now(),
        )
        return [Reply("nomination_kept" if kept else "refusal_no_post")]

    def _chosen(self, incoming: Incoming, post: DailyPost) -> str:
        """The criterion a case is filed under: its author's choice if the pack has it, else
        the day's."""
        wanted = incoming.criterion_key
        return wanted if wanted and self.rubric.criterion(wanted) else post.criterion_key

    def with_suggestion(self, ack: Reply) -> Reply:
        """The acknowledgement with a criterion its story fits clearly better than the day's
        (`suggested_criterion_key`), for the author to move it to. Worked out as it is sent,
        off the path that stores the case."""
        context = ack.context
        suggested = self.suggester.suggest(context["story"], context["criterion_key"])
        if suggested is None:
            return ack
        return replace(ack, context=context | {"suggested_criterion_key": suggested})

    def _same_cycle(self, posted_on: date, said_on: date) -> bool:
        """Whether a post's day and a message's day lie in the same cycles (the quarter, and
        every named cycle holding the message's day)."""
        if quarter_of(posted_on) != quarter_of(said_on):
            return False
        return all(c.contains(posted_on) for c in self._cycles() if c.contains(said_on))

    def _answerable(self, post: DailyPost, said_on: date) -> bool:
        """Without a thread, a message answers the latest post only on its day or the next workday."""
        place = Place(post.platform, post.workspace, post.channel)
        return answers_post(post.local_date, said_on, self._workdays(place))

    def _workdays(self, place: Place) -> Callable[[date], bool]:
        """Whether a day is a workday in this channel (its country's calendar, its days off)."""
        sub = self._channel(place)
        country = sub.country if sub else "CN"
        days_off = sub.days_off if sub else frozenset()
        workdays = sub.workdays if sub else frozenset()
        return lambda day: self.calendars.is_workday(day, country, days_off, workdays)

    def _channel(self, place: Place) -> Subscription | None:
        """The channel's subscription (active or not), or None."""
        return self.repo.subscriptions.get(
            platform=place.platform, workspace=place.workspace, channel=place.channel
        )

    def local_date(self, incoming: Incoming) -> date:
        """The day a message was said, in its channel's time zone."""
        return self._local_date(incoming)

    def _local_date(self, incoming: Incoming, sub: Subscription | None = None) -> date:
        """The day a message was said, in its channel's time zone (`sub`, if read already)."""
        sub = sub or self._channel(incoming.place)
        zone = sub.timezone if sub else self.options.timezone
        return incoming.at.astimezone(ZoneInfo(zone)).date()

    # ---- commands ---------------------------------------------------------------------------

    def command(self, place: Place, author: str, text: str) -> list[Reply]:
        parsed = parse_command(text)
        if isinstance(parsed, CommandError):
            return [Reply(parsed.key, {"word": parsed.word})]
        if parsed.channel is not None and ":" not in parsed.channel:
            # `#CTEAM` typed without the platform: that channel, on the platform typed on
            parsed = replace(parsed, channel=f"{place.platform}:{parsed.channel}")
        return self._run(place, author, parsed)

    def _run(self, place: Place, author: str, command: Command) -> list[Reply]:
        if command.name == "help":
            return [Reply("help")]
        if command.name == "today":
            post = self.repo.posts.latest(
                platform=place.platform, workspace=place.workspace, channel=place.channel
            )
            if post is None:
                return [Reply("today_none")]
            return [Reply("daily_post", {"criterion_key": post.criterion_key, "workday": True})]
        if command.name == "me":
            return [self.reading.me(author, cycle_id=command.cycle, value=command.value)]
        if command.name == "summary":
            return [self.reading.summary_reply(author, command)]
        if command.name == "export":
            return [self.reading.export_hint(author, command.cycle)]
        if command.name == "web":
            return [self.signin.link_reply(author)]
        if command.name in CASE_COMMANDS:
            return self.desk.command(place, author, command)
        if command.name in ("subscribe", "unsubscribe"):
            return [subscription_command(self, place, author, command)]
        return [Reply("unknown_command", {"word": command.name})]  # known words only, routed
