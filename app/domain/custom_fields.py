"""Fields an administrator adds to a category (燃气: pressure class, 危化品: UN number …).

A definition says what a ticket of its category (and of every sub-category) must or may carry
besides the national field set, from which lifecycle stage on it is required, and when it is
in use. The values live in the ticket's ``extra`` object keyed by field name; this module is
the one place that checks them, for the screens, the API and the jobs alike. Nothing is ever
lost: a retired field's values stay on the ticket, and a removed choice stays displayable
because the stored value is the choice's own text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.errors import InvalidError
from app.domain.fields import FieldSpec, Kind, field_error, parse_fields, to_json
from app.domain.messages import N_, LocalText, Message, Translate

# Form and error keys of custom fields: "extra.<name>" never clashes with a national field.
PREFIX = "extra."
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class FieldType(StrEnum):
    """What a custom field holds."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    BOOL = "bool"
    PHOTO = "photo"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]


TYPE_LABELS = {
    FieldType.TEXT: N_("Free text"),
    FieldType.NUMBER: N_("Number"),
    FieldType.DATE: N_("Date"),
    FieldType.CHOICE: N_("Choice list"),
    FieldType.BOOL: N_("Yes/no"),
    FieldType.PHOTO: N_("Photos"),
}

_KINDS = {
    FieldType.TEXT: Kind.TEXT,
    FieldType.NUMBER: Kind.DECIMAL,
    FieldType.DATE: Kind.DATE,
    FieldType.CHOICE: Kind.CHOICE,
    FieldType.BOOL: Kind.BOOL,
    # The ids of the ticket's attachments uploaded for the field.
    FieldType.PHOTO: Kind.IDS,
}

# The lifecycle's main path, in order: a field required "from confirm on" must be filled by
# the time the ticket is confirmed and at every later stage.
STAGES = ("report", "confirm", "control", "plan", "submit", "verify")
STAGE_LABELS = {
    "report": N_("Report"),
    "confirm": N_("Confirm"),
    "control": N_("Record control measures"),
    "plan": N_("File rectification plan"),
    "submit": N_("Submit for verification"),
    "verify": N_("Verify and close"),
}
# A fix on the spot goes straight to verification: it passes every stage up to submit.
_STAGE_OF_ACTION = {**{stage: stage for stage in STAGES}, "report_fixed": "submit"}
# Actions whose form offers every field in use (the category is chosen on them).
CATEGORY_ACTIONS = frozenset({"report", "report_fixed", "confirm"})


@dataclass(frozen=True)
class CustomFieldDef:
    """One administrator-defined field, as the rules read it."""

    id: int
    name: str
    label: LocalText
    field_type: FieldType
    category_id: int | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    required_from: str | None = None
    help: str = ""
    filterable: bool = False
    active_from: date | None = None
    active_until: date | None = None

    @property
    def key(self) -> str:
        """The field's name in forms and error messages."""
        return PREFIX + self.name

    def active_on(self, day: date) -> bool:
        """In use on ``day`` (retired fields keep their values but are no longer asked)."""
        started = self.active_from is None or self.active_from <= day
        return started and (self.active_until is None or day <= self.active_until)

    def applies_to(self, chain: Sequence[int]) -> bool:
        """Applies to a ticket whose category and its ancestors are ``chain``."""
        return self.category_id is None or self.category_id in chain

    def required_at(self, action: str) -> bool:
        """Must have a value once ``action`` is done."""
        stage = _STAGE_OF_ACTION.get(action)
        if self.required_from is None or stage is None:
            return False
        return STAGES.index(stage) >= STAGES.index(self.required_from)

    def spec(self, required: bool = False) -> FieldSpec:
        """The field as the form builder and the parser read it."""
        return FieldSpec(
            self.key,
            _KINDS[self.field_type],
            self.label,
            required=required,
            choices=self.choices,
            max_length=500,
            help=self.help,
        )

    def display(self, value: Any, gettext: Translate) -> str:
        """A stored value as a person reads it (with its unit; yes/no in their language)."""
        if value is None or value == "":
            return ""
        if self.field_type is FieldType.BOOL:
            return gettext(N_("Yes")) if value is True else gettext(N_("No"))
        if self.field_type is FieldType.PHOTO:
            # Exports and lists show how many photos the field holds.
            return str(len(value)) if isinstance(value, list | tuple) else str(value)
        return f"{value} {self.unit}".strip() if self.unit else str(value)


def parse_choices(text: str | None) -> tuple[str, ...]:
    """The choices of a choice list, one per line (blank lines and repeats dropped)."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return tuple(seen)


def definition_problems(
    definition: CustomFieldDef, *, values_exist: bool, previous: CustomFieldDef | None
) -> dict[str, Message]:
    """What is wrong with a definition an administrator saves, by the attribute concerned.

    Once a ticket holds a value, the field's name and type are fixed: a number field that
    became a date would make those values unreadable. Add a new field instead.
    """
    problems: dict[str, Message] = {}
    if not NAME_PATTERN.match(definition.name or ""):
        problems["name"] = Message(
            N_("The name must start with a lowercase letter and hold only a-z, 0-9 and _.")
        )
    if not definition.label.zh.strip():
        problems["label_zh"] = Message(N_("The Chinese label is required."))
    if definition.field_type is FieldType.CHOICE and not definition.choices:
        problems["choices"] = Message(N_("A choice list needs at least one choice."))
    if definition.field_type is FieldType.PHOTO and definition.filterable:
        problems["filterable"] = Message(N_("Photos cannot filter the hazard list."))
    if definition.required_from is not None and definition.required_from not in STAGES:
        problems["required_from"] = Message(
            N_("Unknown stage: %(value)s."), {"value": definition.required_from}
        )
    if (
        definition.active_from is not None
        and definition.active_until is not None
        and definition.active_until < definition.active_from
    ):
        problems["active_until"] = Message(N_("The end of use must not be before its start."))
    if previous is not None and values_exist:
        if previous.name != definition.name:
            problems["name"] = Message(
                N_("Tickets already hold values of this field: its name cannot change.")
            )
        if previous.field_type is not definition.field_type:
            problems["field_type"] = Message(
                N_(
                    "Tickets already hold values of this field: its type cannot change "
                    "(add a new field instead)."
                )
            )
    return problems


def check_definition(
    definition: CustomFieldDef, *, values_exist: bool, previous: CustomFieldDef | None
) -> None:
    """Raise one InvalidError naming every problem of ``definition``."""
    problems = definition_problems(definition, values_exist=values_exist, previous=previous)
    if problems:
        raise InvalidError(Message(N_("Some data is missing or invalid.")), problems)


def form_definitions(
    definitions: Sequence[CustomFieldDef],
    action: str,
    day: date,
    chain: Sequence[int],
    current: Mapping[str, Any],
) -> list[CustomFieldDef]:
    """The fields the form of ``action`` offers.

    Where the category is chosen (report, confirm) every field in use is offered and the
    screen shows those of the chosen category; an edit offers all of the ticket's category;
    later stages offer the fields that become required at that stage and those required by
    now but still empty.
    """
    in_use = [d for d in definitions if d.active_on(day)]
    if action in CATEGORY_ACTIONS:
        return in_use
    if action == "edit":
        return [d for d in in_use if d.applies_to(chain)]
    return [
        d
        for d in in_use
        if d.applies_to(chain)
        and (
            d.required_from == _STAGE_OF_ACTION.get(action)
            or (d.required_at(action) and _blank(current.get(d.name)))
        )
    ]


def _blank(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return not value
    return value is None or (isinstance(value, str) and not value.strip())


def decide_extra(
    definitions: Sequence[CustomFieldDef],
    action: str,
    day: date,
    chain: Sequence[int],
    current: Mapping[str, Any] | None,
    raw: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the custom values sent with ``action``; return (all values after, values sent).

    Only fields in use for the ticket's category are read; values of others (a retired field,
    another category's) are kept untouched. A field required by this stage must have a value,
    sent now or stored before. Raises one InvalidError keyed ``extra.<name>``.
    """
    before = dict(current or {})
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise field_error("extra", Message(N_("Extra fields must be an object keyed by name.")))
    wanted = [d for d in definitions if d.active_on(day) and d.applies_to(chain)]
    renamed = {PREFIX + str(name): value for name, value in raw.items()}
    # Photos arriving with a report are known by provisional ids (-1, -2 …) until stored;
    # whether each id is a photo of the ticket is the lifecycle's check (it knows them).
    provisional: dict[str, list[int]] = {}
    for d in wanted:
        value = renamed.get(d.key)
        if d.field_type is FieldType.PHOTO and isinstance(value, list | tuple):
            provisional[d.key] = [v for v in value if isinstance(v, int) and v < 0]
            renamed[d.key] = [v for v in value if not (isinstance(v, int) and v < 0)]
    specs = [
        d.spec(
            required=d.field_type is not FieldType.PHOTO
            and d.required_at(action)
            and _blank(before.get(d.name))
        )
        for d in wanted
    ]
    errors: dict[str, Message] = {}
    clean: dict[str, Any] = {}
    try:
        clean = parse_fields(specs, renamed)
    except InvalidError as refused:
        errors.update(refused.field_errors)
    sent: dict[str, Any] = {}
    for d in wanted:
        if d.key in errors:
            continue
        if d.field_type is FieldType.PHOTO:
            kept = list(before.get(d.name) or [])
            ids = list(dict.fromkeys([*kept, *clean.get(d.key, []), *provisional.get(d.key, [])]))
            if not ids and d.required_at(action):
                errors[d.key] = Message(
                    N_("At least one %(what)s is required."), {"what": N_("photo")}, ("what",)
                )
            elif ids != kept:
                sent[d.name] = ids
        elif clean.get(d.key) not in (None, ""):
            sent[d.name] = to_json(clean[d.key])
    if errors:
        raise InvalidError(Message(N_("Some data is missing or invalid.")), errors)
    return {**before, **sent}, sent


def photo_fields(definitions: Sequence[CustomFieldDef]) -> set[str]:
    """The names of the photo fields (retired ones too): their values are attachment ids."""
    return {d.name for d in definitions if d.field_type is FieldType.PHOTO}
