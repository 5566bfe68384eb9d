"""The figures district supervisors steer by: what each dashboard figure counts, and its rates.

Plain Python. Every figure counts the tickets *reported in the period* (a cohort), so a figure,
its rate and the hazard list behind it always describe the same rows: the dashboard's count of a
figure equals the count of the hazard list filtered by that figure, period and region.
``app.services.dashboard`` turns each :class:`Figure` into one SQL condition; the hazard list's
"figure" filter applies that very condition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.domain.vocabulary import OPEN_STATES, State


class Figure(StrEnum):
    """A countable set of tickets on the dashboard (each links to the list of exactly those)."""

    REPORTED = "reported"
    CONFIRMED = "confirmed"
    OPEN = "open"
    CLOSED = "closed"
    REJECTED = "rejected"
    CLOSED_ON_TIME = "closed_on_time"
    OVERDUE_OPEN = "overdue_open"
    OVERDUE_OPEN_GENERAL = "overdue_open_general"
    OVERDUE_OPEN_MAJOR = "overdue_open_major"
    SUPERVISED = "supervised"
    EXTENDED = "extended"
    SENT_BACK = "sent_back"


FIGURE_LABELS: dict[Figure, str] = {
    Figure.REPORTED: N_("Reported"),
    Figure.CONFIRMED: N_("Confirmed"),
    Figure.OPEN: N_("Open"),
    Figure.CLOSED: N_("Closed"),
    Figure.REJECTED: N_("Rejected"),
    Figure.CLOSED_ON_TIME: N_("Closed on time"),
    Figure.OVERDUE_OPEN: N_("Overdue, open"),
    Figure.OVERDUE_OPEN_GENERAL: N_("Overdue general hazards"),
    Figure.OVERDUE_OPEN_MAJOR: N_("Overdue major hazards"),
    Figure.SUPERVISED: N_("Major hazards under supervision"),
    Figure.EXTENDED: N_("With an extension granted"),
    Figure.SENT_BACK: N_("Sent back at least once"),
}

# A ticket counts as confirmed once it was accepted as a hazard: every state after
# confirmation, including tickets fixed on the spot (which skip confirmation). Hence
# closed ⊆ confirmed and the rectification rate never exceeds 100 %.
NOT_CONFIRMED_STATES = frozenset({State.REPORTED, State.REJECTED, State.MERGED})
OPEN_STATE_ORDER = tuple(s for s in State if s in OPEN_STATES)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator as a percentage; None ("/") when the denominator is 0."""
    if denominator == 0:
        return None
    return round(100.0 * numerator / denominator, 1)


def show_rate(value: float | None) -> str:
    """A rate for people: "87.5 %", or "/" when it has no denominator."""
    return "/" if value is None else f"{value:.1f} %"


def percentile_of_histogram(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The smallest bucket at or below which ``fraction`` of the counted values lie.

    ``histogram`` maps a whole bucket (e.g. hours) to how many values fell in it; the answer
    is the nearest-rank percentile at the bucket's resolution. None when nothing was counted.
    """
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, -(-int(total * fraction * 1000) // 1000))  # ceil without float drift
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket
    return max(histogram)


@dataclass(frozen=True)
class Period:
    """Local calendar days ``first`` … ``last`` (both included); None means unbounded."""

    first: date | None = None
    last: date | None = None

    @property
    def all_time(self) -> bool:
        return self.first is None and self.last is None

    def bounds(self, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
        """The instants [start, end) of the period in ``zone``."""
        start = datetime.combine(self.first, time.min, tzinfo=zone) if self.first else None
        end = (
            datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
            if self.last
            else None
        )
        return start, end

    def as_text(self) -> tuple[str, str]:
        return (
            self.first.isoformat() if self.first else "",
            self.last.isoformat() if self.last else "",
        )


def month_period(year: int, month: int) -> Period:
    """The whole calendar month."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-10"`` -> (2026, 10), or InvalidError naming the field ``month``."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        date(year, month, 1)
    except ValueError:
        raise InvalidError(
            invalid_data_message(), {"month": Message(N_("Give the month as YYYY-MM."))}
        ) from None
    return year, month


def last_months(today: date, count: int) -> list[tuple[int, int]]:
    """The ``count`` calendar months up to and including today's, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def parse_period(first: str | None, last: str | None) -> Period:
    """A period from two optional ISO dates; InvalidError for a malformed or reversed one."""
    errors: dict[str, Message] = {}
    days: list[date | None] = []
    for name, text in (("from", first), ("to", last)):
        text = (text or "").strip()
        try:
            days.append(date.fromisoformat(text) if text else None)
        except ValueError:
            errors[name] = Message(N_("Give the date as YYYY-MM-DD."))
            days.append(None)
    start, end = days
    if not errors and start and end and end < start:
        errors["to"] = Message(N_("The end of the period is before its start."))
    if errors:
        raise InvalidError(invalid_data_message(), errors)
    return Period(start, end)


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def join_counts(rows: Iterable[tuple[object, int]]) -> dict[object, int]:
    """Rows of (key, count) as a dict (a GROUP BY answer)."""
    return {key: int(count) for key, count in rows}
