"""Certificates of participation: issued once, verifiable by anyone who has the code; and each
course's certificate design (the centre's logo, a signature with the signatory's name)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db
from app.storage.models import StoredFile

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course
    from app.registration.models import Registration

REASON_MAX_LENGTH = 500
SIGNATORY_MAX_LENGTH = 200


class Certificate(db.Model):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    # Short, random, unguessable; printed on the certificate and used by /certificates/<code>.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # The name as it stood when the certificate was issued.
    name: Mapped[str] = mapped_column(sa.String(200))
    # When the row was created (the first download or "issue all"): for the record only.
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The date printed on it: the course's last on-site day, or the venue's local day on which
    # the participant met the last condition, if later (services.issue_date).
    issued_on: Mapped[date]
    # Revoked by an organiser, with the reason shown on the verification page.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LENGTH), default="")
    # The last reinstatement of a revoked certificate (the revocation itself is then cleared).
    reinstated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reinstated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    registration: Mapped[Registration] = relationship(back_populates="certificate")
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    reinstated_by: Mapped[User | None] = relationship(foreign_keys=[reinstated_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateDesign(db.Model):
    """What a course's certificates carry besides their text. Each course has its own stored
    files (a new edition gets copies), so deleting one course's logo leaves the other's."""

    __tablename__ = "certificate_design"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), unique=True
    )
    logo_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL"), unique=True
    )
    signature_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL"), unique=True
    )
    signatory_name: Mapped[str] = mapped_column(sa.String(SIGNATORY_MAX_LENGTH), default="")
    signatory_title: Mapped[str] = mapped_column(sa.String(SIGNATORY_MAX_LENGTH), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    # Replacing or removing an image deletes its stored file (and, once committed, its bytes).
    logo: Mapped[StoredFile | None] = relationship(
        foreign_keys=[logo_id], cascade="all, delete-orphan", single_parent=True
    )
    signature: Mapped[StoredFile | None] = relationship(
        foreign_keys=[signature_id], cascade="all, delete-orphan", single_parent=True
    )
