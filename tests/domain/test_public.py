"""Public reporting rules: tracking codes, who sees the reporter, the reward decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ConflictError, ForbiddenError, InvalidError
from app.domain.public import (
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    RewardBounds,
    decide_reward,
    format_tracking_code,
    may_see_reporter,
    new_tracking_code,
    normalise_tracking_code,
    parse_public_report,
    ticket_data,
)
from tests.domain.conftest import ACTORS, TODAY, TOWNSHIP_A, FakeTicket

LOOK_ALIKES = set("0O1IL5S2Z8B")


def test_tracking_codes_are_random_short_and_free_of_look_alikes() -> None:
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == TRACKING_LENGTH for code in codes)
    assert not LOOK_ALIKES & set("".join(codes))
    assert set("".join(codes)) == set(TRACKING_ALPHABET)


@given(st.text(alphabet=TRACKING_ALPHABET, min_size=TRACKING_LENGTH, max_size=TRACKING_LENGTH))
def test_a_code_reads_back_however_it_is_typed(code: str) -> None:
    shown = format_tracking_code(code)
    assert normalise_tracking_code(shown) == code
    assert normalise_tracking_code(f"  {shown.lower().replace('-', ' ')} ") == code


@pytest.mark.parametrize(
    "typed",
    ["", "ABC", "0000-0000-0000", "ACDE-FGHJ-KMN", "ACDE-FGHJ-KMNPQ", None, "ÄCDE-FGHJ-KMNP"],
)
def test_what_cannot_be_a_code_is_none(typed: str | None) -> None:
    assert normalise_tracking_code(typed) is None


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("inspector_a", True),
        ("inspector_a2", True),
        ("district", True),
        ("inspector_b", False),
        ("officer_e1", False),
        ("grid_a", False),
        ("auditor", False),
        ("admin", False),
    ],
)
def test_only_the_township_and_the_district_see_the_reporter(who: str, sees: bool) -> None:
    assert may_see_reporter(ACTORS[who], FakeTicket(source="public_report")) is sees


def form(**overrides: Any) -> dict[str, Any]:
    return {
        "description": "井盖缺失\n在路口",
        "township_id": TOWNSHIP_A,
        "consent": "yes",
        **overrides,
    }


def test_a_public_report_needs_consent_and_a_plausible_phone_and_point() -> None:
    for bad, field in (
        ({"consent": "no"}, "consent"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
        ({"latitude": "91", "longitude": "120"}, "latitude"),
    ):
        with pytest.raises(InvalidError) as refused:
            parse_public_report(form(**bad))
        assert field in refused.value.field_errors
    clean = parse_public_report(form(reporter_phone="+86 138-0013-8000"))
    data = ticket_data(clean, None)
    assert data["title"] == "井盖缺失" and data["region_id"] == TOWNSHIP_A
    assert data["source"] == "public_report"
    assert ticket_data(clean, 501)["enterprise_id"] == 501


def reward(
    who: str = "district", confirmed: bool = True, decided: bool = False, **data: Any
) -> Any:
    values = {
        "eligible": "yes",
        "amount": "3000",
        "decided_on": TODAY.isoformat(),
        "reason": "属实",
    }
    return decide_reward(
        ACTORS[who], FakeTicket(), confirmed, decided, {**values, **data}, RewardBounds(), TODAY
    )


def test_a_reward_lies_within_the_bounds() -> None:
    assert reward()["amount"] == Decimal("3000.00")
    assert reward(amount="300000")["amount"] == Decimal("300000.00")
    for amount in ("2999.99", "300000.01", ""):
        with pytest.raises(InvalidError):
            reward(amount=amount)
    assert reward(eligible="no", amount="")["amount"] is None
    with pytest.raises(InvalidError):
        reward(eligible="no", amount="5000")


def test_only_the_district_decides_once_for_a_confirmed_hazard() -> None:
    with pytest.raises(ForbiddenError):
        reward("inspector_a")
    with pytest.raises(ConflictError):
        reward(decided=True)
    with pytest.raises(InvalidError):
        reward(confirmed=False)
    with pytest.raises(InvalidError):
        reward(decided_on="2099-01-01")
    assert reward(confirmed=False, eligible="no", amount="")["eligible"] is False
