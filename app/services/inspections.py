"""Running a checklist: one inspection of one enterprise, its findings, and the tickets it opens.

``submit_inspection`` is one transaction: the inspection, every item's result and one ticket per
failed item (through the lifecycle's report) are saved together, or nothing is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from app.domain.checklists import (
    Finding,
    ItemFacts,
    Outcome,
    check_findings,
    hazard_report,
    item_key,
    may_inspect,
)
from app.domain.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from app.domain.lifecycle import DEFAULT_SOURCE
from app.domain.messages import N_, Message
from app.domain.scope import Actor, scope_of
from app.domain.vocabulary import Source
from app.models import (
    ChecklistItem,
    ChecklistTemplate,
    Enterprise,
    Hazard,
    Inspection,
    InspectionResult,
)
from app.services import clock
from app.services.attachments import NewFile
from app.services.lifecycle import report_in_transaction
from app.services.scoping import enterprises_for, scope_clause
from app.services.transaction import atomic, session


def inspections_for(actor: Actor) -> sa.Select[Any]:
    """The inspections ``actor`` may see (the same scope as the enterprise's tickets)."""
    return sa.select(Inspection).where(scope_clause(Inspection, scope_of(actor)))


def inspection_for(actor: Actor, inspection_id: int) -> Inspection:
    found = session().scalars(inspections_for(actor).where(Inspection.id == inspection_id)).first()
    if found is None:
        raise NotFoundError(Message(N_("Inspection not found.")))
    return found


def templates_in_use() -> list[ChecklistTemplate]:
    """The newest active version of each checklist."""
    rows = session().scalars(
        sa.select(ChecklistTemplate)
        .where(ChecklistTemplate.active.is_(True))
        .order_by(ChecklistTemplate.code, ChecklistTemplate.version.desc())
    )
    newest: dict[str, ChecklistTemplate] = {}
    for row in rows:
        newest.setdefault(row.code, row)
    return list(newest.values())


def item_facts(template: ChecklistTemplate) -> list[ItemFacts]:
    return [
        ItemFacts(
            id=item.id,
            section=item.section,
            text=item.text,
            may_be_major=item.may_be_major,
            category_id=item.category_id,
            clause=repr(item.determination_article) if item.determination_article else "",
        )
        for item in template.items
    ]


def submit_inspection(
    actor: Actor,
    template_id: int,
    enterprise_id: int,
    answers: Mapping[int, tuple[Any, Any]],
    photos: Mapping[int, Sequence[NewFile]] | None = None,
    note: str = "",
    extra: Mapping[int, Mapping[str, Any]] | None = None,
) -> Inspection:
    """Save an inspection of ``enterprise_id`` from template ``template_id``.

    ``answers`` maps each item id to (outcome, note); ``photos`` the failed items' photos
    (those of a custom photo field name it); ``extra`` the custom field values of the ticket a
    failed item opens. Each failed item opens one ticket, reported by ``actor`` and linked to
    the item and its clause; a problem with one is reported under the item's key
    (``item-<id>-<field>``) and nothing is saved.
    """
    if not may_inspect(actor):
        raise ForbiddenError(Message(N_("Your role cannot run inspections.")))
    with atomic() as current:
        enterprise = current.scalars(
            enterprises_for(actor).where(Enterprise.id == enterprise_id)
        ).first()
        template = current.get(ChecklistTemplate, template_id)
        if enterprise is None:
            raise NotFoundError(Message(N_("The enterprise was not found.")))
        if template is None:
            raise NotFoundError(Message(N_("Checklist not found.")))
        sent_photos = frozenset(i for i, files in (photos or {}).items() if files)
        findings = check_findings(item_facts(template), answers, sent_photos)
        inspection = Inspection(
            template_id=template.id,
            enterprise_id=enterprise.id,
            district_id=enterprise.district_id,
            township_id=enterprise.township_id,
            village_id=enterprise.village_id,
            grid_id=enterprise.grid_id,
            reported_by_id=actor.user_id,
            inspector_name=actor.name,
            source=_source(actor).value,
            submitted_at=clock.now(),
            note=note.strip() or None,
        )
        current.add(inspection)
        current.flush()
        for finding in findings:
            current.add(
                InspectionResult(
                    inspection_id=inspection.id,
                    item_id=finding.item.id,
                    outcome=finding.outcome.value,
                    note=finding.note or None,
                    hazard_id=_open_ticket(actor, finding, enterprise, photos, extra),
                )
            )
        current.flush()
    return inspection


def _source(actor: Actor) -> Source:
    for role, source in DEFAULT_SOURCE.items():
        if actor.has_role(role):
            return source
    return Source.ENFORCEMENT


def _open_ticket(
    actor: Actor,
    finding: Finding,
    enterprise: Enterprise,
    photos: Mapping[int, Sequence[NewFile]] | None,
    extra: Mapping[int, Mapping[str, Any]] | None,
) -> int | None:
    if finding.outcome is not Outcome.FAIL:
        return None
    item_id = finding.item.id
    data = hazard_report(finding, enterprise.id)
    values = (extra or {}).get(item_id)
    if values:
        data["extra"] = dict(values)
    files = list((photos or {}).get(item_id, ()))
    try:
        return report_in_transaction(actor, data, files).id
    except InvalidError as refused:
        # The ticket's fields are the item's on the inspection's form.
        prefix = item_key(item_id)
        fields = {f"{prefix}-{name}": message for name, message in refused.field_errors.items()}
        fields[prefix] = (
            Message(N_("The hazard this failure opens needs more; see below."))
            if fields
            else refused.message
        )
        raise InvalidError(refused.message, fields) from refused


def inspection_of(hazard: Hazard) -> InspectionResult | None:
    """The checklist item (and its inspection) that opened ``hazard``, if one did."""
    return (
        session()
        .scalars(sa.select(InspectionResult).where(InspectionResult.hazard_id == hazard.id))
        .first()
    )


def checklist_item_label(checklist: str, version: int, text: str) -> str:
    """How an item is named where it stands alone: "燃气使用单位检查表 v1 · 阀门无泄漏"."""
    return f"{checklist} v{version} · {text}"


def checklist_item_labels(item_ids: Sequence[int]) -> dict[int, str]:
    """The labels of checklist items by id (reference data: the same for everyone)."""
    rows = session().execute(
        sa.select(
            ChecklistItem.id, ChecklistTemplate.name, ChecklistTemplate.version, ChecklistItem.text
        )
        .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
        .where(ChecklistItem.id.in_(item_ids))
    )
    return {
        item_id: checklist_item_label(name, version, text) for item_id, name, version, text in rows
    }


def failures_by_item(actor: Actor, limit: int = 20) -> list[tuple[int, str, str, int]]:
    """The items that failed most often in ``actor``'s scope: (item id, checklist, item, n)."""
    failures = sa.func.count(InspectionResult.id)
    query = (
        sa.select(
            ChecklistItem.id,
            ChecklistTemplate.name,
            ChecklistTemplate.version,
            ChecklistItem.text,
            failures,
        )
        .join(ChecklistItem, ChecklistItem.id == InspectionResult.item_id)
        .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .where(
            InspectionResult.outcome == Outcome.FAIL.value,
            scope_clause(Inspection, scope_of(actor)),
        )
        .group_by(
            ChecklistItem.id, ChecklistTemplate.name, ChecklistTemplate.version, ChecklistItem.text
        )
        .order_by(failures.desc(), ChecklistItem.id)
        .limit(limit)
    )
    return [
        (item_id, f"{name} v{version}", text, count)
        for item_id, name, version, text, count in session().execute(query)
    ]


def opened_by_item(item_id: int) -> Any:
    """SQL: the tickets a failure of checklist item ``item_id`` opened."""
    return Hazard.id.in_(
        sa.select(InspectionResult.hazard_id).where(
            InspectionResult.item_id == item_id, InspectionResult.hazard_id.is_not(None)
        )
    )


def template_in_use(template_id: int) -> bool:
    """Whether an inspection was run from this version (it is then frozen)."""
    used = sa.select(Inspection.id).where(Inspection.template_id == template_id).limit(1)
    return session().execute(used).first() is not None


def refuse_change_of_used_template(template_id: int | None) -> None:
    """An inspection keeps the version it used: a used version's items cannot change."""
    if template_id is not None and template_in_use(template_id):
        raise ConflictError(
            Message(
                N_(
                    "Inspections were run from this version of the checklist: make a new "
                    "version to change its items."
                )
            )
        )


def new_version(template_id: int) -> ChecklistTemplate:
    """A copy of a checklist as its next version (items included); the old one is retired."""
    with atomic() as current:
        old = current.get(ChecklistTemplate, template_id)
        if old is None:
            raise NotFoundError(Message(N_("Checklist not found.")))
        newest = current.execute(
            sa.select(sa.func.max(ChecklistTemplate.version)).where(
                ChecklistTemplate.code == old.code
            )
        ).scalar_one()
        copy = ChecklistTemplate(
            code=old.code, version=newest + 1, name=old.name, industry=old.industry
        )
        current.add(copy)
        current.flush()
        for item in old.items:
            current.add(
                ChecklistItem(
                    template_id=copy.id,
                    section=item.section,
                    text=item.text,
                    determination_article_id=item.determination_article_id,
                    category_id=item.category_id,
                    may_be_major=item.may_be_major,
                    sort_order=item.sort_order,
                )
            )
        old.active = False
    return copy
