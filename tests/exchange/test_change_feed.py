"""A provincial platform follows the change feed: every ticket's change, once, in order."""

from __future__ import annotations

import pytest

from app.domain.exchange import decode_cursor
from app.domain.lifecycle import Action
from app.domain.vocabulary import Grade
from app.models import ExchangeCode
from app.services.transaction import session
from tests.exchange.conftest import follow, integration_account
from tests.factories import build_world, confirm, fire, report, to_rectifying

pytestmark = pytest.mark.usefixtures("ctx")


def test_a_client_following_the_cursor_sees_each_change_once_and_in_order() -> None:
    world = build_world()
    province = integration_account(world.district)
    first = report(world)
    second = report(world, title="配电箱未接地")
    seen, cursor = follow(province, limit=1)
    assert [(c["ticket"]["code"], c["version"]) for c in seen] == [
        (first.code, 1),
        (second.code, 1),
    ]
    assert seen[0]["ticket"]["external_id"] == first.external_id
    assert seen[0]["action"] == "report"

    first = confirm(world, first)
    # Nothing new is repeated; the confirmation is the only change after the cursor.
    again, cursor = follow(province, cursor)
    assert [(c["ticket"]["code"], c["version"], c["action"]) for c in again] == [
        (first.code, 2, "confirm")
    ]
    assert follow(province, cursor) == ([], cursor)


def test_a_ticket_changed_twice_since_the_cursor_comes_once_at_its_latest_version() -> None:
    world = build_world()
    province = integration_account(world.district)
    to_rectifying(world, report(world))
    seen, _ = follow(province)
    assert [(c["version"], c["ticket"]["state"]) for c in seen] == [(3, "04")]


def test_the_feed_shows_only_the_accounts_region_but_moves_past_the_rest() -> None:
    world = build_world()
    township_b = integration_account(world.township_b, "township_b_platform")
    report(world)  # township A
    in_b = report(world, who="grid_b", enterprise=world.b1)
    seen, cursor = follow(township_b, limit=1)
    assert [c["ticket"]["code"] for c in seen] == [in_b.code]
    assert decode_cursor(cursor)[1] == in_b.events[-1].id


def test_a_cursor_of_the_old_api_a_plain_entry_id_still_works() -> None:
    world = build_world()
    province = integration_account(world.district)
    first = report(world)
    second = report(world, title="配电箱未接地")
    # Events written before the txid column (txid 0) and on SQLite: the position (0, id).
    old = str(first.events[-1].id)
    assert decode_cursor(old) == (0, first.events[-1].id)
    seen, _ = follow(province, old)
    if session().get_bind().dialect.name == "sqlite":
        assert [c["ticket"]["code"] for c in seen] == [second.code]
    else:
        # On PostgreSQL both were written after migration 0009 (txid > 0): an old cursor
        # only ever points at an entry from before it.
        assert [c["ticket"]["code"] for c in seen] == [first.code, second.code]


@pytest.mark.parametrize("raw", ["abc", "-1", "1-2-3", "1.5", "", "１２"])
def test_anything_else_is_not_a_cursor(raw: str) -> None:
    with pytest.raises(ValueError):
        decode_cursor(raw)


def test_codes_come_from_the_mapping_an_admin_edits() -> None:
    world = build_world()
    province = integration_account(world.district)
    hazard = confirm(world, report(world), Grade.MAJOR)
    code = session().query(ExchangeCode).filter_by(kind="grade", value="major").one()
    code.code = "ZD"
    session().commit()
    try:
        (change,), _ = follow(province)
        ticket = change["ticket"]
        assert ticket["grade"] == "ZD"
        assert ticket["state"] == "02"
        assert ticket["source"] == "2"  # grid patrol
        assert ticket["category"] == "XC05"  # no code set: our own is sent
        assert ticket["responsible_unit"] == "甲机械厂"
        assert ticket["confirm_time"] is not None
        assert set(ticket["five_in_place"]) == {
            "target",
            "responsibility",
            "measures",
            "funds",
            "time_limit",
            "emergency_plan",
        }
        assert ticket["supervision"]["level"] is None
        assert change["version"] == hazard.version
    finally:
        code.code = "2"
        session().commit()


def test_a_general_hazard_carries_no_major_hazard_fields() -> None:
    world = build_world()
    province = integration_account(world.district)
    hazard = fire(world, "inspector_a", report(world), Action.REJECT, reason="重复")
    (change,), _ = follow(province)
    assert change["ticket"]["state"] == "07"
    assert "supervision" not in change["ticket"]
    assert change["version"] == hazard.version
