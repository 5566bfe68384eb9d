"""Backups: one archive holding the database, the uploaded files and a manifest of checksums.

The database part is the backend's own exact format: ``pg_dump --format=custom`` on PostgreSQL
(restorable with ``pg_restore`` even without SafeLoop) and SQLite's online backup of the file
on the embedded default. Uploads are write-once (a replaced or deleted attachment keeps its
file), so dumping the database first and copying the files after it gives a consistent pair:
every attachment row in the dump already has its file on disk.

A restore goes only into an empty database and an empty upload folder; it never overwrites.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

from app.extensions import db
from app.services import clock
from app.services.attachments import upload_root

ARCHIVE_KIND = "safeloop-archive"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
_CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """The archive cannot be written or restored; the message says why and what to do."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archive holds: its database backend, schema revision and uploaded files."""

    path: Path
    backend: str
    revision: str | None
    upload_count: int
    upload_bytes: int


def export_archive(target: Path) -> ArchiveSummary:
    """Write the database and the upload folder to a new ``.tar.gz`` at ``target``."""
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; backups are never overwritten.")
    backend = _backend()
    database_file = DATABASE_FILES[backend]
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".safeloop-export-") as work:
        dump = Path(work) / database_file
        revision = _revision()
        if backend == "postgresql":
            _run_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(dump))
        else:
            _sqlite_copy(_sqlite_path(), dump)
        uploads = sorted(_files_below(upload_root()))
        files = {database_file: _fingerprint(dump)}
        for relative in uploads:
            files[f"{UPLOADS}/{relative}"] = _fingerprint(upload_root() / relative)
        manifest = {
            "kind": ARCHIVE_KIND,
            "version": ARCHIVE_VERSION,
            "created_at": clock.now().isoformat(),
            "database": {"backend": backend, "file": database_file, "revision": revision},
            "files": files,
        }
        partial = Path(work) / "archive.tar.gz"
        # It holds password hashes and every photo: readable by its owner only.
        partial.touch(mode=0o600)
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
            archive.add(dump, arcname=database_file)
            for relative in uploads:
                archive.add(upload_root() / relative, arcname=f"{UPLOADS}/{relative}")
        # Only a complete archive ever carries the final name.
        partial.replace(target)
    return _summary(target, manifest)


def import_archive(source: Path) -> ArchiveSummary:
    """Restore an archive into the configured, empty database and empty upload folder.

    Every file is checked against the manifest before anything is written.
    """
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    backend = _backend()
    _require_empty_target()
    with tempfile.TemporaryDirectory(prefix="safeloop-import-") as work:
        unpacked = Path(work)
        manifest = _unpack_and_verify(source, unpacked)
        database = manifest["database"]
        if database["backend"] != backend:
            raise BackupError(
                f"The archive holds a {database['backend']} database; "
                f"SAFELOOP_DATABASE_URL names a {backend} one."
            )
        dump = unpacked / database["file"]
        if backend == "postgresql":
            _run_pg(
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                str(dump),
            )
            _renumber_feed_order()
        else:
            db.engine.dispose()
            _sqlite_copy(dump, _sqlite_path())
        root = upload_root()
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(unpacked / UPLOADS, root, dirs_exist_ok=True)
    db.engine.dispose()
    return _summary(source, manifest)


def _renumber_feed_order() -> None:
    """Put the restored timeline before anything written from now on in the change feed.

    The feed orders entries by the id of the PostgreSQL transaction that wrote them
    (``hazard_event.txid``), and those ids are the server's own: a new server counts from
    lower down. The restored entries become txid 0 (their order is then their id), webhook
    subscribers keep their place by entry id, and a client's cursor from before the restore
    is refused with a request to start again (services.exchange.changes_for).
    """
    with db.engine.begin() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("hazard_event")}
        if "txid" not in columns:  # an archive from before the change feed: nothing to do
            return
        append_only = connection.execute(
            sa.text("SELECT 1 FROM pg_trigger WHERE tgname = 'hazard_event_append_only'")
        ).first()
        if append_only:
            connection.execute(
                sa.text("ALTER TABLE hazard_event DISABLE TRIGGER hazard_event_append_only")
            )
        connection.execute(sa.text("UPDATE hazard_event SET txid = 0 WHERE txid <> 0"))
        if append_only:
            connection.execute(
                sa.text("ALTER TABLE hazard_event ENABLE TRIGGER hazard_event_append_only")
            )
        connection.execute(sa.text("UPDATE webhook_subscriber SET last_event_txid = 0"))


# --------------------------------------------------------------------------- archive files


def _fingerprint(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _files_below(root: Path) -> Iterator[str]:
    if not root.is_dir():
        return
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix()


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(clock.now().timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(content))


def unpack_archive(source: Path, into: Path) -> None:
    """Unpack the regular files of ``source`` below ``into``, refusing any other member.

    Done by hand rather than with ``extractall``: Debian 12's Python 3.11.2 lacks the safe
    extraction filters, and an archive must never write outside ``into``.
    """
    with tarfile.open(source, "r:gz") as archive:
        for member in archive:
            name = PurePosixPath(member.name)
            if member.isdir():
                continue
            if not member.isfile() or name.is_absolute() or ".." in name.parts:
                raise BackupError(f"{source} holds an unexpected entry: {member.name!r}")
            target = into.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            content = archive.extractfile(member)
            assert content is not None  # a regular file always has content
            with content, target.open("wb") as handle:
                shutil.copyfileobj(content, handle, _CHUNK)


def _unpack_and_verify(source: Path, into: Path) -> dict[str, Any]:
    """Unpack ``source`` into ``into`` and check it is exactly what its manifest lists."""
    try:
        unpack_archive(source, into)
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a readable SafeLoop archive: {exc}") from exc
    if manifest.get("kind") != ARCHIVE_KIND or manifest.get("version") != ARCHIVE_VERSION:
        raise BackupError(f"{source} is not a SafeLoop archive of version {ARCHIVE_VERSION}.")
    listed: dict[str, dict[str, Any]] = manifest["files"]
    present = set(_files_below(into)) - {MANIFEST}
    if present != set(listed):
        missing, extra = sorted(set(listed) - present), sorted(present - set(listed))
        raise BackupError(f"The archive does not match its manifest: {missing=} {extra=}")
    for name, expected in listed.items():
        if _fingerprint(into / name) != expected:
            raise BackupError(f"{name} in the archive is damaged (SHA-256 differs).")
    (into / UPLOADS).mkdir(exist_ok=True)
    return manifest


def _summary(path: Path, manifest: dict[str, Any]) -> ArchiveSummary:
    uploads = [f for name, f in manifest["files"].items() if name.startswith(f"{UPLOADS}/")]
    return ArchiveSummary(
        path=path,
        backend=manifest["database"]["backend"],
        revision=manifest["database"]["revision"],
        upload_count=len(uploads),
        upload_bytes=sum(int(f["size"]) for f in uploads),
    )


# --------------------------------------------------------------------------- databases


def _url() -> URL:
    return db.engine.url


def _backend() -> str:
    backend = _url().get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {backend}.")
    return backend


def _revision() -> str | None:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _require_empty_target() -> None:
    tables = sa.inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            "The database is not empty; restore only into a new, empty database "
            f"(found {len(tables)} tables, e.g. {sorted(tables)[0]})."
        )
    if any(True for _ in _files_below(upload_root())):
        raise BackupError(f"The upload folder {upload_root()} is not empty.")


def _run_pg(program: str, *arguments: str) -> None:
    """Run a PostgreSQL client on the configured database; the password goes by environment."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} was not found; install postgresql-client.")
    url = _url()
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # libpq understands the URL once the SQLAlchemy driver suffix and the password are gone.
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(
        [executable, *arguments, f"--dbname={dsn}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")


def _sqlite_path() -> Path:
    name = _url().database
    if not name or name == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database page by page; consistent even while others write to ``source``."""
    with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
        reader.backup(writer)
    reader.close()
    writer.close()
