"""The data a transition asks for, declared as field specs and parsed without Flask.

A screen builds its form from these specs, the API documents its body with them, and
:func:`parse_fields` checks what either sends, so the three can never ask for different data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from app.domain.errors import InvalidError
from app.domain.messages import N_, LocalText, Message

# The largest id an integer column holds (PostgreSQL's int4); larger ones name no row.
MAX_ID = 2**31 - 1


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
    CHOICE = "choice"
    ID = "id"
    DECIMAL = "decimal"
    BOOL = "bool"
    IDS = "ids"
    MEASURES = "measures"


@dataclass(frozen=True)
class FieldSpec:
    """One datum of a transition: its name, kind, label (msgid) and constraints."""

    name: str
    kind: Kind
    # A msgid, or the bilingual label of a field an administrator defined.
    label: str | LocalText
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 200
    help: str = ""


def _required(spec: FieldSpec) -> Message:
    return Message(N_("%(field)s is required."), {"field": spec.label}, ("field",))


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def _parse_one(spec: FieldSpec, value: Any) -> Any:
    """Parse one present value; raise ValueError with a Message as its argument."""
    label = {"field": spec.label}
    if spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
        text = str(value).strip()
        limit = spec.max_length if spec.kind is Kind.TEXT else max(spec.max_length, 4000)
        if len(text) > limit:
            raise ValueError(
                Message(
                    N_("%(field)s is too long (at most %(limit)s characters)."),
                    {**label, "limit": limit},
                    ("field",),
                )
            )
        return text
    if spec.kind is Kind.DATE:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                Message(N_("%(field)s must be a date like 2026-12-31."), label, ("field",))
            ) from None
    if spec.kind is Kind.CHOICE:
        text = str(value).strip()
        if text not in spec.choices:
            raise ValueError(
                Message(
                    N_("%(field)s has an unknown value: %(value)s."),
                    {**label, "value": text},
                    ("field",),
                )
            )
        return text
    if spec.kind is Kind.ID:
        return _positive_int(value, spec)
    if spec.kind is Kind.DECIMAL:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(
                Message(N_("%(field)s must be a number."), label, ("field",))
            ) from None
        if not number.is_finite() or number < 0:
            raise ValueError(Message(N_("%(field)s must be a number."), label, ("field",)))
        return number
    if spec.kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "y", "on"}:
            return True
        if text in {"0", "false", "no", "n", "off"}:
            return False
        raise ValueError(Message(N_("%(field)s must be yes or no."), label, ("field",)))
    if spec.kind is Kind.IDS:
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        return [_positive_int(item, spec) for item in items if str(item).strip()]
    if spec.kind is Kind.MEASURES:
        return _parse_measures(spec, value)
    raise AssertionError(f"unhandled kind {spec.kind}")


def _positive_int(value: Any, spec: FieldSpec) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number <= 0 or number > MAX_ID:
        raise ValueError(
            Message(
                N_("%(field)s must be chosen from the list."), {"field": spec.label}, ("field",)
            )
        )
    return number


def _parse_measures(spec: FieldSpec, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list | tuple):
        raise ValueError(
            Message(N_("%(field)s must be a list."), {"field": spec.label}, ("field",))
        )
    measures = []
    for item in value:
        if not isinstance(item, Mapping):
            raise ValueError(
                Message(N_("%(field)s must be a list."), {"field": spec.label}, ("field",))
            )
        kind = str(item.get("kind", "")).strip()
        description = str(item.get("description", "")).strip()
        if not kind and not description:
            continue
        if kind not in spec.choices:
            raise ValueError(
                Message(
                    N_("%(field)s has an unknown value: %(value)s."),
                    {"field": spec.label, "value": kind},
                    ("field",),
                )
            )
        if not description:
            raise ValueError(Message(N_("Each control measure needs a description."), {}))
        measures.append({"kind": kind, "description": description[:2000]})
    return measures


def parse_fields(specs: Sequence[FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """Parse ``data`` against ``specs``; return clean values or raise one InvalidError.

    Every field is checked before raising, so the user sees all problems at once. Fields not
    in ``specs`` are ignored; absent optional fields come back as None.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, Message] = {}
    for spec in specs:
        raw = data.get(spec.name)
        if _is_blank(raw):
            if spec.required:
                errors[spec.name] = _required(spec)
            clean[spec.name] = [] if spec.kind in (Kind.IDS, Kind.MEASURES) else None
            continue
        try:
            value = _parse_one(spec, raw)
        except ValueError as exc:
            errors[spec.name] = exc.args[0]
            continue
        if spec.required and _is_blank(value):
            errors[spec.name] = _required(spec)
            continue
        clean[spec.name] = value
    if errors:
        raise InvalidError(invalid_data_message(), errors)
    return clean


def invalid_data_message() -> Message:
    """The summary line shown above per-field problems."""
    return Message(N_("Some data is missing or invalid."))


def field_error(name: str, message: Message) -> InvalidError:
    """A refusal about one field."""
    return InvalidError(invalid_data_message(), {name: message})


def to_json(value: Any) -> Any:
    """A JSON-safe copy of parsed data for the event trail (dates ISO, decimals as text)."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value
