"""The photo type of custom fields, as the domain checks it (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.custom_fields import (
    CustomFieldDef,
    FieldType,
    check_definition,
    decide_extra,
    form_definitions,
)
from app.domain.errors import InvalidError
from app.domain.messages import LocalText

GAUGE = CustomFieldDef(
    1, "gauge", LocalText("压力表照片", "Gauge photo"), FieldType.PHOTO, required_from="confirm"
)
DAY = date(2026, 11, 24)


def test_a_photo_field_is_optional_before_its_step_and_needs_one_photo_from_it_on() -> None:
    assert decide_extra([GAUGE], "report", DAY, (), {}, {}) == ({}, {})
    with pytest.raises(InvalidError) as refused:
        decide_extra([GAUGE], "confirm", DAY, (), {}, {"gauge": []})
    assert refused.value.field_errors["extra.gauge"].render() == "At least one photo is required."
    # Provisional ids of files arriving with the request, and ids the ticket holds (as text).
    after, sent = decide_extra([GAUGE], "confirm", DAY, (), {}, {"gauge": [-1, "7"]})
    assert after == sent == {"gauge": [7, -1]}


def test_photos_stored_earlier_satisfy_later_steps_and_new_ones_are_added() -> None:
    assert decide_extra([GAUGE], "plan", DAY, (), {"gauge": [3]}, {}) == ({"gauge": [3]}, {})
    assert form_definitions([GAUGE], "plan", DAY, (), {"gauge": [3]}) == []
    assert form_definitions([GAUGE], "plan", DAY, (), {"gauge": []}) == [GAUGE]
    after, sent = decide_extra([GAUGE], "plan", DAY, (), {"gauge": [3]}, {"gauge": [4, 3]})
    assert after == sent == {"gauge": [3, 4]}
    with pytest.raises(InvalidError):
        decide_extra([GAUGE], "plan", DAY, (), {}, {"gauge": ["photo"]})


def test_a_photo_field_is_counted_and_cannot_be_a_filter() -> None:
    assert GAUGE.display([3, 4], str) == "2"
    with pytest.raises(InvalidError) as refused:
        check_definition(
            CustomFieldDef(2, "gauge", GAUGE.label, FieldType.PHOTO, filterable=True),
            values_exist=False,
            previous=None,
        )
    assert set(refused.value.field_errors) == {"filterable"}
