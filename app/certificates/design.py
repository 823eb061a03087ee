"""Rules of a course's certificate design: the centre's logo and a signature image with the
signatory's name and title, placed on every certificate of the course.

Images are uploads through :mod:`app.storage`: PNG or JPEG by their content, at most
:data:`MAX_IMAGE_BYTES`, and they must decode as an image of sensible dimensions (a file cut
short or a decompression bomb would otherwise only fail when a certificate is printed). A
refused file raises :class:`FieldErrors` on its field; the caller rolls back, so nothing is
stored. A new edition gets its own copies of the files (:func:`copy_design`), so removing an
image from one course never takes it from another.

Services flush, never commit, and take the actor as an argument.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.certificates.models import SIGNATORY_MAX_LENGTH, CertificateDesign
from app.core.rules import FieldErrors
from app.courses.models import Course
from app.extensions import db
from app.storage.backends import get_storage
from app.storage.models import StoredFile
from app.storage.services import JPEG, MB, PNG, FileRefused, store_upload, track_saved

MAX_IMAGE_BYTES = 2 * MB
IMAGE_KINDS = (PNG, JPEG)
# A logo or a scanned signature needs far fewer; more is a photo or a decompression bomb.
MAX_IMAGE_MEGAPIXELS = 25
IMAGE_FIELDS = ("logo", "signature")


@dataclass
class DesignChange:
    """What an organiser sent: new images (or None), images to remove, the signatory."""

    signatory_name: str = ""
    signatory_title: str = ""
    logo: FileStorage | None = None
    signature: FileStorage | None = None
    remove_logo: bool = False
    remove_signature: bool = False


def design_of(course: Course) -> CertificateDesign | None:
    return db.session.scalar(
        sa.select(CertificateDesign).where(CertificateDesign.course_id == course.id)
    )


def image_bytes(stored: StoredFile | None) -> bytes | None:
    """The image's bytes, or None without an image or when its bytes are lost."""
    if stored is None:
        return None
    try:
        with get_storage().open(stored.storage_key) as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _check_image(stored: StoredFile) -> None:
    """Refuse an image that does not decode, or has more pixels than a logo needs. Its size is
    read from its header before anything is decoded, so a decompression bomb never is."""
    data = image_bytes(stored) or b""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_MEGAPIXELS * 1_000_000:
                raise FileRefused(
                    _l(
                        "This image is %(width)d × %(height)d pixels; a logo or signature "
                        "needs far fewer (at most %(max)d million).",
                        width=width,
                        height=height,
                        max=MAX_IMAGE_MEGAPIXELS,
                    )
                )
            image.load()
    except Image.DecompressionBombError as error:
        # Pillow's own limit, far above ours: refused before its size could be read.
        raise FileRefused(
            _l("This image has far more pixels than a logo or signature needs.")
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise FileRefused(_l("This image is damaged or incomplete.")) from error


def _store_image(upload: FileStorage, field: str, actor: Any) -> StoredFile:
    try:
        stored = store_upload(upload, actor=actor, allowed=IMAGE_KINDS, max_bytes=MAX_IMAGE_BYTES)
        _check_image(stored)
    except FileRefused as refused:
        raise FieldErrors.single(refused.message, field) from refused
    return stored


def _text(value: str | None, field: str, errors: dict[str | None, list[Any]]) -> str:
    text = " ".join((value or "").split())
    if len(text) > SIGNATORY_MAX_LENGTH:
        errors[field] = [_l("At most %(max)d characters.", max=SIGNATORY_MAX_LENGTH)]
    return text


def update_design(course: Course, change: DesignChange, *, actor: User) -> CertificateDesign:
    """Apply ``change`` to the course's design (created on first use). Raises
    :class:`FieldErrors` by field; then the caller rolls back and nothing is kept."""
    errors: dict[str | None, list[Any]] = {}
    name = _text(change.signatory_name, "signatory_name", errors)
    title = _text(change.signatory_title, "signatory_title", errors)
    images: dict[str, StoredFile] = {}
    for field in IMAGE_FIELDS:
        upload = getattr(change, field)
        if upload is not None and upload.filename:
            try:
                images[field] = _store_image(upload, field, actor)
            except FieldErrors as refused:
                errors.update(refused.errors)
    if errors:
        raise FieldErrors(errors)
    design = design_of(course)
    if design is None:
        design = CertificateDesign(course=course)
        db.session.add(design)
    design.signatory_name = name
    design.signatory_title = title
    for field in IMAGE_FIELDS:
        if field in images:
            setattr(design, field, images[field])  # the old file goes (delete-orphan)
        elif getattr(change, f"remove_{field}"):
            setattr(design, field, None)
    design.updated_by_id = actor.id
    db.session.flush()
    return design


def _copy_file(stored: StoredFile | None, actor: Any) -> StoredFile | None:
    """A new stored file with the same bytes; None when there is none or its bytes are lost."""
    data = image_bytes(stored)
    if stored is None or data is None:
        return None
    storage = get_storage()
    key = storage.save(io.BytesIO(data))
    track_saved(db.session(), storage, key)
    copy = StoredFile(
        storage_key=key,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=actor,
    )
    db.session.add(copy)
    return copy


def copy_design(source: Course, target: Course, *, actor: User) -> CertificateDesign | None:
    """Give ``target`` (a new edition) the design of ``source``, with its own copies of the
    images."""
    design = design_of(source)
    if design is None:
        return None
    copy = CertificateDesign(
        course=target,
        signatory_name=design.signatory_name,
        signatory_title=design.signatory_title,
        logo=_copy_file(design.logo, actor),
        signature=_copy_file(design.signature, actor),
        updated_by_id=actor.id,
    )
    db.session.add(copy)
    db.session.flush()
    return copy
