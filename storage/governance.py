"""Roles, named cycles and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from bot.core.cycles import Cycle
from bot.core.model import AuditEntry
from bot.core.permissions import Access, Role
from storage.store import Store, utc
from storage.tables import AuditRow, CycleRow, RoleGrantRow


class Governance(Store):
    """Roles (admins, channel managers), the audit log of every cross-person read and
    administrative act, cycles, and erasure's pseudonyms.
    """

    def grant(self, *, person: str, role: Role, channel: str, by: str, now: datetime) -> bool:
        """True when the grant is new."""
        table = RoleGrantRow.__table__  # type: ignore[attr-defined]
        with self.writing() as session:
            statement = (
                self.insert(table)
                .values(
                    person=person, role=role.value, channel=channel, granted_by=by, created_at=now
                )
                .on_conflict_do_nothing(index_elements=["person", "role", "channel"])
                .returning(table.c.id)
            )
            return session.execute(statement).scalar_one_or_none() is not None

    def revoke(self, *, person: str, role: Role, channel: str | None) -> int:
        with self.writing() as session:
            statement = delete(RoleGrantRow).where(
                col(RoleGrantRow.person) == person, col(RoleGrantRow.role) == role.value
            )
            if channel is not None:
                statement = statement.where(col(RoleGrantRow.channel) == channel)
            return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def grants(self) -> list[tuple[str, str, str]]:
        query = select(RoleGrantRow).order_by(col(RoleGrantRow.person), col(RoleGrantRow.role))
        with self.reading() as session:
            return [(r.person, r.role, r.channel) for r in session.exec(query)]

    def managers_of(self, channel_key: str) -> list[str]:
        """The people granted the manager role for one channel (`PLATFORM:CHANNEL`)."""
        query = select(RoleGrantRow.person).where(
            RoleGrantRow.role == Role.MANAGER.value, RoleGrantRow.channel == channel_key
        )
        with self.reading() as session:
            return sorted(session.exec(query).all())

    def access(self, person: str, *, admins: Iterable[str] = ()) -> Access:
        """What `person` may read: from grants in the database and admins from configuration."""
        with self.reading() as session:
            rows = session.exec(select(RoleGrantRow).where(RoleGrantRow.person == person)).all()
        return Access(
            person=person,
            is_admin=person in set(admins) or any(r.role == Role.ADMIN for r in rows),
            managed_channels=frozenset(r.channel for r in rows if r.role == Role.MANAGER),
        )

    def add_cycle(self, *, cycle: Cycle, by: str, now: datetime) -> None:
        with self.writing() as session:
            session.add(
                CycleRow(
                    id=cycle.id,
                    starts_on=cycle.starts_on,
                    ends_on=cycle.ends_on,
                    created_by=by,
                    created_at=now,
                )
            )

    def edit_cycle(self, cycle: Cycle) -> bool:
        with self.writing() as session:
            row = session.get(CycleRow, cycle.id)
            if row is None:
                return False
            row.starts_on, row.ends_on = cycle.starts_on, cycle.ends_on
            session.add(row)
            return True

    def remove_cycle(self, cycle_id: str) -> bool:
        with self.writing() as session:
            row = session.get(CycleRow, cycle_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def choose_current(self, cycle_id: str | None) -> None:
        """Make a named cycle the current one (None: the quarter again)."""
        with self.writing() as session:
            for row in session.exec(select(CycleRow).where(col(CycleRow.current))).all():
                row.current = False
                session.add(row)
            chosen = session.get(CycleRow, cycle_id) if cycle_id is not None else None
            if chosen is not None:
                chosen.current = True
                session.add(chosen)

    def chosen_current(self) -> Cycle | None:
        with self.reading() as session:
            row = session.exec(select(CycleRow).where(col(CycleRow.current))).first()
        return Cycle(row.id, row.starts_on, row.ends_on) if row else None

    def exported(self, cycle_id: str) -> bool:
        """Whether the audit log holds an export of this cycle (its cases left the bot)."""
        query = select(AuditRow.id).where(
            col(AuditRow.action) == "export", col(AuditRow.scope).endswith(f" cycle:{cycle_id}")
        )
        with self.reading() as session:
            return session.exec(query.limit(1)).first() is not None

    def cycles(self) -> list[Cycle]:
        with self.reading() as session:
            rows = session.exec(select(CycleRow).order_by(col(CycleRow.starts_on))).all()
        return [Cycle(r.id, r.starts_on, r.ends_on) for r in rows]

    def audit(
        self,
        *,
        actor: str,
        action: str,
        at: datetime,
        scope: str = "",
        subjects: Iterable[str] = (),
        detail: str = "",
    ) -> None:
        with self.writing() as session:
            session.add(
                AuditRow(
                    at=at,
                    actor=actor,
                    action=action,
                    scope=scope,
                    subjects=json.dumps(sorted(set(subjects)), ensure_ascii=False),
                    detail=detail,
                )
            )

    def audit_log(
        self,
        *,
        limit: int = 100,
        actor: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
    ) -> list[AuditEntry]:
        """The newest entries first, filtered by actor, a subject read, a time window; `before_id`
        pages back from an entry's number."""
        query = select(AuditRow).order_by(col(AuditRow.id).desc()).limit(limit)
        if actor:
            query = query.where(col(AuditRow.actor) == actor)
        if subject:
            query = query.where(
                col(AuditRow.subjects).contains(json.dumps(subject, ensure_ascii=False))
                | col(AuditRow.scope).contains(subject)
            )
        if since is not None:
            query = query.where(col(AuditRow.at) >= since)
        if until is not None:
            query = query.where(col(AuditRow.at) < until)
        if before_id is not None:
            query = query.where(col(AuditRow.id) < before_id)
        with self.reading() as session:
            rows = session.exec(query).all()
        return [
            AuditEntry(
                at=utc(r.at),
                actor=r.actor,
                action=r.action,
                scope=r.scope,
                subjects=tuple(json.loads(r.subjects or "[]")),
                detail=r.detail,
                id=r.id or 0,
            )
            for r in rows
        ]

    def pseudonymise(self, *, person: str, pseudonym: str) -> int:
        """Replace `person` by `pseudonym` in every audit entry (actor, subjects, scope)."""
        quoted = json.dumps(person, ensure_ascii=False)
        with self.writing() as session:
            rows = session.exec(
                select(AuditRow).where(
                    (col(AuditRow.actor) == person)
                    | col(AuditRow.subjects).contains(quoted)
                    | col(AuditRow.scope).contains(person)
                )
            ).all()
            for row in rows:
                if row.actor == person:
                    row.actor = pseudonym
                subjects = json.loads(row.subjects or "[]")
                if person in subjects:
                    subjects = sorted({pseudonym if s == person else s for s in subjects})
                    row.subjects = json.dumps(subjects, ensure_ascii=False)
                row.scope = " ".join(
                    pseudonym if word in (person, f"@{person}") else word
                    for word in row.scope.split(" ")
                )
                session.add(row)
            return len(rows)

    def drop_roles_of(self, *, person: str) -> None:
        with self.writing() as session:
            session.execute(delete(RoleGrantRow).where(col(RoleGrantRow.person) == person))
