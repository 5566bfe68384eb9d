"""Store, check and retire attachments (photos and documents of a ticket)."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from app.domain.errors import InvalidError
from app.domain.fields import field_error
from app.domain.messages import N_, Message
from app.domain.scope import Actor
from app.domain.vocabulary import AttachmentKind
from app.models import Attachment
from app.services import clock
from app.services.transaction import remember_written_file, session

IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
PDF_TYPE = ("application/pdf", "pdf")
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881
_DATETIME = 306


@dataclass(frozen=True)
class NewFile:
    """A file as received: the name the device sent, its bytes and what it is meant to show."""

    name: str
    content: bytes
    kind: AttachmentKind
    # The custom photo field the file is uploaded for ("" for the action's own photos).
    field: str = ""


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    captured_at: datetime | None


def _invalid(field_name: str, msgid: str, /, **params: object) -> InvalidError:
    return field_error(field_name, Message(msgid, params))


def check_file(new_file: NewFile, field: str = "file") -> CheckedFile:
    """Check a file by its content, never its name: photos JPEG/PNG/WebP, documents also PDF."""
    limit_mb = int(current_app.config["SAFELOOP_MAX_UPLOAD_MB"])
    if not new_file.content:
        raise _invalid(field, N_("The file %(name)s is empty."), name=new_file.name)
    if len(new_file.content) > limit_mb * 1024 * 1024:
        raise _invalid(
            field,
            N_("The file %(name)s is larger than %(mb)s MB."),
            name=new_file.name,
            mb=limit_mb,
        )
    if new_file.kind is AttachmentKind.DOCUMENT and new_file.content.startswith(b"%PDF-"):
        return CheckedFile(PDF_TYPE[0], PDF_TYPE[1], None)
    try:
        with Image.open(io.BytesIO(new_file.content)) as image:
            image_format = image.format or ""
            image.verify()
        with Image.open(io.BytesIO(new_file.content)) as image:
            captured = _captured_at(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        image_format = ""
        captured = None
    if image_format not in IMAGE_TYPES:
        raise _invalid(
            field,
            N_("%(name)s is not a JPEG, PNG or WebP photo (documents may also be PDF)."),
            name=new_file.name,
        )
    content_type, extension = IMAGE_TYPES[image_format]
    return CheckedFile(content_type, extension, captured)


def _captured_at(image: Image.Image) -> datetime | None:
    """The capture time in the photo's EXIF (DateTimeOriginal, else DateTime), as UTC."""
    exif = image.getexif()
    detail = exif.get_ifd(_EXIF_IFD)
    raw = detail.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not raw:
        return None
    try:
        taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = detail.get(_OFFSET_TIME_ORIGINAL)
    if offset:
        try:
            return datetime.fromisoformat(
                taken.isoformat() + str(offset).strip("\x00 ")
            ).astimezone(UTC)
        except ValueError:
            pass
    # Cameras write local time without a zone: read it in the office's zone.
    return taken.replace(tzinfo=clock.zone()).astimezone(UTC)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def store_file(hazard_id: int, new_file: NewFile, actor: Actor, field: str = "file") -> Attachment:
    """Check ``new_file`` and store it for ``hazard_id`` (inside the caller's transaction)."""
    checked = check_file(new_file, field)
    now = clock.now()
    relative = Path(f"{now:%Y/%m}") / f"{uuid.uuid4().hex}.{checked.extension}"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(new_file.content)
    remember_written_file(target)
    attachment = Attachment(
        hazard_id=hazard_id,
        kind=new_file.kind.value,
        original_name=(new_file.name or "unnamed")[:255],
        stored_name=relative.as_posix(),
        content_type=checked.content_type,
        size_bytes=len(new_file.content),
        sha256=hashlib.sha256(new_file.content).hexdigest(),
        received_at=now,
        captured_at=checked.captured_at,
        uploaded_by_id=actor.user_id,
    )
    session().add(attachment)
    session().flush()
    return attachment


def file_path(attachment: Attachment) -> Path:
    """Where the attachment's bytes are on disk."""
    return upload_root() / attachment.stored_name


THUMBNAIL_SIZE = (320, 320)


def thumbnail_path(attachment: Attachment) -> Path:
    """A small JPEG of an image attachment, made once and kept beside the uploads."""
    target = upload_root() / "thumbs" / f"{attachment.sha256}.jpg"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(file_path(attachment)) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            image.convert("RGB").save(target, format="JPEG", quality=80)
    return target
