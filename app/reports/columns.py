"""The columns of the three lists, in order: one schema for every format (and for imports)."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.messages import N_


@dataclass(frozen=True)
class Column:
    """One column: its key in a row, its header (msgid), relative width and value kind."""

    key: str
    header: str
    width: float = 1.0
    kind: str = "text"  # text | date | datetime | int | decimal


HAZARD_COLUMNS = (
    Column("code", N_("Code"), 2.8),
    Column("enterprise", N_("Enterprise"), 1.6),
    Column("region", N_("Region"), 1.3),
    Column("address", N_("Address"), 1.4),
    Column("category", N_("Category"), 1.1),
    Column("nature", N_("Nature"), 1.0),
    Column("grade", N_("Grade"), 0.7),
    Column("source", N_("Source"), 1.0),
    Column("discoverer", N_("Discoverer"), 0.8),
    Column("discovered_at", N_("Discovered on"), 1.3, "date"),
    Column("description", N_("Description"), 2.2),
    Column("control_measures", N_("Control measures"), 1.6),
    Column("supervision", N_("Supervision"), 1.1),
    Column("state", N_("State"), 0.7),
    Column("deadline", N_("Deadline"), 1.3, "date"),
    Column("overdue_days", N_("Days overdue"), 0.6, "int"),
)

# An imported ledger uses the hazard list's columns (so an exported list imports as it is), plus
# what only a ledger brings: its own number, the enterprise's credit code, a title, the close date.
LEDGER_COLUMNS = (
    *HAZARD_COLUMNS,
    Column("ledger_no", N_("Ledger number"), 1.0),
    Column("credit_code", N_("Unified social credit code"), 1.6),
    Column("title", N_("Title"), 1.4),
    Column("closed_on", N_("Closed on"), 1.3, "date"),
)

RECTIFICATION_COLUMNS = (
    Column("code", N_("Code"), 2.8),
    Column("measures", N_("Rectification measures"), 2.4),
    Column("funds", N_("Funds (10,000 yuan)"), 0.7, "decimal"),
    Column("responsible_unit", N_("Responsible unit"), 1.4),
    Column("responsible_person", N_("Responsible person"), 0.8),
    Column("responsible_leader", N_("Responsible leader"), 0.8),
    Column("planned_finish", N_("Planned finish"), 1.3, "date"),
    Column("actual_finish", N_("Actual finish"), 1.3, "date"),
    Column("on_time", N_("On time"), 0.6),
    Column("extensions", N_("Extensions granted"), 0.6, "int"),
    Column("reviewer", N_("Reviewer"), 0.8),
    Column("review_date", N_("Review date"), 1.3, "date"),
    Column("review_result", N_("Review result"), 0.7),
    Column("review_opinion", N_("Review opinion"), 1.6),
    Column("closed_at", N_("Closed at"), 1.3, "date"),
)

RESPONSIBILITY_COLUMNS = (
    Column("level", N_("Level"), 0.6),
    Column("responsibility_type", N_("Responsibility type"), 0.8),
    Column("organisation", N_("Organisation"), 1.8),
    Column("post", N_("Post"), 1.0),
    Column("person", N_("Person"), 0.8),
    Column("phone", N_("Phone"), 1.0),
    Column("scope_covered", N_("Scope covered"), 1.8),
    Column("duties", N_("Duties"), 2.4),
    Column("assigned", N_("Hazards assigned"), 0.7, "int"),
    Column("open", N_("Open"), 0.6, "int"),
    Column("overdue", N_("Overdue"), 0.6, "int"),
)

COLUMNS = {
    "hazard": HAZARD_COLUMNS,
    "rectification": RECTIFICATION_COLUMNS,
    "responsibility": RESPONSIBILITY_COLUMNS,
}

TITLES = {
    "hazard": N_("Hazard list"),
    "rectification": N_("Rectification list"),
    "responsibility": N_("Responsibility list"),
}
