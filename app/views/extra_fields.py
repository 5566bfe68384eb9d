"""The administrator's custom fields on the hazard screens: in forms, on the detail page.

The definitions say which fields a form of each action offers
(``app.domain.custom_fields.form_definitions``); the form builder renders them like the
national fields, keyed ``extra.<name>``, and the lifecycle checks what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from app.domain.custom_fields import PREFIX, CustomFieldDef, FieldType, form_definitions
from app.domain.fields import FieldSpec
from app.domain.messages import label_text
from app.models import Hazard
from app.services import clock
from app.services.custom_fields import (
    category_chains,
    chain_of,
    covered_categories,
    definitions,
    display_values,
)


@dataclass(frozen=True)
class ExtraForm:
    """The custom fields of one form: their specs, and the categories each one shows for."""

    specs: list[FieldSpec]
    # Field key -> "id id id" of the categories it applies to ("" for every category).
    covers: dict[str, str]


def extra_form(action: str, hazard: Hazard | None) -> ExtraForm:
    """The custom fields the form of ``action`` on ``hazard`` (None: a new report) offers."""
    chains = category_chains()
    chain = chain_of(hazard.category_id if hazard else None, chains)
    today = clock.now().astimezone(clock.zone()).date()
    shown = form_definitions(
        definitions(), action, today, chain, (hazard.extra or {}) if hazard else {}
    )
    covers = {}
    for definition in shown:
        ids = covered_categories(definition, chains)
        covers[definition.key] = "" if ids is None else " ".join(map(str, ids))
    return ExtraForm([d.spec(required=d.required_at(action)) for d in shown], covers)


def category_specs(action: str, category_id: int) -> list[FieldSpec]:
    """The custom fields ``action``'s form asks of a ticket of category ``category_id`` (a
    checklist item's failure opens a ticket of its category)."""
    chain = chain_of(category_id, category_chains())
    today = clock.now().astimezone(clock.zone()).date()
    shown = form_definitions(definitions(), action, today, chain, {})
    return [d.spec(required=d.required_at(action)) for d in shown if d.applies_to(chain)]


def prefill_extra(form: Any, hazard: Hazard) -> None:
    """Start the custom fields from the values the ticket holds."""
    for name, value in (hazard.extra or {}).items():
        field = getattr(form, PREFIX + name, None)
        if field is not None and not isinstance(value, list):  # photos: a file input
            field.data = ("yes" if value else "no") if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class ShownValue:
    label: str
    value: str
    retired: bool
    # The attachment ids of a photo field, shown as thumbnails.
    photo_ids: tuple[int, ...] = ()


def shown_values(hazard: Hazard) -> list[ShownValue]:
    """The ticket's custom values as the detail page lists them (retired fields too)."""
    today = clock.now().astimezone(clock.zone()).date()
    rows = []
    for definition, name, value in display_values(hazard.extra, definitions()):
        rows.append(_shown(definition, name, value, today))
    return rows


def _shown(definition: CustomFieldDef | None, name: str, value: Any, today: Any) -> ShownValue:
    if definition is None:
        return ShownValue(name, str(value), True)
    photos: tuple[int, ...] = ()
    if definition.field_type is FieldType.PHOTO and isinstance(value, list):
        photos = tuple(i for i in value if isinstance(i, int))
    return ShownValue(
        label_text(definition.label, gettext),
        definition.display(value, gettext),
        not definition.active_on(today),
        photos,
    )


@dataclass(frozen=True)
class FilterInput:
    """One list filter on a custom field: its argument, label, options and current value."""

    key: str
    label: str
    options: list[tuple[str, str]]
    value: str


def filter_inputs(args: Mapping[str, str]) -> list[FilterInput]:
    """The list filters of the custom fields marked filterable (retired ones too)."""
    inputs = []
    for definition in definitions():
        if not definition.filterable:
            continue
        options: list[tuple[str, str]] = []
        if definition.field_type is FieldType.CHOICE:
            options = [("", "—"), *((choice, choice) for choice in definition.choices)]
        elif definition.field_type is FieldType.BOOL:
            options = [("", "—"), ("yes", gettext("Yes")), ("no", gettext("No"))]
        inputs.append(
            FilterInput(
                definition.key,
                label_text(definition.label, gettext),
                options,
                args.get(definition.key, ""),
            )
        )
    return inputs
