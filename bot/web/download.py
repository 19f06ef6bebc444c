"""The export buttons: a cycle as xlsx (admins: everything; managers: their channels) or CSV
(admins), through the same export code as the CLI and chat; each download audited."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.app.export import Runtime, write_book, write_csv
from bot.app.insights import Forbidden
from bot.app.reading import ReadError
from bot.core.messages import Reply
from bot.words.templates import Templates

if TYPE_CHECKING:
    from bot.web.app import Viewer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def exporter(rt: Runtime) -> Callable[[Viewer, str, str], tuple[bytes, str, str]]:
    """`export(viewer, format, cycle)` → (body, media type, content-disposition)."""

    def export(viewer: Viewer, kind: str, cycle_id: str) -> tuple[bytes, str, str]:
        reading = rt.service.reading
        if not viewer.access.is_manager:
            raise Forbidden(Reply("not_allowed_export"))
        if kind not in ("xlsx", "csv"):
            raise Forbidden(Reply("unknown_argument", {"word": kind[:40]}))
        try:
            cycle = reading.cycle(cycle_id or None)
        except ReadError as refused:
            raise Forbidden(refused.reply) from None
        name = f"values-{cycle.id}.{kind}"
        disposition = f"attachment; filename=\"values.{kind}\"; filename*=UTF-8''{quote(name)}"
        if kind == "csv":
            if not viewer.access.is_admin:
                raise Forbidden(Reply("not_allowed_admin"))
            text = io.StringIO()
            write_csv(text, rt, viewer.person, cycle)
            return text.getvalue().encode("utf-8"), "text/csv; charset=utf-8", disposition
        book = io.BytesIO()
        names = rt.repo.people.every_name()
        reader = None if viewer.access.is_admin else viewer.access
        write_book(
            book,
            reading,
            names,
            Templates(viewer.locale),
            rt.settings.timezone,
            viewer.person,
            cycle,
            reader,
        )
        return book.getvalue(), XLSX, disposition

    return export
