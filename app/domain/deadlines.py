"""Deadline arithmetic: SLA terms, local calendar dates and UTC instants.

Deadlines are entered and shown as local calendar dates (the end of that day in the configured
zone) and stored as UTC instants, so the sweep compares instants and the screens show dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class SlaTerms:
    """The deadlines of one SLA policy (per grade, optionally per category)."""

    confirm_hours: int
    control_hours: int | None
    rectify_days: int
    review_days: int
    max_extensions: int
    # A listed hazard's extension must be asked this many working days before its deadline.
    extension_lead_working_days: int = 0
    # Hours before a deadline at which reminders go out, e.g. (72, 24).
    reminder_offsets_hours: tuple[int, ...] = (72, 24)
    # Hours after a deadline at which the ticket reaches escalation level 1, 2, 3
    # (enterprise → township → district).
    escalation_offsets_hours: tuple[int, ...] = (0, 24, 72)


DEFAULT_TERMS = {
    "general": SlaTerms(
        confirm_hours=24, control_hours=None, rectify_days=7, review_days=10, max_extensions=1
    ),
    "major": SlaTerms(
        confirm_hours=4,
        control_hours=24,
        rectify_days=60,
        review_days=10,
        max_extensions=2,
        extension_lead_working_days=15,
        reminder_offsets_hours=(360, 168, 72, 24),
    ),
}


END_OF_DAY = time(23, 59, 59)


def end_of_local_day(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which local calendar day ``day`` ends (its deadline)."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, zone: tzinfo) -> date:
    """The local calendar date of a UTC instant."""
    return instant.astimezone(zone).date()


def add_working_days(day: date, count: int) -> date:
    """``day`` moved by ``count`` working days (Mon-Fri; negative moves back).

    Public holidays are not modelled; they only make the real cut-off later, so this errs on
    the side of the stricter date.
    """
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += timedelta(days=step)
        if current.weekday() < 5:
            remaining -= 1
    return current


def overdue_days(deadline: datetime | None, now: datetime, zone: tzinfo) -> int:
    """Whole local calendar days past ``deadline`` (0 when not overdue or no deadline)."""
    if deadline is None or now <= deadline:
        return 0
    return max((local_date(now, zone) - local_date(deadline, zone)).days, 1)
