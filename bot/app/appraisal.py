"""The appraisal cycle, as one service: reviews and their nudges, the assessment forms,
calibration, results and appeals (each part in its own module, over one shared desk)."""

from __future__ import annotations

from bot.app.assessing import Assessing
from bot.app.calendars import Calendars
from bot.app.calibrating import Calibrating
from bot.app.reading import Reading
from bot.app.review_desk import Desk, Reviews


class Appraisal:
    """The appraisal's parts over one desk."""

    def __init__(self, reading: Reading, calendars: Calendars | None = None) -> None:
        self.desk = Desk(reading, calendars)
        self.reviews = Reviews(self.desk)
        self.assessing = Assessing(self.desk)
        self.calibrating = Calibrating(self.desk)
