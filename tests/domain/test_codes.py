"""Unified social credit codes (GB 32100-2015) and ticket codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    credit_code_problem,
    format_ticket_code,
    validate_credit_code,
)
from app.domain.errors import InvalidError

# Codes of real registered companies, as printed on their business licences.
REAL_VALID = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_VALID)
def test_real_credit_codes_are_accepted(code: str) -> None:
    assert credit_code_problem(code) is None


def test_a_code_typed_in_lower_case_with_spaces_is_normalised() -> None:
    assert validate_credit_code("  91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y44", "check character"),
        ("911100001000021358", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M00010OY43", "capital letters"),  # letter O is not in the alphabet
        ("9135A100M000100Y43", "administrative division"),
    ],
)
def test_invalid_credit_codes_are_refused_with_the_reason(code: str, why: str) -> None:
    with pytest.raises(InvalidError) as refused:
        validate_credit_code(code)
    assert why in str(refused.value.field_errors["credit_code"])


@given(
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17).filter(
        lambda s: s[2:8].isdigit()
    )
)
def test_exactly_one_check_character_completes_any_code(first17: str) -> None:
    valid = [c for c in CREDIT_CODE_ALPHABET if credit_code_problem(first17 + c) is None]
    assert valid == [credit_code_check_character(first17)]


def test_ticket_codes_name_township_year_and_number() -> None:
    assert format_ticket_code("330199001", 2026, 42) == "YH-330199001-2026-00042"
