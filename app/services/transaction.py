"""One database transaction per command, with files written during it cleaned up on failure."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import ConflictError
from app.domain.messages import N_, Message
from app.extensions import db

_WRITTEN = "safeloop_written_files"


def session() -> Session:
    """The request's (or job's) SQLAlchemy session."""
    return db.session()


def remember_written_file(path: Path) -> None:
    """Note a file stored during the current transaction, to delete it if the transaction fails."""
    session().info.setdefault(_WRITTEN, []).append(path)


def stale_conflict() -> ConflictError:
    """The refusal for an edit that lost the race against another one."""
    return ConflictError(
        Message(N_("This hazard was changed by someone else; please refresh and try again."))
    )


@contextlib.contextmanager
def atomic() -> Iterator[Session]:
    """Run the block in one transaction: commit at the end, roll back on any exception.

    A concurrent update of the same ticket (optimistic lock lost) becomes a ConflictError.
    """
    current = session()
    try:
        yield current
        current.commit()
    except StaleDataError as exc:
        _rollback(current)
        raise stale_conflict() from exc
    except BaseException:
        _rollback(current)
        raise
    else:
        current.info.pop(_WRITTEN, None)


def _rollback(current: Session) -> None:
    current.rollback()
    for path in current.info.pop(_WRITTEN, []):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def is_unique_violation(exc: IntegrityError, name: str) -> bool:
    """Whether ``exc`` was raised by the unique constraint or column called ``name``."""
    text = str(exc.orig).lower()
    return name.lower() in text or ("unique" in text and name.split(".")[-1].lower() in text)
