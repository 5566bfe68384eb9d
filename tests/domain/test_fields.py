"""Parsing the data of a transition: ids that no row can have are refused, not looked up."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidError
from app.domain.fields import MAX_ID, FieldSpec, Kind, parse_fields

SPECS = (FieldSpec("category_id", Kind.ID, "Category"), FieldSpec("photo_ids", Kind.IDS, "Photos"))


def test_ids_up_to_the_largest_column_value_parse() -> None:
    clean = parse_fields(SPECS, {"category_id": str(MAX_ID), "photo_ids": [1, MAX_ID]})
    assert clean == {"category_id": MAX_ID, "photo_ids": [1, MAX_ID]}


@pytest.mark.parametrize("field", ["category_id", "photo_ids"])
def test_an_id_larger_than_any_column_holds_is_a_field_error(field: str) -> None:
    too_large = 10**30
    data = {
        "category_id": 1,
        "photo_ids": [1],
        field: [too_large] if field == "photo_ids" else too_large,
    }
    with pytest.raises(InvalidError) as refused:
        parse_fields(SPECS, data)
    assert set(refused.value.field_errors) == {field}
