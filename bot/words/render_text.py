"""Plain-text rendering of Replies, for the terminal chat and the CLI. Words come from templates."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.messages import Reply
from bot.core.permissions import Scope
from bot.core.rubric import Criterion, Rubric
from bot.core.summaries import PersonSummary, Summary
from bot.words.templates import Markup, Safe, Templates, safe_join

COMPOSITE = ("daily_post", "summary", "me", "nomination_ack")
CASES_PER_PART = 10  # a summary of one person may list a thousand cases: paged in tens
CASE_REPLIES = (
    "case_",
    "nomination_doubt",
    "nomination_held",
)  # keys whose context names people and criteria


class TextRenderer:
    """Replies as plain text (the terminal chat, the CLI, and platforms' fallback text): daily posts,
    summaries and refusals from the templates and the rubric.
    """

    def __init__(
        self,
        templates: Templates,
        rubric: Rubric,
        *,
        min_story: int,
        person_label: Callable[[str], str] = str,
        escape: Callable[[str], str] = str,
        hints: str = "",
    ) -> None:
        # every value a template is filled with is escaped, unless it is Safe
        self.t = Markup(templates, escape)
        self.rubric, self.min_story = rubric, min_story
        self.person_label = person_label  # how a PLATFORM:ID person is written here
        self.escape = escape  # makes people's words inert in this platform's markup
        # the prefix of this platform's templates that say how to undo or move a case
        # (`{hints}_undo_hint`); "" where buttons do it
        self.hints = hints

    def label(self, person: str) -> Safe:
        """A person as written on this platform: a mention (Safe) or an escaped name."""
        written = self.person_label(person)
        return written if isinstance(written, Safe) else Safe(self.escape(written))

    def people(self, people: str | tuple[str, ...] | list[str]) -> Safe:
        if isinstance(people, str):
            people = [p.strip() for p in people.split(",") if p.strip()]
        return safe_join(", ", (self.label(p) for p in people))

    def render(self, reply: Reply) -> str:
        if reply.key == "daily_post":
            criterion = self.rubric.criterion(reply.context["criterion_key"])
            if criterion is None:
                return self.t.render("today_none")
            return self.daily_post(criterion, workday=bool(reply.context.get("workday", True)))
        if reply.key in ("summary", "me"):
            return self.summary(
                reply.context["summary"], reply.context.get("scope"), me=reply.key == "me"
            )
        if reply.key == "nomination_updated":
            return self.t.render(reply.key, nominees=self.people(reply.context["nominees"]))
        if reply.key == "nomination_ack":
            return self.acknowledgement(reply)
        if reply.key.startswith(CASE_REPLIES):
            return self.t.render(reply.key, **self._case_context(reply.context))
        return self.t.render(reply.key, **reply.context)  # echoed words and names: escaped

    def acknowledgement(self, ack: Reply) -> str:
        """A recorded case: what, for whom, under which criterion; a better-fitting criterion
        if the story reads like one; how to undo or move it (where no button does)."""
        context = ack.context
        criterion = self.rubric.criterion(context["criterion_key"])
        lines = [
            self.t.render(
                "nomination_ack",
                nominator=self.label(context["nominator"]),
                nominees=self.people(context["nominees"]),
                value_name=self._value_name(criterion),
                level=criterion.level if criterion else "?",
                title=Safe(criterion.title(self.t.locale) if criterion else ""),
            )
        ]
        suggested = self.rubric.criterion(str(context.get("suggested_criterion_key") or ""))
        if suggested is not None:
            lines.append(
                self.t.render("nomination_suggestion", criterion=self.criterion_label(suggested))
            )
        if self.hints:
            example = suggested or self._elsewhere(criterion)
            lines.append(
                self.t.render(
                    f"{self.hints}_undo_hint",
                    move=f"{example.value_key} {example.level}" if example else "integrity 3",
                )
            )
        return "\n".join(lines)

    def _elsewhere(self, criterion: Criterion | None) -> Criterion | None:
        """Another value's criterion, as the example of a move."""
        others = [
            c for c in self.rubric.criteria if criterion and c.value_key != criterion.value_key
        ]
        same_level = [c for c in others if criterion and c.level == criterion.level]
        found = same_level or others
        return found[0] if found else None

    def criterion_label(self, criterion: Criterion) -> Safe:
        return self.t.render(
            "criterion_label",
            value_name=self._value_name(criterion),
            level=criterion.level,
            title=criterion.title(self.t.locale),
        )

    def _case_context(self, context: dict[str, object]) -> dict[str, object]:
        """A case reply's context with its people and criteria written for this platform."""
        found = dict(context)
        for name in ("nominee", "to", "by"):
            if isinstance(context.get(name), str):
                found[name] = self.label(str(context[name]))
        nominees = context.get("nominees")
        if isinstance(nominees, (tuple, list)):
            found["nominees"] = self.people([str(n) for n in nominees])
        criterion = self.rubric.criterion(str(context.get("criterion_key") or ""))
        if criterion is not None:
            found["criterion"] = self.criterion_label(criterion)
        if self.hints:
            found["hint"] = Safe(self.t.render(f"{self.hints}_record_hint"))
        else:
            found.setdefault("hint", "")
        return found

    def _value_name(self, criterion: Criterion | None) -> Safe:
        value = self.rubric.value(criterion.value_key) if criterion else None
        return Safe(value.name(self.t.locale) if value else "")

    def cases(self, items: tuple[str, ...]) -> Safe:
        return safe_join("\n", (self.t.render("case_item", case=Safe(item)) for item in items))

    def criterion_parts(self, criterion: Criterion) -> list[str]:
        """The key meaning and every case of each kind (or a note that there are none), in the
        locale; a line saying so where the words are a translation, or not the source's own."""
        locale = self.t.locale
        parts: list[str] = []
        meaning = criterion.meaning_in(locale)
        if meaning:
            parts.append(self.t.render("daily_post_meaning", meaning=Safe(meaning)))
        conforming, nonconforming = criterion.cases_in(locale)
        if conforming:
            parts.append(self.t.render("daily_post_conforming", cases=self.cases(conforming)))
        if nonconforming:
            parts.append(self.t.render("daily_post_nonconforming", cases=self.cases(nonconforming)))
        if not conforming and not nonconforming:
            parts.append(self.t.render("daily_post_no_cases"))
        if criterion.wording != "seed":
            parts.append(self.t.render("daily_post_wording_others"))
        if criterion.translated(locale) and (meaning or conforming or nonconforming):
            parts.append(self.t.render("daily_post_translated"))
        return parts

    def scoring(self, criterion: Criterion) -> str:
        """The scoring rule in plain words, with the half-point note on its own line."""
        scoring: str = self.t.render(f"scoring_{criterion.rule.value}")
        if criterion.rule_inferred:
            scoring += self.t.render("scoring_inferred")
        half_point = criterion.half_point_in(self.t.locale)
        if half_point:
            scoring += "\n" + self.t.render("half_point", note=Safe(half_point))
        return Safe(scoring)

    def daily_post(self, criterion: Criterion, *, workday: bool = True) -> str:
        value = self.rubric.value(criterion.value_key)
        parts: list[str] = [] if workday else [self.t.render("daily_post_off_day")]
        parts += self.criterion_parts(criterion)
        parts.append(self.scoring(criterion))
        parts.append(self.t.render("daily_post_how_to", min_story=self.min_story))
        return self.t.render(
            "daily_post",
            value_name=Safe(value.name(self.t.locale) if value else criterion.value_key),
            motto=Safe(value.motto_in(self.t.locale) if value else ""),
            level=criterion.level,
            title=Safe(criterion.title(self.t.locale)),
            body=safe_join("\n", parts),
        )

    def scope_label(self, summary: Summary, scope: Scope | None) -> str:
        label: str
        if scope is not None and scope.person:
            label = self.t.render("summary_scope_person", person=self.label(scope.person))
        elif scope is not None and scope.channel:
            label = self.t.render(
                "summary_scope_channel", channel="#" + scope.channel.split(":", 1)[-1]
            )
        elif summary.channels is not None:  # a manager's view: say which channels it covers
            label = self.t.render("summary_scope_managed", channels=self._channels(summary))
        else:
            label = self.t.render("summary_scope_all")
        if scope is not None and scope.person and summary.channels is not None:
            label = self.t.render(
                "summary_scope_person_in", person=label, channels=self._channels(summary)
            )
        value = self.rubric.value(summary.value_key) if summary.value_key else None
        if value is not None:
            label = self.t.render(
                "summary_scope_value", scope=label, value_name=Safe(value.name(self.t.locale))
            )
        return label

    @staticmethod
    def _channels(summary: Summary) -> str:
        return "、".join(f"#{key.split(':', 1)[-1]}" for key in sorted(summary.channels or ()))

    def who(self, person: str, summary: Summary) -> Safe:
        """A person in a summary: where the platform writes ids (the CLI, the terminal chat), the
        name known for them beside the id."""
        name = summary.names.get(person)
        if self.person_label is str and name:
            return Safe(self.escape(f"{name} ({person})"))
        return self.label(person)

    def summary(self, summary: Summary, scope: Scope | None, *, me: bool = False) -> str:
        return safe_join("\n", self.summary_parts(summary, scope, me=me))

    def summary_parts(
        self, summary: Summary, scope: Scope | None, *, me: bool = False
    ) -> list[str]:
        """The header, one part per person, and the footer: the units a paged reply splits on."""
        cycle = summary.cycle
        dates = {"cycle": cycle.id, "starts_on": cycle.starts_on, "ends_on": cycle.ends_on}
        lines: list[str]
        if me:
            lines = [self.t.render("me_header", **dates)]
        else:
            lines = [
                self.t.render("summary_header", scope=self.scope_label(summary, scope), **dates)
            ]
        people = [p for p in summary.people if p.total or (scope and scope.person)]
        if not people or not any(p.total for p in people):
            lines.append(self.t.render("me_empty" if me else "summary_empty"))
        parts: list[str] = [safe_join("\n", lines)]
        for person in people:  # a person's cases in parts of a few: pages split between them
            lines = self.person(person, summary)
            head = 1 + len(person.values)
            parts.append(safe_join("\n", lines[:head]))
            for start in range(head, len(lines), CASES_PER_PART):
                parts.append(safe_join("\n", lines[start : start + CASES_PER_PART]))
        if summary.without_evidence and not me:
            listed = safe_join(", ", (self.who(p, summary) for p in summary.without_evidence))
            parts.append(
                self.t.render(
                    "summary_without_evidence", people=listed, count=len(summary.without_evidence)
                )
            )
        if summary.hidden:  # set aside by a manager: never judged in secret
            hidden = [self.t.render("me_hidden")]
            hidden += [
                self.t.render(
                    "me_hidden_case",
                    case=case.id,
                    story=case.story,
                    nominator=self.label(case.nominator),
                    date=case.nominated_on.isoformat(),
                    reason=case.reason,
                )
                for case in summary.hidden
            ]
            parts.append(safe_join("\n", hidden))
        parts.append(self.t.render("summary_footer"))
        return parts

    def person(self, person: PersonSummary, summary: Summary) -> list[str]:
        lines: list[str] = [
            self.t.render(
                "summary_person", person=self.who(person.person, summary), total=person.total
            )
        ]
        for item in person.values:
            value = self.rubric.value(item.value_key)
            missing = ""
            if item.levels_without_evidence:
                levels = "、".join(str(level) for level in item.levels_without_evidence)
                missing = self.t.render("summary_missing", levels=levels)
            lines.append(
                self.t.render(
                    "summary_value_line",
                    value_name=Safe(value.name(self.t.locale)) if value else item.value_key,
                    cases=item.cases,
                    ceiling=item.ceiling,
                    missing=missing,
                )
            )
        for case in person.newest:
            criterion = self.rubric.criterion(case.criterion_key)
            lines.append(
                self.t.render(
                    "summary_case",
                    story=case.story,
                    nominator=self.who(case.nominator, summary),
                    date=case.nominated_on.isoformat(),
                    value_name=self._value_name(criterion),
                    level=criterion.level if criterion else "?",
                    case=case.id,
                )
            )
        if person.more:
            lines.append(
                self.t.render("summary_more", more=person.more, person=self.label(person.person))
            )
        if person.elsewhere:
            lines.append(self.t.render("summary_elsewhere", count=person.elsewhere))
        return lines
