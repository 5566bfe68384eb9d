"""The check as a screen: request a run, run it in a job with progress, show its findings.

The run checks everything (anchors span all tickets); what a user is shown of its findings is
limited to the tickets in their scope, plus the anchors, which name no ticket.
"""

from __future__ import annotations

import hashlib
import re
import traceback
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.domain.errors import NotFoundError
from app.domain.messages import N_, Message
from app.domain.scope import Actor, scope_of
from app.models import Hazard, Report, VerificationRun
from app.services import clock
from app.services.proof import verify
from app.services.reports import reports_for
from app.services.scoping import scope_clause
from app.services.transaction import atomic, session

# A run keeps the first findings for the screen (the command line prints them all).
MAX_KEPT_FINDINGS = 1000


def request_verification(actor: Actor) -> VerificationRun:
    """Record a queued run of the check for ``actor``; the caller enqueues the job."""
    with atomic() as current:
        run = VerificationRun(requested_by_id=actor.user_id, requested_at=clock.now())
        current.add(run)
    return run


def _set(run_id: int, **values: Any) -> None:
    """Update the run at once: the screen reads its progress while the job works."""
    with atomic() as current:
        current.execute(
            sa.update(VerificationRun).where(VerificationRun.id == run_id).values(**values)
        )


def run_verification(run_id: int) -> VerificationRun:
    """Run the check for run ``run_id``, writing progress (per percent) and the findings."""
    run = session().get(VerificationRun, run_id)
    if run is None:
        raise NotFoundError(Message(N_("The check was not found.")))
    _set(run_id, status="running", progress=0)
    shown = {"percent": 0}

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total)
        if percent > shown["percent"]:
            shown["percent"] = percent
            _set(run_id, progress=percent)

    try:
        result = verify(progress)
    except Exception as exc:
        _set(run_id, status="failed", error=f"{exc.__class__.__name__}: {exc}"[:2000])
        current_app.logger.error("check %s failed\n%s", run_id, traceback.format_exc())
        raise
    _set(
        run_id,
        status="finished",
        progress=100,
        tickets_checked=result.tickets,
        events_checked=result.events,
        attachments_checked=result.attachments,
        anchors_checked=result.anchors,
        broken_count=len(result.findings),
        findings=[finding.as_json() for finding in result.findings[:MAX_KEPT_FINDINGS]],
        finished_at=clock.now(),
    )
    session().expire_all()
    return session().get(VerificationRun, run_id)  # type: ignore[return-value]


def runs_for(actor: Actor) -> sa.Select[Any]:
    """The runs ``actor`` asked for, newest first."""
    return (
        sa.select(VerificationRun)
        .where(VerificationRun.requested_by_id == actor.user_id)
        .order_by(VerificationRun.id.desc())
    )


def run_for(actor: Actor, run_id: int) -> VerificationRun:
    """One of ``actor``'s runs; otherwise NotFoundError (404)."""
    run = session().scalars(runs_for(actor).where(VerificationRun.id == run_id)).one_or_none()
    if run is None:
        raise NotFoundError(Message(N_("The check was not found.")))
    return run


def visible_findings(actor: Actor, run: VerificationRun) -> list[dict[str, Any]]:
    """The run's findings on tickets in ``actor``'s scope, and those on anchors."""
    findings = run.findings or []
    ticket_ids = {f["hazard_id"] for f in findings if f.get("hazard_id") is not None}
    visible = set(
        session().scalars(
            sa.select(Hazard.id).where(
                Hazard.id.in_(ticket_ids), scope_clause(Hazard, scope_of(actor))
            )
        )
    )
    return [f for f in findings if f.get("hazard_id") is None or f["hazard_id"] in visible]


def run_status(actor: Actor, run: VerificationRun) -> dict[str, Any]:
    """What the screen needs to follow a run."""
    return {
        "id": run.id,
        "status": run.status,
        "progress": run.progress,
        "tickets": run.tickets_checked,
        "events": run.events_checked,
        "attachments": run.attachments_checked,
        "anchors": run.anchors_checked,
        "broken": len(visible_findings(actor, run)) if run.status == "finished" else None,
    }


# --------------------------------------------------------------------------- check a file

_CLAIM = re.compile(rb"# SafeLoop register (\d{1,12});")


@dataclass(frozen=True)
class RegisterCheck:
    """What SafeLoop knows of an uploaded register: the report it is, or the one it claims."""

    sha256: str
    report: Report | None = None
    claimed_id: int | None = None

    @property
    def recognised(self) -> bool:
        return self.report is not None


def check_register(actor: Actor, content: bytes) -> RegisterCheck:
    """Recognise ``content`` as a register SafeLoop produced (byte for byte) within
    ``actor``'s scope; otherwise say which report it claims to be, if it names one."""
    digest = hashlib.sha256(content).hexdigest()
    report = (
        session()
        .scalars(
            reports_for(actor).where(Report.sha256 == digest, Report.status == "finished").limit(1)
        )
        .first()
    )
    claimed = _CLAIM.search(content)
    return RegisterCheck(digest, report, int(claimed.group(1)) if claimed else None)
