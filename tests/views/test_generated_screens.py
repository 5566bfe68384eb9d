"""FAB's generated screens as SafeLoop shows them: every date of an add or edit form is the
browser's date input, and what is typed into it is saved (FAB's datepicker wrote its stale date
back over a filled-in one); every screen is titled in the user's language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_appbuilder import ModelView

from app.models import DeterminationStandard, RiskWeightSet
from app.services.transaction import session
from app.views.scoped import ScopedModelView
from tests.factories import build_world


def test_no_generated_form_uses_the_datepicker(
    screens: Flask, in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
        views = [v for v in screens.appbuilder.baseviews if isinstance(v, ModelView)]  # type: ignore[attr-defined]
        dated = [
            v
            for v in views
            if any(v.datamodel.is_date(c) for c in [*v.add_columns, *v.edit_columns])
        ]
        urls = [f"{v.route_base}/add" for v in dated]
    admin = login("admin")
    checked = []
    for url in urls:
        response = admin.get(url)
        if response.status_code == 403:  # added through the lifecycle's own forms (tickets)
            continue
        page = response.get_data(as_text=True)
        assert 'data-provide="datepicker"' not in page and "appbuilder_datepicker" not in page, url
        assert re.search(r'<input[^>]*type="date"', page), url
        checked.append(url)
    # Weight sets, standards, articles, custom fields at least.
    assert {"/riskweights/add", "/customfieldview/add"} <= set(checked) and len(checked) >= 4


def test_a_typed_date_is_saved_and_a_required_one_is_asked_for(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
        before = session().query(RiskWeightSet).count()
    admin = login("admin")
    weights = {f"w_{c}": "10" for c in ("on_time", "overdue_major", "close_time")}
    weights |= {f"w_{c}": "10" for c in ("confirm_time", "self_found", "send_back")}
    refused = admin.post("/riskweights/add", data={**weights, "effective_from": ""})
    assert refused.status_code == 200
    with in_app():
        assert session().query(RiskWeightSet).count() == before
    admin.post("/riskweights/add", data={**weights, "effective_from": "2026-09-17"})
    admin.post(
        "/determinationstandardview/add",
        data={"name": "燃气安全标准", "doc_number": "GB 1-2026", "effective_on": "2026-03-01"},
    )
    with in_app():
        newest = session().query(RiskWeightSet).order_by(RiskWeightSet.version.desc()).first()
        assert str(newest.effective_from) == "2026-09-01"  # a weight set starts with its month
        standard = session().query(DeterminationStandard).filter_by(name="燃气安全标准").one()
        assert (str(standard.effective_on), standard.repealed_on) == ("2026-03-01", None)


def test_every_generated_screen_is_titled_in_the_user_s_language(
    screens: Flask, in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
        views = [v for v in screens.appbuilder.baseviews if isinstance(v, ScopedModelView)]  # type: ignore[attr-defined]
        # Every SafeLoop list names what one row is (FAB would title it "Add Enterprise").
        assert [type(v).__name__ for v in views if getattr(v, "noun", None) is None] == []
        routes = [v.route_base for v in views]
    admin = login("admin")
    pages = {route: admin.get(f"{route}/list/").get_data(as_text=True) for route in routes}
    english = [route for route, page in pages.items() if re.search(r">\s*List [A-Z]", page)]
    assert english == []
    assert "企业列表" in pages["/enterpriseview"]
    assert "添加企业" in admin.get("/enterpriseview/add").get_data(as_text=True)
