"""The description of a stored file; its bytes are in the storage backend under ``storage_key``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User

FILENAME_MAX_LENGTH = 200


class StoredFile(db.Model):
    """One uploaded file, checked and stored by :func:`app.storage.services.store_upload`.

    Whatever owns files (an answer, a hand-in) points here and deletes its files through the
    session, with ``db.session.delete(stored_file)`` or a relationship with
    ``cascade="all, delete-orphan"``: the bytes are removed once that deletion is committed
    (:mod:`app.storage.services`). A row deleted by plain SQL leaves its bytes behind.
    """

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, chosen by the backend; never derived from the file's name.
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The uploader's name for the file, made safe to show and to offer as a download name.
    filename: Mapped[str] = mapped_column(sa.String(FILENAME_MAX_LENGTH))
    # Detected from the content, not the browser's claim.
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.filename!r} {self.content_type} {self.size} B>"
