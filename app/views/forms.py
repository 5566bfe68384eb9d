"""WTForms forms built from the lifecycle's field specs, and requests turned back into data.

The lifecycle (``app.domain.lifecycle.fields_for``) says what each transition asks for; this
module only renders it and hands the raw values to the service, which validates them. So a
screen can never ask for other data than the REST API, and its error messages are the
domain's own, shown next to the field they concern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import (
    Field,
    Form,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

from app.domain.custom_fields import PREFIX as EXTRA_PREFIX
from app.domain.errors import InvalidError
from app.domain.fields import FieldSpec, Kind
from app.domain.messages import label_text
from app.domain.vocabulary import LABELS, AttachmentKind, ControlMeasureKind
from app.services.attachments import NewFile

# File inputs, by the data field that lists their ids, and the kind of what they hold.
FILE_FIELDS: dict[str, AttachmentKind] = {
    "photo_ids": AttachmentKind.PHOTO,
    "before_photo_ids": AttachmentKind.BEFORE_PHOTO,
    "after_photo_ids": AttachmentKind.AFTER_PHOTO,
    "document_ids": AttachmentKind.DOCUMENT,
}
MEASURE_ROWS = 3

Choices = list[tuple[str, str]]


def _choice_label(value: str) -> str:
    for member, label in LABELS.items():
        if member.value == value:
            return gettext(label)
    return value


def _field_for(spec: FieldSpec, choices: Mapping[str, Choices]) -> Field:
    label = label_text(spec.label, gettext)
    description = gettext(spec.help) if spec.help else ""
    # Marked for the asterisk only: the server checks, and a hidden required input would
    # block the browser from submitting at all.
    required = {"data-required": "1"} if spec.required else {}
    if spec.kind is Kind.LONG_TEXT:
        return TextAreaField(label, description=description, render_kw={"rows": 3, **required})
    if spec.kind is Kind.DATE:
        return StringField(label, description=description, render_kw={"type": "date", **required})
    if spec.kind is Kind.CHOICE:
        options = [("", "—")] + [(value, _choice_label(value)) for value in spec.choices]
        return SelectField(label, choices=options, validate_choice=False, description=description)
    if spec.kind is Kind.ID:
        options = [("", "—"), *choices.get(spec.name, [])]
        return SelectField(label, choices=options, validate_choice=False, description=description)
    if spec.kind is Kind.DECIMAL:
        return StringField(label, description=description, render_kw={"inputmode": "decimal"})
    if spec.kind is Kind.BOOL:
        return RadioField(
            label,
            choices=[("yes", gettext("Yes")), ("no", gettext("No"))],
            validate_choice=False,
        )
    if spec.kind is Kind.IDS:
        accept = "image/*,application/pdf" if spec.name == "document_ids" else "image/*"
        return MultipleFileField(label, description=description, render_kw={"accept": accept})
    if spec.kind is Kind.MEASURES:
        # Rendered by the template as rows of kind + description (see measure_rows()).
        return HiddenField(label)
    return StringField(label, description=description, render_kw=required)


def build_form(
    specs: Sequence[FieldSpec],
    choices: Mapping[str, Choices] | None = None,
    formdata: MultiDict[str, Any] | None = None,
    extra: Mapping[str, Field] | None = None,
) -> FlaskForm:
    """A FlaskForm (with CSRF token and the hidden ticket version) for ``specs``."""
    attributes: dict[str, Any] = {"version": HiddenField()}
    for spec in specs:
        attributes[spec.name] = _field_for(spec, choices or {})
    attributes.update(extra or {})
    form_class = type("TransitionForm", (FlaskForm,), attributes)
    return form_class(formdata=formdata)


def fields_form(
    specs: Sequence[FieldSpec], formdata: MultiDict[str, Any] | None, prefix: str
) -> Form:
    """A plain form of ``specs`` whose inputs are named ``<prefix><field>``: one of several
    groups of fields on one page (each failed checklist item's ticket), no CSRF of its own."""
    form_class = type("FieldsForm", (Form,), {s.name: _field_for(s, {}) for s in specs})
    return form_class(formdata=formdata, prefix=prefix)


def measure_kinds() -> Choices:
    return [(kind.value, gettext(kind.label)) for kind in ControlMeasureKind]


def measure_rows(formdata: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The control-measure rows as typed (empty rows to fill in on a new form)."""
    rows = []
    for n in range(MEASURE_ROWS):
        rows.append(
            {
                "kind": str((formdata or {}).get(f"measures-{n}-kind", "")),
                "description": str((formdata or {}).get(f"measures-{n}-description", "")),
            }
        )
    return rows


def request_data(
    specs: Iterable[FieldSpec], formdata: Mapping[str, Any], prefix: str = ""
) -> dict[str, Any]:
    """The raw values of ``specs`` from a submitted form, as the lifecycle expects them
    (inputs named ``<prefix><field>``: see :func:`fields_form`)."""
    data: dict[str, Any] = {}
    for spec in specs:
        if spec.kind is Kind.IDS:
            continue
        value = formdata.get(prefix + spec.name)
        if spec.name.startswith(EXTRA_PREFIX):
            # Custom fields travel as the ``extra`` object, keyed by field name (as in the API).
            data.setdefault("extra", {})[spec.name[len(EXTRA_PREFIX) :]] = value
        elif spec.kind is Kind.MEASURES:
            data[spec.name] = [row for row in measure_rows(formdata) if any(row.values())]
        else:
            data[spec.name] = value
    return data


def request_files(
    files: MultiDict[str, FileStorage], names: Iterable[str] = FILE_FIELDS, prefix: str = ""
) -> list[NewFile]:
    """Uploaded files of the file inputs ``names`` (named ``<prefix><name>`` on the page), with
    the name the user's device sent."""
    received = []
    for name in names:
        kind = FILE_FIELDS.get(name)
        field = ""
        if name.startswith(EXTRA_PREFIX):
            # A custom photo field (only those are file inputs among the custom fields).
            kind, field = AttachmentKind.PHOTO, name[len(EXTRA_PREFIX) :]
        if kind is None:
            continue
        for storage in files.getlist(prefix + name):
            if storage and storage.filename:
                received.append(NewFile(storage.filename, storage.read(), kind, field))
    return received


def show_errors(
    form: FlaskForm, refused: InvalidError, translate: Callable[[str], str]
) -> list[str]:
    """Put each field's message next to its field; return those that belong to no field."""
    loose = []
    for name, message in refused.render_fields(translate).items():
        field = getattr(form, name, None)
        if isinstance(field, Field):
            field.errors = [message]
        else:
            loose.append(message)
    return loose
