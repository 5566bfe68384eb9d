"""The auditor's screens: run the check and see every ticket intact (or the broken one), and
have a downloaded register recognised while a changed one is refused."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.jobs import produce_report_job, verification_job
from app.models import HazardEvent, Report, VerificationRun
from app.services.reports import request_report
from app.services.transaction import session
from tests.factories import build_world, report, to_pending_verification
from tests.proof.test_chain import tamper


def run_check(client: FlaskClient, in_app: Any) -> str:
    assert client.post("/proof/run", follow_redirects=True).status_code == 200
    with in_app():
        run_id = session().scalars(sa.select(sa.func.max(VerificationRun.id))).one()
        verification_job(run_id)
    status = client.get(f"/proof/run/{run_id}/status").get_json()
    assert status["status"] == "finished" and status["progress"] == 100
    return client.get("/proof/").get_data(as_text=True)


def test_an_auditor_runs_the_check_and_sees_every_ticket_intact_then_the_broken_one(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        hazard = to_pending_verification(world, report(world))
        code = hazard.code
        report(world)
        second_event = (
            session()
            .scalars(
                sa.select(HazardEvent.id).where(
                    HazardEvent.hazard_id == hazard.id, HazardEvent.seq == 2
                )
            )
            .one()
        )
    auditor = login("auditor")
    page = run_check(auditor, in_app)
    assert 'data-intact="yes"' in page and "完好" in page
    with in_app():
        tamper("UPDATE hazard_event SET comment = '已处理' WHERE id = :id", id=second_event)
    page = run_check(auditor, in_app)
    assert 'data-intact="no"' in page
    assert code in page and "事件 2" in page
    # Runs are their requester's own; the screen is the auditor's and the admin's only.
    assert login("admin").get("/proof/run/1/status").status_code == 404
    for user in ("inspector_a", "district", "officer_e1"):
        assert login(user).get("/proof/").status_code == 403


def upload(client: FlaskClient, content: bytes, name: str) -> str:
    response = client.post(
        "/proof/file",
        data={"register": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_downloaded_register_is_recognised_and_one_changed_byte_is_not(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        report(world)
        ids = [
            request_report(world["inspector_a"], "hazard", fmt, {"grade": "general"}).id
            for fmt in ("csv", "xlsx", "pdf")
        ]
        for report_id in ids:
            produce_report_job(report_id)
    inspector, auditor = login("inspector_a"), login("auditor")
    for report_id, name in zip(ids, ("l.csv", "l.xlsx", "l.pdf"), strict=True):
        content = inspector.get(f"/reports/{report_id}/download").get_data()
        page = upload(auditor, content, name)
        assert 'data-recognised="yes"' in page
        assert f"报表 {report_id}" in page and "测inspector_a" in page and "general" in page
        changed = bytearray(content)
        changed[len(changed) // 2] ^= 0x01
        page = upload(auditor, bytes(changed), name)
        assert 'data-recognised="no"' in page
    # A CSV whose rows were edited still names its report: the screen says it was changed.
    csv = inspector.get(f"/reports/{ids[0]}/download").get_data().replace(b"YH-", b"YX-")
    page = upload(auditor, csv, "l.csv")
    assert 'data-recognised="no"' in page and f"报表 {ids[0]}" in page
    with in_app():
        assert session().scalars(sa.select(sa.func.count(Report.id))).one() == 3
