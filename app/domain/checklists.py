"""Inspection checklists (检查表): what a run of a checklist must say, and what it opens.

An inspection answers every item of one template version with pass / fail / not applicable.
Each failure needs a note (what was found) and opens one hazard ticket through the lifecycle's
report, all in one transaction: a failure anywhere opens none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain import roles
from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.domain.scope import Actor
from app.domain.vocabulary import Grade


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.PASS: N_("Pass"),
    Outcome.FAIL: N_("Fail"),
    Outcome.NOT_APPLICABLE: N_("Not applicable"),
}

# Who runs inspections: inspectors and the district (现场检查), an enterprise (企业自查).
INSPECTING_ROLES = (
    roles.TOWNSHIP_INSPECTOR,
    roles.DISTRICT_SUPERVISOR,
    roles.ENTERPRISE_OFFICER,
)


@dataclass(frozen=True)
class ItemFacts:
    """What the rules read of a checklist item."""

    id: int
    section: str
    text: str
    may_be_major: bool = False
    category_id: int | None = None
    clause: str = ""


@dataclass(frozen=True)
class Finding:
    """An item's answer: its outcome and note."""

    item: ItemFacts
    outcome: Outcome
    note: str


def item_key(item_id: int) -> str:
    """The form and error key of an item's outcome."""
    return f"item-{item_id}"


def may_inspect(actor: Actor) -> bool:
    """Whether ``actor``'s role runs inspections (scope is checked on the enterprise)."""
    return actor.has_role(*INSPECTING_ROLES)


def check_findings(
    items: Sequence[ItemFacts],
    answers: Mapping[int, tuple[Any, Any]],
    with_photos: frozenset[int] = frozenset(),
) -> list[Finding]:
    """Every item answered, every failure described, photos only with a failure (they go to
    the ticket it opens); one InvalidError naming each gap. ``with_photos``: the ids of the
    items that came with photos."""
    findings: list[Finding] = []
    errors: dict[str, Message] = {}
    for item in items:
        raw_outcome, raw_note = answers.get(item.id, (None, None))
        note = str(raw_note or "").strip()
        try:
            outcome = Outcome(str(raw_outcome or "").strip())
        except ValueError:
            errors[item_key(item.id)] = Message(
                N_("Say pass, fail or not applicable for: %(item)s"), {"item": item.text}
            )
            continue
        if outcome is Outcome.FAIL and not note:
            errors[item_key(item.id)] = Message(
                N_("Describe what was found for the failed item: %(item)s"), {"item": item.text}
            )
            continue
        if outcome is not Outcome.FAIL and item.id in with_photos:
            errors[item_key(item.id)] = Message(
                N_("Photos are kept with a failure only (on the ticket it opens): %(item)s"),
                {"item": item.text},
            )
            continue
        findings.append(Finding(item, outcome, note[:4000]))
    if not items:
        errors["template_id"] = Message(N_("This checklist has no items."))
    if errors:
        raise InvalidError(invalid_data_message(), errors)
    return findings


def hazard_report(finding: Finding, enterprise_id: int) -> dict[str, Any]:
    """The report data of the ticket a failed item opens (a major one if it may be major)."""
    item = finding.item
    description = finding.note
    if item.clause:
        description = f"{description}\n{item.clause}"
    return {
        "title": f"{item.section}：{item.text}"[:200],
        "description": description,
        "enterprise_id": enterprise_id,
        "category_id": item.category_id,
        "grade": (Grade.MAJOR if item.may_be_major else Grade.GENERAL).value,
    }
