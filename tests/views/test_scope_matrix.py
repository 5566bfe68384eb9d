"""Every screen URL of the app, tried by every role and by users of another township or
enterprise: exactly who gets the page, who is refused (403) and for whom it does not exist (404).

The URL list comes from the app's own URL map, so a new screen cannot escape the matrix: an
endpoint without an expectation below fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import (
    Attachment,
    ExchangeCode,
    Hazard,
    Responsibility,
    RobotChannel,
    WebhookDelivery,
    WebhookSubscriber,
)
from app.services.risk_index import ensure_default_weights
from app.services.transaction import session
from tests.factories import USERS, build_world, jpeg, report

OK = "ok"  # 200, or a 302 back to the ticket (a transition one may not fire now)
FORBIDDEN = 403
MISSING = 404

USERNAMES = [name for name, _role, _where in USERS]
IN_SCOPE_OF_TICKET = {
    "admin",
    "district",
    "auditor",
    "inspector_a",
    "inspector_a2",
    "grid_a",
    "officer_e1",
}
CAN_REPORT = {
    "district",
    "inspector_a",
    "inspector_a2",
    "inspector_b",
    "grid_a",
    "grid_b",
    "officer_e1",
    "officer_e2",
    "officer_b1",
    "admin",
}
READS_ENTERPRISES = {
    "admin",
    "district",
    "auditor",
    "inspector_a",
    "inspector_a2",
    "inspector_b",
    "officer_e1",
    "officer_e2",
    "officer_b1",
}
IN_SCOPE_OF_E1 = {"admin", "district", "auditor", "inspector_a", "inspector_a2", "officer_e1"}


def ticket_page(user: str) -> Any:
    return OK if user in IN_SCOPE_OF_TICKET else MISSING


def ticket_work(user: str) -> Any:
    if user not in IN_SCOPE_OF_TICKET:
        return MISSING
    return FORBIDDEN if user == "auditor" else OK


def anyone_who_reports(user: str) -> Any:
    return OK if user in CAN_REPORT else FORBIDDEN


def enterprise_list(user: str) -> Any:
    return OK if user in READS_ENTERPRISES else FORBIDDEN


def enterprise_item(user: str) -> Any:
    if user not in READS_ENTERPRISES:
        return FORBIDDEN
    return OK if user in IN_SCOPE_OF_E1 else MISSING


def enterprise_admin(user: str) -> Any:
    return OK if user == "admin" else FORBIDDEN


def enterprise_admin_item(user: str) -> Any:
    if user != "admin":
        return FORBIDDEN
    return OK


READS_RESPONSIBILITIES = {
    "admin",
    "district",
    "auditor",
    "inspector_a",
    "inspector_a2",
    "inspector_b",
}


def responsibility_list(user: str) -> Any:
    return OK if user in READS_RESPONSIBILITIES else FORBIDDEN


def responsibility_item(user: str) -> Any:
    if user not in READS_RESPONSIBILITIES:
        return FORBIDDEN
    return MISSING if user == "inspector_b" else OK


def report_item(user: str) -> Any:
    # A report inspector_a made: the township, the district, auditors and admin see it.
    return (
        OK if user in {"admin", "district", "auditor", "inspector_a", "inspector_a2"} else MISSING
    )


def public_page(user: str) -> Any:
    # The public report form and tracking lookup need no login and show nothing of a user.
    return OK


def no_such_code(user: str) -> Any:
    return MISSING


def public_reply(user: str) -> Any:
    # The township's inspectors and the district answer the reporter of a township-A ticket.
    if user in {"inspector_a", "inspector_a2", "district"}:
        return OK
    return MISSING if user == "inspector_b" else FORBIDDEN


def public_reward(user: str) -> Any:
    return OK if user == "district" else FORBIDDEN


IMPORTERS = {"admin", "district", "inspector_a", "inspector_a2", "inspector_b"}


def importer(user: str) -> Any:
    return OK if user in IMPORTERS else FORBIDDEN


def import_item(user: str) -> Any:
    # A ledger inspector_a uploaded: township A, the district and admin see it.
    if user not in IMPORTERS:
        return FORBIDDEN
    return MISSING if user == "inspector_b" else OK


def admin_only(user: str) -> Any:
    return OK if user == "admin" else FORBIDDEN


def proof_screen(user: str) -> Any:
    return OK if user in {"admin", "auditor"} else FORBIDDEN


def proof_run(user: str) -> Any:
    # A run of the check is its requester's own (the auditor's, here).
    if user not in {"admin", "auditor"}:
        return FORBIDDEN
    return OK if user == "auditor" else MISSING


def hazard_list(user: str) -> Any:
    return OK


def no_such_action(user: str) -> Any:
    # SafeLoop's views declare no FAB actions (no bulk operations): the route finds nothing.
    return MISSING


def nobody(user: str) -> Any:
    # Generic FAB endpoints SafeLoop does not grant (no add/edit/delete of tickets around the
    # lifecycle, no hard delete at all, no unscoped file download).
    return FORBIDDEN


# endpoint -> who gets what. Admin-only reference screens share one rule.
EXPECTED: dict[str, Callable[[str], Any]] = {
    "HazardView.list": hazard_list,
    "HazardView.show": ticket_page,
    "HazardView.attachment": ticket_page,
    "HazardView.transition": ticket_work,
    "HazardView.report": anyone_who_reports,
    "HazardView.duplicates": anyone_who_reports,
    "EnterpriseView.list": enterprise_list,
    "EnterpriseView.show": enterprise_item,
    "EnterpriseView.add": enterprise_admin,
    "EnterpriseView.edit": enterprise_admin_item,
    "ReportView.index": lambda user: OK,
    "ReportView.status": report_item,
    "ReportView.download": report_item,
    "LedgerImportView.index": importer,
    "LedgerImportView.template": importer,
    "LedgerImportView.show": import_item,
    "LedgerImportView.status": import_item,
    "LedgerImportView.errors": import_item,
    "ResponsibilityView.list": responsibility_list,
    "ResponsibilityView.show": responsibility_item,
    "ResponsibilityView.add": enterprise_admin,
    "ResponsibilityView.edit": enterprise_admin_item,
    "PublicReportView.report": public_page,
    "PublicReportView.captcha": public_page,
    "PublicTrackView.lookup": public_page,
    "PublicTrackView.status": no_such_code,
    "PublicReportStaffView.reply": public_reply,
    "PublicReportStaffView.reward": public_reward,
    # Everyone's first screen, showing their own scope.
    "DashboardView.index": lambda user: OK,
    # The published ranking: the district, the townships, auditors (no month published here).
    "RankingView.index": lambda user: OK if user in READS_RANKING else FORBIDDEN,
    "RankingView.month": lambda user: MISSING if user in READS_RANKING else FORBIDDEN,
    "RankingView.township": lambda user: MISSING if user in READS_RANKING else FORBIDDEN,
    "RankingView.xlsx": lambda user: MISSING if user in READS_RANKING else FORBIDDEN,
    "HazardMapView.index": lambda user: OK,
    # Weight sets are added, never edited.
    "RiskWeightSetView.edit": nobody,
    # The delivery log is written by the jobs only.
    "WebhookDeliveryView.add": nobody,
    "WebhookDeliveryView.edit": nobody,
    "ProofView.index": proof_screen,
    "ProofView.status": proof_run,
    "ProofView.run": proof_screen,
    "ProofView.check_file": proof_screen,
}
READS_RANKING = {"admin", "district", "auditor", "inspector_a", "inspector_a2", "inspector_b"}
ADMIN_VIEWS = (
    "RegionView",
    "CategoryView",
    "DeterminationStandardView",
    "DeterminationArticleView",
    "SlaPolicyView",
    "UserScopeView",
    "RiskWeightSetView",
    "WebhookSubscriberView",
    "WebhookDeliveryView",
    "ExchangeCodeView",
    "RobotChannelView",
)
# Endpoints that exist but have no permission for anyone but Admin (FAB generic ones).
NOBODY_METHODS = {"delete", "download"}
# POST only: action_post is tried in test_posting_to_someone_elses_ticket, request_list in
# tests/reports (the Reports screen's form).
# check and run: tests/views/test_import_screen.py (the import screen's forms).
SKIPPED_METHODS = {"action_post", "request_list", "check", "run", "compute"}
OUR_VIEWS = (
    "HazardView",
    "EnterpriseView",
    "ResponsibilityView",
    "ReportView",
    "PublicReportView",
    "PublicTrackView",
    "PublicReportStaffView",
    "LedgerImportView",
    "DashboardView",
    "RankingView",
    "HazardMapView",
    "ProofView",
    *ADMIN_VIEWS,
)


def our_endpoints(app: Flask) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in OUR_VIEWS]


def expectation(endpoint: str) -> Callable[[str], Any] | None:
    view, method = endpoint.split(".")
    if endpoint in EXPECTED:
        return EXPECTED[endpoint]
    if view in ADMIN_VIEWS and method in {"list", "show", "add", "edit"}:
        return admin_only
    if method in NOBODY_METHODS or endpoint in {"HazardView.add", "HazardView.edit"}:
        return nobody
    if method == "action":
        return no_such_action
    return None


def test_every_screen_has_an_expectation(screens: Flask) -> None:
    uncovered = [
        rule.endpoint
        for rule in our_endpoints(screens)
        if expectation(rule.endpoint) is None and rule.endpoint.split(".")[1] not in SKIPPED_METHODS
    ]
    assert uncovered == []


def url_for_rule(rule: Any, ids: dict[str, int]) -> str:
    view = rule.endpoint.split(".")[0]
    values: dict[str, Any] = {}
    for argument in rule.arguments:
        if argument == "pk":
            values["pk"] = ids[view]
        elif argument == "attachment_id":
            values["attachment_id"] = ids["attachment"]
        elif argument == "report_id" and view == "PublicReportStaffView":
            values["report_id"] = ids["public_report"]
        elif argument == "report_id":
            values["report_id"] = ids["report"]
        elif argument == "import_id":
            values["import_id"] = ids["import"]
        elif argument == "run_id":
            values["run_id"] = ids["run"]
        elif argument == "name":
            values["name"] = "confirm"
        elif argument == "township_id":
            values["township_id"] = ids["RegionView"]
        elif argument == "filename":
            values["filename"] = "x.jpg"
        else:
            values[argument] = "x"
    return rule.build(values)[1]


def status_of(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 200:
        return OK
    if response.status_code == 302 and "/login" not in response.headers["Location"]:
        return OK
    return response.status_code


def test_scope_matrix_of_every_screen(
    screens: Flask, in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        hazard = report(world)
        attachment = session().query(Attachment).filter_by(hazard_id=hazard.id).one()
        duty = Responsibility(
            level="township",
            responsibility_type="territorial",
            organisation="甲镇人民政府",
            person="周镇长",
            region_id=world.township_a.id,
            district_id=world.district.id,
            township_id=world.township_a.id,
        )
        session().add(duty)
        session().commit()
        from app.services.reports import produce_report, request_report

        township_report = request_report(world["inspector_a"], "hazard", "csv")
        produce_report(township_report.id)
        from app.services.public_reports import submit_public_report

        public = submit_public_report(
            {
                "description": "路边井盖缺失",
                "township_id": world.township_a.id,
                "address": "甲镇北路",
                "consent": "yes",
            },
            [jpeg()],
            "同意",
        )
        from app.services.ledger_import import check_ledger, store_ledger, translators
        from tests.imports.sheets import ledger_row, workbook_bytes

        ledger = store_ledger(
            world["inspector_a"], "台账.xlsx", workbook_bytes([ledger_row()]), "zh"
        )
        check_ledger(world["inspector_a"], ledger, translators("zh"))
        subscriber = WebhookSubscriber(name="省平台", url="http://127.0.0.1:9/", secret="x")
        session().add(subscriber)
        session().flush()
        delivery = WebhookDelivery(
            subscriber_id=subscriber.id,
            event_id=hazard.events[0].id,
            hazard_id=hazard.id,
            event="reported",
            body="{}",
            status="pending",
            next_attempt_at=hazard.reported_at,
        )
        session().add(delivery)
        session().commit()
        exchange_code = session().query(ExchangeCode).first()
        robot = RobotChannel(
            name="甲镇群", kind="wecom", region_id=world.township_a.id, webhook_url="http://x/"
        )
        session().add(robot)
        session().commit()
        from app.services.verification import request_verification

        run = request_verification(world["auditor"])
        ids = {
            "import": ledger.id,
            "HazardView": hazard.id,
            "EnterpriseView": world.e1.id,
            "attachment": attachment.id,
            "RegionView": world.township_a.id,
            "CategoryView": world.category_id,
            "DeterminationStandardView": 1,
            "DeterminationArticleView": 1,
            "SlaPolicyView": 1,
            "UserScopeView": world["officer_e1"].user_id,
            "ResponsibilityView": duty.id,
            "report": township_report.id,
            "PublicReportStaffView": public.hazard_id,
            "public_report": public.id,
            "RiskWeightSetView": ensure_default_weights().id,
            "WebhookSubscriberView": subscriber.id,
            "WebhookDeliveryView": delivery.id,
            "ExchangeCodeView": exchange_code.id if exchange_code else 0,
            "RobotChannelView": robot.id,
            "run": run.id,
        }
    rules = [r for r in our_endpoints(screens) if "GET" in r.methods and expectation(r.endpoint)]
    failures = []
    for username in USERNAMES:
        client = login(username)
        for rule in rules:
            url = url_for_rule(rule, ids)
            expected = expectation(rule.endpoint)(username)  # type: ignore[misc]
            got = status_of(client, url)
            if got != expected:
                failures.append(f"{username} GET {url}: expected {expected}, got {got}")
    assert failures == [], "\n".join(failures)


def test_a_stranger_is_sent_to_the_login_page(screens: Flask, in_app: Any) -> None:
    with in_app():
        hazard_id = report(build_world()).id
    response = screens.test_client().get(f"/hazard/show/{hazard_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("user", ["inspector_b", "officer_e2", "grid_b"])
def test_posting_to_someone_elses_ticket_changes_nothing(
    in_app: Any, login: Callable[[str], FlaskClient], user: str
) -> None:
    with in_app():
        hazard_id = report(build_world()).id
    client = login(user)
    response = client.post(
        f"/hazard/{hazard_id}/transition/reject", data={"version": "1", "reason": "x"}
    )
    assert response.status_code == 404
    response = client.post("/hazard/action_post", data={"action": "x", "rowid": [str(hazard_id)]})
    assert response.status_code == 404
    with in_app():
        hazard = session().get(Hazard, hazard_id)
        assert hazard.state == "reported" and hazard.version == 1


def test_dropdowns_and_search_list_only_what_is_in_scope(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        report(world)
        report(world, who="grid_b", enterprise=world.b1, title="乙厂隐患")
    officer = login("officer_e1")
    form = officer.get("/hazard/report").get_data(as_text=True)
    assert "甲机械厂" in form and "甲化工厂" not in form and "乙食品厂" not in form
    listing = officer.get("/hazard/list/").get_data(as_text=True)
    assert "消防通道堵塞" in listing and "乙厂隐患" not in listing
    assert "甲化工厂" not in listing and "乙食品厂" not in listing
    inspector_b = login("inspector_b").get("/hazard/list/?_flt_0_title=隐患").get_data(as_text=True)
    assert "乙厂隐患" in inspector_b and "消防通道堵塞" not in inspector_b


def test_menus_show_only_what_a_role_can_use(
    login: Callable[[str], FlaskClient], in_app: Any
) -> None:
    with in_app():
        build_world()
    grid = login("grid_a").get("/hazard/list/").get_data(as_text=True)
    assert "上报隐患" in grid and "基础数据" not in grid and "时限策略" not in grid
    auditor = login("auditor").get("/hazard/list/").get_data(as_text=True)
    assert "隐患台账" in auditor and "上报隐患" not in auditor and "时限策略" not in auditor
    admin = login("admin").get("/hazard/list/").get_data(as_text=True)
    assert "时限策略" in admin and "用户数据范围" in admin
