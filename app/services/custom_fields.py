"""Custom fields in the database: definitions as the rules read them, values as lists filter them.

The rules live in ``app.domain.custom_fields``; this module loads what they need (all
definitions, the category tree) and turns a filter on a custom value into SQL that stays on
the GIN index of ``hazard.extra`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.domain.custom_fields import (
    PREFIX,
    CustomFieldDef,
    FieldType,
    check_definition,
    parse_choices,
)
from app.domain.fields import field_error
from app.domain.messages import N_, LocalText, Message, Translate, label_text
from app.models import Category, CustomField, Hazard
from app.reports.columns import Column
from app.services.transaction import session


def as_definition(row: CustomField) -> CustomFieldDef:
    """A stored definition (or one being edited) as the domain reads it."""
    try:
        field_type = FieldType(row.field_type)
    except ValueError:
        field_type = FieldType.TEXT
    return CustomFieldDef(
        id=row.id or 0,
        name=(row.name or "").strip(),
        label=LocalText((row.label_zh or "").strip(), (row.label_en or "").strip()),
        field_type=field_type,
        category_id=row.category_id if row.category_id else None,
        unit=(row.unit or "").strip(),
        choices=parse_choices(row.choices),
        required_from=row.required_from or None,
        help=(row.help_text or "").strip(),
        filterable=bool(row.filterable),
        active_from=row.active_from,
        active_until=row.active_until,
    )


def definitions() -> tuple[CustomFieldDef, ...]:
    """Every definition ever made (retired ones too: their values stay readable)."""
    rows = session().scalars(
        sa.select(CustomField).order_by(CustomField.sort_order, CustomField.id)
    )
    return tuple(as_definition(row) for row in rows)


def category_chains() -> dict[int, tuple[int, ...]]:
    """Each category's id followed by its ancestors' (sub-categories inherit fields)."""
    parents = {
        row[0]: row[1] for row in session().execute(sa.select(Category.id, Category.parent_id))
    }
    chains: dict[int, tuple[int, ...]] = {}
    for category_id in parents:
        chain: list[int] = []
        node: int | None = category_id
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chains[category_id] = tuple(chain)
    return chains


def chain_of(category_id: int | None, chains: Mapping[int, tuple[int, ...]]) -> tuple[int, ...]:
    """The category's chain (empty for a ticket without category)."""
    return chains.get(category_id, ()) if category_id else ()


def covered_categories(
    definition: CustomFieldDef, chains: Mapping[int, tuple[int, ...]]
) -> list[int] | None:
    """The categories a field applies to (None: every category)."""
    if definition.category_id is None:
        return None
    return sorted(c for c, chain in chains.items() if definition.category_id in chain)


def _extra_value(name: str) -> Any:
    if session().get_bind().dialect.name == "postgresql":
        return sa.type_coerce(Hazard.extra, postgresql.JSONB)
    return sa.func.json_extract(Hazard.extra, f'$."{name}"')


def values_exist(name: str) -> bool:
    """Whether any ticket holds a value of field ``name``."""
    if session().get_bind().dialect.name == "postgresql":
        has = sa.type_coerce(Hazard.extra, postgresql.JSONB).has_key(name)
    else:
        has = _extra_value(name).is_not(None)
    return session().execute(sa.select(sa.exists().where(has))).scalar_one()


def extra_equals(definition: CustomFieldDef, raw: str) -> Any:
    """SQL: the ticket's value of ``definition`` equals ``raw`` as typed in a filter."""
    value: Any = raw.strip()
    if definition.field_type is FieldType.BOOL:
        value = value.lower() in {"1", "true", "yes", "y", "on"}
    if session().get_bind().dialect.name == "postgresql":
        return _extra_value(definition.name).contains({definition.name: value})
    if isinstance(value, bool):
        value = int(value)
    return _extra_value(definition.name) == value


def extra_filters(args: Mapping[str, Any], defs: Iterable[CustomFieldDef] | None = None) -> Any:
    """One SQL condition for the ``extra.<name>=value`` arguments of a list (filterable only)."""
    wanted = {
        key[len(PREFIX) :]: str(value)
        for key, value in args.items()
        if key.startswith(PREFIX) and str(value or "").strip()
    }
    if not wanted:
        return None
    conditions = [
        extra_equals(d, wanted[d.name])
        for d in (definitions() if defs is None else defs)
        if d.filterable and d.name in wanted
    ]
    return sa.and_(*conditions) if conditions else None


def check_saved_definition(row: CustomField) -> None:
    """Refuse a definition an administrator saves (screen or API) with problems.

    The name and type it had before this edit come from the ORM's history of the row. Its
    queries do not flush the edit (a taken name would fail in the database, not here).
    """
    if row.field_type not in {t.value for t in FieldType}:
        raise field_error(
            "field_type", Message(N_("Unknown type: %(value)s."), {"value": row.field_type})
        )
    with session().no_autoflush:
        state: Any = sa.inspect(row)
        previous = None
        name_before = row.name
        if state.persistent:
            before: dict[str, Any] = {}
            for attribute in ("name", "field_type"):
                history = state.attrs[attribute].history
                before[attribute] = (
                    history.deleted[0] if history.deleted else getattr(row, attribute)
                )
            name_before = before["name"]
            previous = as_definition(
                CustomField(name=before["name"], field_type=before["field_type"], label_zh="-")
            )
        exists = previous is not None and values_exist(name_before)
        check_definition(as_definition(row), values_exist=exists, previous=previous)
        taken = sa.select(CustomField.id).where(CustomField.name == row.name)
        if row.id is not None:
            taken = taken.where(CustomField.id != row.id)
        if session().execute(taken.limit(1)).first() is not None:
            raise field_error(
                "name", Message(N_("A field called %(name)s exists already."), {"name": row.name})
            )


def display_values(
    extra: Mapping[str, Any] | None, defs: Sequence[CustomFieldDef]
) -> list[tuple[CustomFieldDef | None, str, Any]]:
    """A ticket's stored values in definition order: (definition or None, name, value).

    Values of names no definition knows any more are kept and listed last, by name.
    """
    values = dict(extra or {})
    shown: list[tuple[CustomFieldDef | None, str, Any]] = []
    for definition in defs:
        if definition.name in values:
            shown.append((definition, definition.name, values.pop(definition.name)))
    shown.extend((None, name, values[name]) for name in sorted(values))
    return shown


def export_column(definition: CustomFieldDef, translate: Translate) -> Column:
    """A register column for ``definition``: its label (and unit) as the header."""
    header = label_text(definition.label, translate)
    if definition.unit:
        header = f"{header} ({definition.unit})"
    kind = {FieldType.NUMBER: "decimal", FieldType.DATE: "date", FieldType.PHOTO: "int"}.get(
        definition.field_type, "text"
    )
    return Column(definition.key, header, 1.0, kind)


def export_cell(definition: CustomFieldDef, value: Any, translate: Translate) -> Any:
    """A stored value as a register cell: numbers and dates typed, yes/no in words."""
    if value is None or value == "":
        return None
    if definition.field_type is FieldType.PHOTO:
        # The number of photos (the files themselves are on the ticket's page).
        return len(value) if isinstance(value, list) else None
    try:
        if definition.field_type is FieldType.NUMBER:
            return Decimal(str(value))
        if definition.field_type is FieldType.DATE:
            return date.fromisoformat(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if definition.field_type is FieldType.BOOL:
        return definition.display(value, translate)
    return str(value)


def with_extra_columns(
    columns: Sequence[Column], rows: Iterable[dict[str, Any]], translate: Translate
) -> tuple[list[Column], Iterator[dict[str, Any]]]:
    """A register's columns and rows plus one column per custom field (retired ones too).

    The rows carry the ticket's stored values as ``_extra``; each becomes a typed cell.
    """
    defs = definitions()
    extended = [*columns, *(export_column(d, translate) for d in defs)]

    def cells() -> Iterator[dict[str, Any]]:
        for row in rows:
            values = row.get("_extra") or {}
            for definition in defs:
                row[definition.key] = export_cell(
                    definition, values.get(definition.name), translate
                )
            yield row

    return extended, cells()
