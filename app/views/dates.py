"""Date columns of FAB's generated forms as the browser's own date input.

FAB renders a Date column with bootstrap-datepicker, which keeps its own copy of the date and,
on closing (forceParse), writes that copy back into the input: a date that reached the input
without a keyup (filled in, autocompleted, picked from a phone's suggestion) was replaced by
the old one and never saved. ``<input type="date">`` has no second copy, works on phones and
sends ISO dates, which WTForms' DateField reads.
"""

from __future__ import annotations

from typing import Any

from wtforms import DateField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import DateInput


def browser_date_field(label: Any, *, required: bool, description: Any = "") -> DateField:
    """A DateField drawn as ``<input type="date">``; empty is refused only if ``required``."""
    return DateField(
        label,
        description=description,
        validators=[InputRequired() if required else Optional()],
        widget=DateInput(),
        render_kw={"class": "form-control"},
    )


def date_input_fields(view: Any, columns: list[str]) -> dict[str, DateField]:
    """Browser date fields for the Date columns among ``columns`` of a ModelView's model."""
    datamodel = view.datamodel
    return {
        column: browser_date_field(
            view.label_columns.get(column, column),
            required=not datamodel.is_nullable(column),
            description=(view.description_columns or {}).get(column, ""),
        )
        for column in columns
        if datamodel.is_date(column)
    }
