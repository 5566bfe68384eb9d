"""Import of hazard ledgers (台账) from Excel: check every row, then import in a job.

The sheet is streamed (openpyxl read-only) in batches; each batch costs one query per kind of
look-up (enterprises, tickets by code, by ledger number, look-alike tickets), never one per row.
A check answers how many rows are new, already known (matched on the ticket code or on the
ledger's own number per township) or wrong, with each problem's sheet row and column header.
The import re-checks as it goes: in ``all`` mode nothing is written unless every row is good;
in ``valid`` mode the good rows are written and the others reported.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_translations
from openpyxl import load_workbook

from app.domain import ledger
from app.domain.deadlines import SlaTerms
from app.domain.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from app.domain.fields import field_error
from app.domain.lifecycle import Facts, Placement, decide_import, may_import
from app.domain.messages import N_, Message, Translate
from app.domain.scope import Actor, scope_of, ticket_in_scope
from app.domain.vocabulary import CategoryKind, Grade, Nature, RegionLevel, Source, State
from app.models import Category, Enterprise, Hazard, LedgerImport, Region
from app.reports.columns import LEDGER_COLUMNS
from app.services import clock
from app.services.lifecycle import import_ticket
from app.services.scoping import hazards_for, scope_clause
from app.services.sla import terms_lookup
from app.services.transaction import atomic, session

BATCH = 1000
MODES = ("all", "valid")
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
VOCABULARIES = {"grade": Grade, "source": Source, "nature": Nature, "state": State}
PLACE_COLUMNS = ("district_id", "township_id", "village_id", "grid_id")


def translators(locale: str) -> list[Translate]:
    """Translate in the user's language first; headers and labels are also read in zh and en."""
    found = []
    for language in dict.fromkeys((locale, "zh", "en")):
        with force_locale(language):
            found.append(get_translations().gettext)
    return found


def import_folder() -> Path:
    folder = Path(current_app.config["SAFELOOP_IMPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- reading the sheet


@dataclass
class Languages:
    """The translations a sheet may be written in: template headers and vocabulary labels."""

    catalogs: Sequence[Mapping[str, str]]

    @classmethod
    def of(cls, translators: Sequence[Translate]) -> Languages:
        msgids = [column.header for column in LEDGER_COLUMNS]
        for vocabulary in VOCABULARIES.values():
            msgids += [member.label for member in vocabulary]
        return cls([{msgid: tr(msgid) for msgid in msgids} for tr in translators])

    def headers(self) -> dict[str, list[str]]:
        return {
            c.key: [c.header, *(catalog[c.header] for catalog in self.catalogs)]
            for c in LEDGER_COLUMNS
        }

    def vocabularies(self) -> dict[str, dict[str, str]]:
        return {
            key: ledger.vocabulary_lookup(vocabulary, self.catalogs)
            for key, vocabulary in VOCABULARIES.items()
        }


def _not_xlsx() -> InvalidError:
    return field_error(
        "file", Message(N_("This is not an Excel workbook (.xlsx); save the ledger as .xlsx."))
    )


def check_format(file_name: str, content: bytes) -> None:
    """Refuse what is not an .xlsx workbook, with a message saying what to do."""
    if content.startswith(XLS_MAGIC) or file_name.lower().endswith(".xls"):
        raise field_error(
            "file",
            Message(
                N_(
                    "An old Excel file (.xls) cannot be read: open it in Excel or WPS and"
                    " save it as .xlsx, then upload that."
                )
            ),
        )
    if not content:
        raise field_error("file", Message(N_("Choose the ledger file (.xlsx) to upload.")))
    if not content.startswith(b"PK"):
        raise _not_xlsx()


@dataclass
class Sheet:
    """The ledger sheet of a workbook: its header and a stream of its data rows."""

    header: ledger.Header
    rows: Iterator[tuple[int, Sequence[Any]]]
    total: int


def open_sheet(source: str | Path | IO[bytes], languages: Languages) -> tuple[Any, Sheet]:
    """The first sheet with a hazard list's header (the instructions sheet is skipped)."""
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _not_xlsx() from None
    lookup = ledger.header_lookup(languages.headers())
    for sheet in book.worksheets:
        header = ledger.find_header(sheet.iter_rows(values_only=True), lookup)
        if header is None:
            continue
        rows = enumerate(sheet.iter_rows(min_row=header.row + 1, values_only=True), header.row + 1)
        total = max((sheet.max_row or header.row) - header.row, 0)
        return book, Sheet(header, rows, total)
    book.close()
    raise field_error(
        "file",
        Message(
            N_(
                "No sheet has the hazard list's column headers (such as 隐患描述 and 发现日期);"
                " start from the import template."
            )
        ),
    )


def ledger_rows(sheet: Sheet, languages: Languages) -> Iterator[ledger.LedgerRow]:
    """The sheet's rows, read and cleaned one by one (empty rows skipped)."""
    vocabularies = languages.vocabularies()
    for number, cells in sheet.rows:
        if ledger.is_blank(cells):
            continue
        values = {
            key: cells[index] for index, key in sheet.header.columns.items() if index < len(cells)
        }
        yield ledger.read_row(number, values, vocabularies)


# --------------------------------------------------------------------------- checking rows


@dataclass
class Outcome:
    """What became of one row: new (with its decision), existing, or its problems."""

    row: ledger.LedgerRow
    status: str  # new | existing | error
    decision: Any = None
    township: Region | None = None


@dataclass
class Result:
    """The counts and row errors of a check or an import."""

    rows: int = 0
    new: int = 0
    existing: int = 0
    imported: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "new": self.new,
            "existing": self.existing,
            "imported": self.imported,
            "errors": self.errors,
        }


@dataclass
class Places:
    """Regions and categories, loaded once per check (a district has hundreds, not more)."""

    townships: dict[str, Region]
    villages: dict[tuple[int, str], Region]
    regions: dict[int, Region]
    categories: dict[str, int]

    @classmethod
    def load(cls) -> Places:
        current = session()
        regions = current.scalars(sa.select(Region).where(Region.active.is_(True))).all()
        by_id = {r.id: r for r in regions}
        townships = {ledger.folded(r.name): r for r in regions if r.level == RegionLevel.TOWNSHIP}
        villages = {
            (r.township_id, ledger.folded(r.name)): r
            for r in regions
            if r.level == RegionLevel.VILLAGE and r.township_id
        }
        categories: dict[str, int] = {}
        for category in current.scalars(
            sa.select(Category).where(
                Category.active.is_(True), Category.kind != CategoryKind.DOMAIN.value
            )
        ):
            for name in (category.name, category.name_en):
                if name:
                    categories.setdefault(ledger.folded(name), category.id)
        return cls(townships, villages, by_id, categories)


class Checker:
    """Checks rows batch by batch for one actor, remembering the rows seen so far."""

    def __init__(self, actor: Actor, provenance: Mapping[str, Any], translate: Translate):
        self.actor = actor
        self.scope = scope_of(actor)
        self.provenance = provenance
        self.translate = translate
        self.places = Places.load()
        self.seen: dict[tuple[Any, ...], int] = {}
        self.terms: dict[int | None, Callable[[str], SlaTerms]] = {}

    def outcomes(self, batch: list[ledger.LedgerRow]) -> list[Outcome]:
        """Resolve names and find known tickets for a batch (one query per look-up kind)."""
        enterprises = self._enterprises(batch)
        by_code = self._tickets_by_code(batch)
        placed: list[tuple[ledger.LedgerRow, Region, Enterprise | None]] = []
        for row in batch:
            township, enterprise = self._place(row, enterprises)
            self._category(row)
            code = row.values.get("code")
            if code and code not in by_code:
                # Not one of ours: a ledger's own numbering in the code column.
                row.values["ledger_no"] = row.values.get("ledger_no") or code
                row.values["code"] = None
            if township is not None:
                placed.append((row, township, enterprise))
        by_ledger_no = self._tickets_by_ledger_no(placed)
        look_alikes = self._look_alikes(placed)
        places: dict[int, tuple[Region | None, Enterprise | None]] = {
            id(row): (township, enterprise) for row, township, enterprise in placed
        }
        outcomes = []
        for row in batch:
            township, enterprise = places.get(id(row), (None, None))
            outcomes.append(self._outcome(row, township, enterprise, by_ledger_no, look_alikes))
        return outcomes

    def _outcome(
        self,
        row: ledger.LedgerRow,
        township: Region | None,
        enterprise: Enterprise | None,
        by_ledger_no: set[tuple[int, str]],
        look_alikes: Mapping[tuple[Any, ...], str],
    ) -> Outcome:
        values = row.values
        if values.get("code"):
            # A ticket of ours (an exported list coming back): recognised, left as it is.
            row.problems.clear()
            return Outcome(row, "existing")
        if township is not None and values.get("ledger_no"):
            key = (township.id, values["ledger_no"])
            first = self.seen.setdefault(key, row.number)
            if first != row.number:
                row.problem(
                    "ledger_no", Message(N_("The same hazard as row %(row)s."), {"row": first})
                )
            elif key in by_ledger_no:
                row.problems.clear()
                return Outcome(row, "existing")
        if row.problems or township is None:
            return Outcome(row, "error")
        twin = look_alikes.get(self._likeness(row, township, enterprise))
        if twin is not None:
            row.problem(
                "description",
                Message(
                    N_(
                        "Looks like ticket %(code)s already in SafeLoop (same place, day and"
                        " description); give its code in the code column."
                    ),
                    {"code": twin},
                ),
            )
            return Outcome(row, "error")
        decision = self._decide(row, township, enterprise)
        if decision is None:
            return Outcome(row, "error")
        return Outcome(row, "new", decision, township)

    # -- look-ups, each one query per batch

    def _enterprises(self, batch: list[ledger.LedgerRow]) -> dict[str, Enterprise]:
        codes = {r.values["credit_code"] for r in batch if r.values.get("credit_code")}
        names = {r.values["enterprise"] for r in batch if r.values.get("enterprise")}
        if not codes and not names:
            return {}
        found = session().scalars(
            sa.select(Enterprise).where(
                Enterprise.active.is_(True),
                sa.or_(Enterprise.credit_code.in_(codes), Enterprise.name.in_(names)),
            )
        )
        known: dict[str, Enterprise] = {}
        for enterprise in found:
            known[enterprise.credit_code] = enterprise
            known.setdefault(ledger.folded(enterprise.name), enterprise)
        return known

    def _tickets_by_code(self, batch: list[ledger.LedgerRow]) -> set[str]:
        codes = {r.values["code"] for r in batch if r.values.get("code")}
        if not codes:
            return set()
        query = hazards_for(self.actor).with_only_columns(Hazard.code)
        return set(session().scalars(query.where(Hazard.code.in_(codes))))

    def _tickets_by_ledger_no(
        self, placed: list[tuple[ledger.LedgerRow, Region, Enterprise | None]]
    ) -> set[tuple[int, str]]:
        numbers = {r.values["ledger_no"] for r, _t, _e in placed if r.values.get("ledger_no")}
        if not numbers:
            return set()
        query = sa.select(Hazard.township_id, Hazard.ledger_no).where(
            Hazard.ledger_no.in_(numbers), scope_clause(Hazard, self.scope)
        )
        return {(int(t or 0), str(n)) for t, n in session().execute(query)}

    def _look_alikes(
        self, placed: list[tuple[ledger.LedgerRow, Region, Enterprise | None]]
    ) -> dict[tuple[Any, ...], str]:
        descriptions = {r.values["description"] for r, _t, _e in placed}
        if not descriptions:
            return {}
        zone = clock.zone()
        query = hazards_for(self.actor).with_only_columns(
            Hazard.code,
            Hazard.township_id,
            Hazard.enterprise_id,
            Hazard.discovered_at,
            Hazard.description,
        )
        found = {}
        for code, township_id, enterprise_id, discovered_at, description in session().execute(
            query.where(Hazard.description.in_(descriptions))
        ):
            day = discovered_at.astimezone(zone).date()
            found[(township_id, enterprise_id, day, description)] = code
        return found

    # -- per row, in memory

    def _place(
        self, row: ledger.LedgerRow, enterprises: Mapping[str, Enterprise]
    ) -> tuple[Region | None, Enterprise | None]:
        values = row.values
        enterprise = None
        if values.get("credit_code") and "credit_code" not in row.problems:
            enterprise = enterprises.get(values["credit_code"])
        if enterprise is None and values.get("enterprise"):
            enterprise = enterprises.get(ledger.folded(values["enterprise"]))
        if (values.get("enterprise") or values.get("credit_code")) and enterprise is None:
            row.problem(
                "enterprise" if values.get("enterprise") else "credit_code",
                Message(
                    N_("No enterprise %(name)s is registered in your area."),
                    {"name": values.get("enterprise") or values.get("credit_code")},
                ),
            )
            return None, None
        if enterprise is not None:
            if not ticket_in_scope(self.scope, enterprise):
                row.problem(
                    "enterprise",
                    Message(
                        N_("No enterprise %(name)s is registered in your area."),
                        {"name": values.get("enterprise") or enterprise.credit_code},
                    ),
                )
                return None, None
            township = self.places.regions.get(enterprise.township_id or 0)
            return township, enterprise
        if not values.get("township"):
            return None, None  # neither enterprise nor township: read_row said so
        township = self.places.townships.get(ledger.folded(values["township"]))
        if township is None:
            row.problem(
                "region",
                Message(N_("No township called %(name)s."), {"name": values.get("township")}),
            )
            return None, None
        if not ticket_in_scope(self.scope, township):
            row.problem(
                "region",
                Message(N_("Township %(name)s is outside your area."), {"name": township.name}),
            )
            return None, None
        if values.get("village"):
            village = self.places.villages.get((township.id, ledger.folded(values["village"])))
            if village is None:
                row.problem(
                    "region",
                    Message(
                        N_("No village called %(name)s in %(township)s."),
                        {"name": values["village"], "township": township.name},
                    ),
                )
                return None, None
            values["_village"] = village
        return township, None

    def _category(self, row: ledger.LedgerRow) -> None:
        name = row.values.get("category")
        if not name:
            return
        category_id = self.places.categories.get(ledger.folded(name))
        if category_id is None:
            row.problem(
                "category", Message(N_("No hazard category called %(name)s."), {"name": name})
            )
        row.values["category_id"] = category_id

    @staticmethod
    def _likeness(
        row: ledger.LedgerRow, township: Region, enterprise: Enterprise | None
    ) -> tuple[Any, ...]:
        return (
            township.id,
            enterprise.id if enterprise else None,
            row.values["discovered_at"],
            row.values["description"],
        )

    def _decide(
        self, row: ledger.LedgerRow, township: Region, enterprise: Enterprise | None
    ) -> Any:
        place: Any = row.values.pop("_village", None) or enterprise or township
        placement = Placement.of(place, enterprise.id if enterprise else None)
        category_id = row.values.get("category_id")
        if category_id not in self.terms:
            self.terms[category_id] = terms_lookup(category_id)
        facts = Facts(
            now=clock.now(),
            zone=clock.zone(),
            sla_for=self.terms[category_id],
            default_responsible_unit=enterprise.name if enterprise else None,
        )
        provenance = {**self.provenance, "row": row.number, "ledger_no": row.values["ledger_no"]}
        comment = self.translate(N_("Imported from %(file)s, row %(row)s")) % {
            "file": self.provenance.get("file_name", ""),
            "row": row.number,
        }
        try:
            return decide_import(self.actor, row.values, placement, facts, provenance, comment)
        except InvalidError as invalid:
            for key, message in invalid.field_errors.items():
                row.problem(key, message)
            return None


def checked_batches(
    sheet: Sheet, languages: Languages, checker: Checker
) -> Iterator[list[Outcome]]:
    """The sheet's rows checked in batches of ``BATCH``."""
    batch: list[ledger.LedgerRow] = []
    for row in ledger_rows(sheet, languages):
        batch.append(row)
        if len(batch) >= BATCH:
            yield checker.outcomes(batch)
            batch = []
    if batch:
        yield checker.outcomes(batch)


def _header_names(header: ledger.Header, translate: Translate) -> dict[str, str]:
    names = {c.key: translate(c.header) for c in LEDGER_COLUMNS}
    names.update(header.names)
    return names


def tally(
    result: Result, outcomes: list[Outcome], names: Mapping[str, str], translate: Translate
) -> None:
    """Add a batch's outcomes to the counts and the error list."""
    for outcome in outcomes:
        result.rows += 1
        if outcome.status == "new":
            result.new += 1
        elif outcome.status == "existing":
            result.existing += 1
        for key, message in outcome.row.problems.items():
            result.errors.append(
                {
                    "row": outcome.row.number,
                    "column": names.get(key, key),
                    "message": message.render(translate),
                }
            )


# --------------------------------------------------------------------------- commands


def _place_of(actor: Actor) -> dict[str, int | None]:
    """An import is seen by those whose scope covers the importer's area."""
    if scope_of(actor).everything or actor.region_id is None:
        return dict.fromkeys(PLACE_COLUMNS)
    region = session().get(Region, actor.region_id)
    return {column: getattr(region, column, None) for column in PLACE_COLUMNS}


def store_ledger(actor: Actor, file_name: str, content: bytes, locale: str) -> LedgerImport:
    """Keep an uploaded ledger (refusing what is not .xlsx) as a new import to check."""
    if not may_import(actor):
        raise ForbiddenError(Message(N_("Your role cannot import hazard ledgers.")))
    check_format(file_name, content)
    digest = hashlib.sha256(content).hexdigest()
    stored = f"ledger-{uuid.uuid4().hex}.xlsx"
    (import_folder() / stored).write_bytes(content)
    with atomic() as current:
        record = LedgerImport(
            file_name=file_name[:255] or "ledger.xlsx",
            sha256=digest,
            stored_name=stored,
            size_bytes=len(content),
            requested_by_id=actor.user_id,
            requested_at=clock.now(),
            status="checked",
            progress=0,
            errors=[],
            locale=locale,
            **_place_of(actor),
        )
        current.add(record)
    return record


def _provenance(record: LedgerImport) -> dict[str, Any]:
    return {"import_id": record.id, "file_name": record.file_name, "sha256": record.sha256}


def _set(import_id: int, **values: Any) -> None:
    with atomic() as current:
        current.execute(
            sa.update(LedgerImport).where(LedgerImport.id == import_id).values(**values)
        )


def check_ledger(actor: Actor, record: LedgerImport, translators: Sequence[Translate]) -> Result:
    """The dry run: check every row of a stored ledger; nothing is written but the result."""
    translate = translators[0]
    languages = Languages.of(translators)
    book, sheet = open_sheet(import_folder() / record.stored_name, languages)
    result = Result()
    try:
        names = _header_names(sheet.header, translate)
        checker = Checker(actor, _provenance(record), translate)
        for outcomes in checked_batches(sheet, languages, checker):
            tally(result, outcomes, names, translate)
        session().rollback()
    finally:
        book.close()
    _set(
        record.id,
        row_count=result.rows,
        new_count=result.new,
        existing_count=result.existing,
        errors=result.errors,
    )
    return result


def start_import(actor: Actor, import_id: int, mode: str) -> LedgerImport:
    """Mark a checked ledger for import in ``mode`` (``all`` or ``valid``); the caller queues
    the job."""
    if mode not in MODES:
        raise field_error("mode", Message(N_("Unknown import mode: %(value)s."), {"value": mode}))
    record = import_for(actor, import_id)
    # A queued import may be queued again (the job service was away); running twice is
    # harmless, as imported rows are recognised.
    if record.status not in ("checked", "queued"):
        raise ConflictError(Message(N_("This ledger has already been imported.")))
    _set(record.id, status="queued", mode=mode)
    session().expire(record)
    return record


def run_import(import_id: int, translators: Sequence[Translate]) -> LedgerImport:
    """The import job: re-check every row and write the new ones through the lifecycle.

    In ``all`` mode a first pass checks everything and nothing is written if any row is bad;
    in ``valid`` mode good rows are written batch by batch and the bad ones reported. Rows
    already in SafeLoop are recognised and left alone, so running it again changes nothing.
    """
    from flask_appbuilder.security.sqla.models import User

    from app.services.actors import actor_for

    record = session().get(LedgerImport, import_id)
    if record is None:
        raise NotFoundError(Message(N_("Import not found.")))
    if record.status == "finished":
        return record
    actor = actor_for(session().get(User, record.requested_by_id))
    _set(import_id, status="running", started_at=clock.now(), progress=0, error=None)
    try:
        result = _import(record, actor, translators)
    except Exception as exc:
        session().rollback()
        _set(
            import_id,
            status="failed",
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
            finished_at=clock.now(),
        )
        raise
    _set(
        import_id,
        status="finished",
        progress=100,
        row_count=result.rows,
        new_count=result.new,
        existing_count=result.existing,
        imported_count=result.imported,
        errors=result.errors,
        finished_at=clock.now(),
    )
    session().expire_all()
    return session().get(LedgerImport, import_id)  # type: ignore[return-value]


def _import(record: LedgerImport, actor: Actor, translators: Sequence[Translate]) -> Result:
    path = import_folder() / record.stored_name
    if record.mode == "all":
        checked = check_ledger(actor, record, translators)
        if checked.errors:
            return checked
    translate = translators[0]
    languages = Languages.of(translators)
    book, sheet = open_sheet(path, languages)
    result = Result()
    shown = 0
    try:
        names = _header_names(sheet.header, translate)
        checker = Checker(actor, _provenance(record), translate)
        for outcomes in checked_batches(sheet, languages, checker):
            with atomic():
                facts = Facts(now=clock.now(), zone=clock.zone(), sla_for=terms_lookup(None))
                for outcome in outcomes:
                    if outcome.status == "new" and outcome.township is not None:
                        import_ticket(actor, outcome.decision, outcome.township, facts)
                        result.imported += 1
            tally(result, outcomes, names, translate)
            percent = min(99, result.rows * 100 // max(sheet.total, 1))
            if percent > shown:
                shown = percent
                _set(record.id, progress=percent)
    finally:
        book.close()
    return result


# --------------------------------------------------------------------------- reading imports


def imports_for(actor: Actor) -> sa.Select[Any]:
    """Imports whose area ``actor``'s scope covers, newest first."""
    return (
        sa.select(LedgerImport)
        .where(scope_clause(LedgerImport, scope_of(actor)))
        .order_by(LedgerImport.requested_at.desc(), LedgerImport.id.desc())
    )


def import_for(actor: Actor, import_id: int) -> LedgerImport:
    """An import ``actor`` may see (and act on, if their role imports); else NotFoundError."""
    record = session().scalars(imports_for(actor).where(LedgerImport.id == import_id)).one_or_none()
    if record is None or not may_import(actor):
        raise NotFoundError(Message(N_("Import not found.")))
    return record


def import_status(record: LedgerImport) -> dict[str, Any]:
    """What a client needs to follow an import: status, progress and the result."""
    return {
        "id": record.id,
        "file_name": record.file_name,
        "sha256": record.sha256,
        "mode": record.mode,
        "status": record.status,
        "progress": record.progress,
        "rows": record.row_count,
        "new": record.new_count,
        "existing": record.existing_count,
        "imported": record.imported_count,
        "errors": record.errors or [],
        "error": record.error,
        "requested_at": record.requested_at.isoformat() if record.requested_at else None,
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
    }


def stored_path(record: LedgerImport) -> Path:
    return import_folder() / record.stored_name
