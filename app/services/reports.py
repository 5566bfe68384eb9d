"""Commands for the registers: request one, produce it (in a job), hand it out within scope."""

from __future__ import annotations

import functools
import hashlib
import traceback
import uuid
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from app.domain.errors import ConflictError, InvalidError, NotFoundError
from app.domain.fields import field_error
from app.domain.messages import N_, Message
from app.domain.scope import Actor, region_column, scope_of, ticket_in_scope
from app.domain.vocabulary import RegionLevel
from app.models import Enterprise, Region, Report
from app.reports.columns import COLUMNS, TITLES
from app.reports.queries import ROWS, ReportFilters, count_rows
from app.reports.render import Heading, render
from app.reports.seal import Seal
from app.services import clock
from app.services.actors import actor_for, display_name
from app.services.proof import anchor_of, latest_anchor
from app.services.scoping import scope_clause
from app.services.transaction import atomic, session

LISTS = tuple(COLUMNS)
FORMATS = ("pdf", "xlsx", "csv")
PLACE_COLUMNS = ("district_id", "township_id", "village_id", "grid_id")


def report_folder() -> Path:
    folder = Path(current_app.config["SAFELOOP_REPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _place_of(actor: Actor, filters: ReportFilters) -> dict[str, int | None]:
    """The report's scope: the filter's region/enterprise if the actor sees it, else theirs."""
    scope = scope_of(actor)
    current = session()
    place: Any = None
    enterprise_id = None
    if filters.enterprise_id:
        place = current.get(Enterprise, filters.enterprise_id)
        if place is None or not ticket_in_scope(scope, place):
            raise field_error("enterprise_id", Message(N_("The enterprise was not found.")))
        enterprise_id = place.id
    elif filters.region_id:
        place = current.get(Region, filters.region_id)
        if place is None or not ticket_in_scope(scope, place):
            raise field_error("region_id", Message(N_("The region was not found.")))
    elif actor.enterprise_id and not scope.everything:
        place = current.get(Enterprise, actor.enterprise_id)
        enterprise_id = actor.enterprise_id
    elif actor.region_id and not scope.everything:
        place = current.get(Region, actor.region_id)
    values: dict[str, int | None] = {
        column: getattr(place, column, None) for column in PLACE_COLUMNS
    }
    values["enterprise_id"] = enterprise_id
    return values


def request_report(
    actor: Actor,
    list_name: str,
    fmt: str,
    raw_filters: Mapping[str, Any] | None = None,
    *,
    monthly_period: str | None = None,
) -> Report:
    """Record a register request (queued); the caller enqueues ``produce_report``."""
    errors: dict[str, Message] = {}
    if list_name not in LISTS:
        errors["list"] = Message(N_("Unknown list: %(value)s."), {"value": list_name})
    if fmt not in FORMATS:
        errors["format"] = Message(N_("Unknown format: %(value)s."), {"value": fmt})
    filters = ReportFilters()
    try:
        filters = ReportFilters.parse(raw_filters or {})
    except InvalidError as invalid:
        errors.update(invalid.field_errors)
    if errors:
        raise InvalidError(Message(N_("Some data is missing or invalid.")), errors)
    with atomic() as current:
        report = Report(
            list_name=list_name,
            format=fmt,
            filters=filters.as_json(),
            requested_by_id=actor.user_id,
            requested_at=clock.now(),
            monthly_period=monthly_period,
            status="queued",
            progress=0,
            **_place_of(actor, filters),
        )
        current.add(report)
    return report


def previous_month(today: date) -> tuple[date, date]:
    """First and last day of the month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def request_monthly_registers() -> list[int]:
    """Queue last month's three lists for every township and the district (idempotent).

    Made as the system user, narrowed to each region, so each township's inspectors and the
    district can download their own. A second run in the same month adds nothing.
    """
    from app.services.actors import system_actor

    actor = system_actor()
    first, last = previous_month(clock.now().astimezone(clock.zone()).date())
    period = first.strftime("%Y-%m")
    regions = (
        session()
        .scalars(
            sa.select(Region)
            .where(
                Region.active.is_(True),
                Region.level.in_([RegionLevel.DISTRICT.value, RegionLevel.TOWNSHIP.value]),
            )
            .order_by(Region.code)
        )
        .all()
    )
    done = {
        (r.list_name, r.format, r.district_id, r.township_id)
        for r in session().scalars(sa.select(Report).where(Report.monthly_period == period))
    }
    filters_of = {
        "hazard": {"discovered_from": first, "discovered_to": last},
        "rectification": {"closed_from": first, "closed_to": last},
        "responsibility": {},
    }
    created = []
    for region in regions:
        for list_name in LISTS:
            for fmt in current_app.config["SAFELOOP_MONTHLY_REGISTER_FORMATS"]:
                if (list_name, fmt, region.district_id, region.township_id) in done:
                    continue
                filters = {"region_id": region.id, **filters_of[list_name]}
                report = request_report(actor, list_name, fmt, filters, monthly_period=period)
                created.append(report.id)
    return created


def _set(report_id: int, **values: Any) -> None:
    """Update the report row at once (progress is read by another request while we work)."""
    with atomic() as current:
        current.execute(sa.update(Report).where(Report.id == report_id).values(**values))


def _heading(report: Report, actor: Actor, requester_name: str) -> Heading:
    current = session()
    scope_name = gettext("Whole district") if actor.region_id is None else ""
    if report.enterprise_id:
        enterprise = current.get(Enterprise, report.enterprise_id)
        scope_name = enterprise.name if enterprise else ""
    else:
        for level in reversed(list(RegionLevel)):
            region_id = getattr(report, region_column(level))
            if region_id:
                region = current.get(Region, region_id)
                scope_name = region.name if region else ""
                break
    filters = report.filters or {}
    periods = []
    if filters.get("discovered_from") or filters.get("discovered_to"):
        periods.append(
            gettext(
                "Discovered %(start)s – %(end)s",
                start=filters.get("discovered_from", "…"),
                end=filters.get("discovered_to", "…"),
            )
        )
    if filters.get("closed_from") or filters.get("closed_to"):
        periods.append(
            gettext(
                "Closed %(start)s – %(end)s",
                start=filters.get("closed_from", "…"),
                end=filters.get("closed_to", "…"),
            )
        )
    if report.monthly_period:
        periods.append(gettext("Month %(month)s", month=report.monthly_period))
    now_local = clock.now().astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
    return Heading(
        title=gettext(TITLES[report.list_name]),
        scope=gettext("Scope: %(scope)s", scope=scope_name or gettext("All")),
        period=gettext("Period: %(period)s", period="；".join(periods) or gettext("All")),
        generated_at=gettext("Generated at %(time)s", time=now_local),
        generated_by=gettext("Generated by %(name)s", name=requester_name),
        labels={
            "total": gettext("Total"),
            "open": gettext("Open"),
            "overdue": gettext("Overdue"),
            "on_time_rate": gettext("On-time rectification rate"),
            "page": gettext("Page %(page)s / %(total)s"),
        },
    )


def _progress_writer(report_id: int, total: int) -> Callable[[int], None]:
    """Record progress when the whole percentage moves: one small commit per percent, not
    one per batch (a commit costs a disk flush; a million rows would pay for thousands)."""
    shown = {"percent": 0}

    def write(done: int) -> None:
        percent = min(99, done * 100 // total)
        if percent > shown["percent"]:
            shown["percent"] = percent
            _set(report_id, progress=percent)

    return write


def cutoff_day(report: Report) -> date | None:
    """The last day a monthly register covers (its anchor is printed on it)."""
    if not report.monthly_period:
        return None
    year, month = (int(part) for part in report.monthly_period.split("-"))
    return previous_month(date(year + month // 12, month % 12 + 1, 1))[1]


def _seal(report: Report) -> Seal:
    """The report id and the anchor a register carries: its cut-off day's for a monthly
    register, else the latest finished day's."""
    day = cutoff_day(report)
    anchor = anchor_of(day) if day else latest_anchor()
    return Seal(
        report.id,
        anchor.day.isoformat() if anchor else "",
        anchor.hash if anchor else "",
        gettext("Report %(id)s · data rows SHA-256 %(rows)s · anchor %(anchor)s"),
    )


def produce_report(report_id: int) -> Report:
    """Build the file of a queued report: status and progress as it goes, SHA-256 at the end.

    A failure leaves no file behind and the error on the report, never half a download.
    """
    report = session().get(Report, report_id)
    if report is None:
        raise NotFoundError(Message(N_("Report not found.")))
    if report.status == "finished":
        return report
    from flask_appbuilder.security.sqla.models import User

    requester = session().get(User, report.requested_by_id)
    _set(report_id, status="running", started_at=clock.now(), progress=0, error=None)
    target = report_folder() / f"report-{report_id}-{uuid.uuid4().hex[:12]}.{report.format}"
    partial = target.with_suffix(target.suffix + ".part")
    try:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
            actor = actor_for(requester)
            filters = ReportFilters.parse(report.filters or {})
            total = max(count_rows(report.list_name, actor, filters), 1)
            # Labels repeat on every row; Flask-Babel's lookup per call was a fifth of the time.
            translate = functools.lru_cache(maxsize=4096)(gettext)
            rows = ROWS[report.list_name](actor, filters, translate)
            heading = _heading(report, actor, display_name(requester))
            heading.seal = _seal(report)
            summary, note = render(
                report.format,
                partial,
                COLUMNS[report.list_name],
                rows,
                heading,
                gettext,
                progress=_progress_writer(report_id, total),
            )
        digest = hashlib.sha256()
        with partial.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        partial.replace(target)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        _set(
            report_id,
            status="failed",
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
            finished_at=clock.now(),
        )
        current_app.logger.error("report %s failed\n%s", report_id, traceback.format_exc())
        raise
    _set(
        report_id,
        status="finished",
        progress=100,
        row_count=summary.total,
        sha256=digest.hexdigest(),
        rows_sha256=heading.seal.rows_sha256,
        anchor_day=date.fromisoformat(heading.seal.anchor_day) if heading.seal.anchor_day else None,
        anchor_hash=heading.seal.anchor_hash or None,
        stored_name=target.name,
        size_bytes=target.stat().st_size,
        font_note=note,
        finished_at=clock.now(),
    )
    session().expire_all()
    return session().get(Report, report_id)  # type: ignore[return-value]


def reports_for(actor: Actor) -> sa.Select[Any]:
    """Reports whose scope ``actor``'s scope covers, newest first."""
    return (
        sa.select(Report)
        .where(scope_clause(Report, scope_of(actor)))
        .order_by(Report.requested_at.desc())
    )


def report_for(actor: Actor, report_id: int) -> Report:
    """A report ``actor`` may see; otherwise NotFoundError (404)."""
    report = session().scalars(reports_for(actor).where(Report.id == report_id)).one_or_none()
    if report is None:
        raise NotFoundError(Message(N_("Report not found.")))
    return report


def report_file(actor: Actor, report_id: int) -> tuple[Report, Path]:
    """The finished file of a report ``actor`` may see (ConflictError while not finished)."""
    report = report_for(actor, report_id)
    if report.status != "finished" or not report.stored_name:
        raise ConflictError(Message(N_("The report is not finished yet.")))
    return report, report_folder() / report.stored_name


def report_status(report: Report) -> dict[str, Any]:
    """What a client needs to follow a report's job."""
    return {
        "id": report.id,
        "list": report.list_name,
        "format": report.format,
        "filters": report.filters or {},
        "status": report.status,
        "progress": report.progress,
        "row_count": report.row_count,
        "sha256": report.sha256,
        "error": report.error,
        "requested_at": report.requested_at.isoformat() if report.requested_at else None,
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
    }


def download_name(report: Report) -> str:
    stamp = report.requested_at.astimezone(clock.zone()).strftime("%Y%m%d-%H%M")
    return f"{gettext(TITLES[report.list_name])}-{stamp}.{report.format}"
