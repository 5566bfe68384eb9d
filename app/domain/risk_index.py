"""The township risk-control index (乡镇风险管控指数): components, normalisation, score, rank.

Plain Python and deterministic: :func:`score_townships` takes each township's raw figures of one
month and a weight set and returns every component's 0–100 score, the weighted index and the
rank. ``app.services.risk_index`` gathers the raw figures with aggregate SQL and stores the
result as an immutable snapshot. The rules are written out in the README.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.messages import N_


class Component(StrEnum):
    """One measured aspect of a township's month."""

    ON_TIME = "on_time"
    OVERDUE_MAJOR = "overdue_major"
    CLOSE_TIME = "close_time"
    CONFIRM_TIME = "confirm_time"
    SELF_FOUND = "self_found"
    SEND_BACK = "send_back"


COMPONENT_LABELS: dict[Component, str] = {
    Component.ON_TIME: N_("On-time rectification rate"),
    Component.OVERDUE_MAJOR: N_("Overdue major hazards"),
    Component.CLOSE_TIME: N_("Mean days from report to close"),
    Component.CONFIRM_TIME: N_("Mean hours from report to confirmation"),
    Component.SELF_FOUND: N_("Share found by enterprises themselves"),
    Component.SEND_BACK: N_("Send-back rate"),
}

# How each component's raw value reads: a percentage, a count, days or hours.
COMPONENT_UNITS: dict[Component, str] = {
    Component.ON_TIME: "%",
    Component.OVERDUE_MAJOR: "",
    Component.CLOSE_TIME: N_("days"),
    Component.CONFIRM_TIME: N_("hours"),
    Component.SELF_FOUND: "%",
    Component.SEND_BACK: "%",
}

# The default weight set (version 1); an admin adds later versions on the weights screen.
DEFAULT_WEIGHTS: dict[Component, float] = {
    Component.ON_TIME: 30.0,
    Component.OVERDUE_MAJOR: 20.0,
    Component.CLOSE_TIME: 15.0,
    Component.CONFIRM_TIME: 10.0,
    Component.SELF_FOUND: 15.0,
    Component.SEND_BACK: 10.0,
}


@dataclass(frozen=True)
class RawFigures:
    """A township's month as counted in the database (sums and counts, no rates yet)."""

    closed: int = 0
    closed_on_time: int = 0
    close_days_total: float = 0.0
    overdue_major: int = 0
    confirmed: int = 0
    confirm_hours_total: float = 0.0
    reported: int = 0
    self_found: int = 0
    decisions: int = 0
    send_backs: int = 0
    # Tickets ever reported up to the month's end: none means the township has nothing to
    # measure, and its overdue-major component is "/" rather than a perfect 100.
    tickets_to_date: int = 0


# How each raw figure of a township's month reads on the screen.
RAW_FIGURE_LABELS: dict[str, str] = {
    "closed": N_("closed in the month"),
    "closed_on_time": N_("of them by the first deadline"),
    "close_days_total": N_("days from report to close, summed"),
    "overdue_major": N_("major hazards overdue at the month's end"),
    "confirmed": N_("confirmed in the month"),
    "confirm_hours_total": N_("hours from report to confirmation, summed"),
    "reported": N_("reported in the month"),
    "self_found": N_("of them found by enterprises themselves"),
    "decisions": N_("verifications decided"),
    "send_backs": N_("of them sent back"),
    "tickets_to_date": N_("tickets reported up to the month's end"),
}


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def _linear_down(value: float, full_until: float, zero_from: float) -> float:
    """100 up to ``full_until``, 0 from ``zero_from``, a straight line between."""
    return _clamp(100.0 * (zero_from - value) / (zero_from - full_until))


@dataclass(frozen=True)
class Measured:
    """A component's raw value (a rate, a count, a mean) and its 0–100 score; None = "/"."""

    value: float | None
    score: float | None


def _measure(value: float | None, normalise: Callable[[float], float]) -> Measured:
    if value is None:
        return Measured(None, None)
    return Measured(round(value, 2), round(normalise(value), 2))


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _mean(total: float, count: int) -> float | None:
    return None if count == 0 else total / count


def measure(raw: RawFigures) -> dict[Component, Measured]:
    """Each component of one township's month, normalised to 0–100 (higher is better)."""
    send_back_rate = _share(raw.send_backs, raw.decisions)
    return {
        Component.ON_TIME: _measure(_share(raw.closed_on_time, raw.closed), lambda v: v),
        # Every overdue major hazard costs 25 points: four or more give 0.
        Component.OVERDUE_MAJOR: _measure(
            float(raw.overdue_major) if raw.tickets_to_date else None, lambda v: 100 - 25 * v
        ),
        Component.CLOSE_TIME: _measure(
            _mean(raw.close_days_total, raw.closed), lambda v: _linear_down(v, 7, 37)
        ),
        Component.CONFIRM_TIME: _measure(
            _mean(raw.confirm_hours_total, raw.confirmed), lambda v: _linear_down(v, 24, 72)
        ),
        Component.SELF_FOUND: _measure(_share(raw.self_found, raw.reported), lambda v: v),
        Component.SEND_BACK: _measure(send_back_rate, lambda v: 100 - v),
    }


def index_score(
    measured: Mapping[Component, Measured], weights: Mapping[Component, float]
) -> float | None:
    """The weighted mean of the components that have a score ("/" ones are left out and the
    remaining weights renormalised); None when no weighted component has a score."""
    scored = [
        (weights.get(c, 0.0), m.score)
        for c, m in measured.items()
        if m.score is not None and weights.get(c, 0.0) > 0
    ]
    total_weight = sum(w for w, _ in scored)
    if total_weight == 0:
        return None
    return round(sum(w * s for w, s in scored) / total_weight, 2)


@dataclass(frozen=True)
class TownshipScore:
    township_id: int
    code: str
    measured: dict[Component, Measured]
    score: float | None
    rank: int


def rank(scores: Sequence[tuple[int, str, float | None]]) -> dict[int, int]:
    """Competition ranking ("1, 2, 2, 4") by score, highest first.

    Equal scores (to 0.01) share a rank; townships without a score ("/") come after every
    scored one and share the rank after the last scored place. The order within a tie is the
    township code, which the rank does not depend on.
    """
    ordered = sorted(
        scores, key=lambda item: (item[2] is None, -(item[2] or 0.0), item[1], item[0])
    )
    ranks: dict[int, int] = {}
    previous: float | str | None = "none yet"
    current = 0
    for position, (township_id, _code, score) in enumerate(ordered, start=1):
        if score != previous:
            current = position
            previous = score
        ranks[township_id] = current
    return ranks


def score_townships(
    raw: Mapping[int, tuple[str, RawFigures]], weights: Mapping[Component, float]
) -> list[TownshipScore]:
    """Every township's components, index and rank, best first (township id -> (code, raw))."""
    measured = {tid: measure(figures) for tid, (_code, figures) in raw.items()}
    scores = {tid: index_score(m, weights) for tid, m in measured.items()}
    ranks = rank([(tid, code, scores[tid]) for tid, (code, _f) in raw.items()])
    result = [
        TownshipScore(tid, raw[tid][0], measured[tid], scores[tid], ranks[tid]) for tid in raw
    ]
    return sorted(result, key=lambda t: (t.rank, t.code))


def change(score: float | None, previous: float | None) -> float | None:
    """The change against the month before; None when either month has no score."""
    if score is None or previous is None:
        return None
    return round(score - previous, 2)


def check_weights(weights: Mapping[str, float]) -> list[str]:
    """Problems with a weight set (msgids): negative weights, or all zero."""
    problems = []
    if any(value < 0 for value in weights.values()):
        problems.append(N_("A weight cannot be negative."))
    if sum(weights.values()) <= 0:
        problems.append(N_("At least one weight must be above zero."))
    return problems
