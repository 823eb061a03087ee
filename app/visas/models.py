"""Invitation letters for visas: a confirmed participant's request with the details a consulate
needs, the organisers' decision, and the issued letter's reference and verification code.

The passport details (name as in the passport, number, date of birth, expiry) are kept only
until ``VISA_DATA_RETENTION_DAYS`` after the course's last day; then ``flask tick`` blanks them
(:func:`app.visas.retention.erase_due`) and the request keeps only that a letter was issued, its
reference and its code, so that its verification page goes on working."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.registration.models import Registration

PASSPORT_NAME_MAX = 200
PASSPORT_NUMBER_MIN = 5
PASSPORT_NUMBER_MAX = 20
CONSULATE_CITY_MAX = 100
REASON_MAX_LENGTH = 500
LETTER_LANGUAGES = ("en", "fr")


class VisaRequestStatus(enum.StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        # With a context: a letter's state agrees with "letter" (in French and Spanish,
        # feminine), not with a certificate's.
        return {
            VisaRequestStatus.REQUESTED: pgettext("visa letter", "Requested"),
            VisaRequestStatus.ISSUED: pgettext("visa letter", "Issued"),
            VisaRequestStatus.DECLINED: pgettext("visa letter", "Declined"),
            VisaRequestStatus.WITHDRAWN: pgettext("visa letter", "Withdrawn"),
        }[self]


class VisaLetterRequest(db.Model):
    """One registration's request for an invitation letter (one per registration: a withdrawn
    or declined request is sent again with new details)."""

    __tablename__ = "visa_letter_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[VisaRequestStatus] = mapped_column(
        str_enum(VisaRequestStatus), default=VisaRequestStatus.REQUESTED, index=True
    )
    # What the consulate needs; the passport details are blanked after the retention period.
    passport_name: Mapped[str] = mapped_column(sa.String(PASSPORT_NAME_MAX), default="")
    passport_number: Mapped[str] = mapped_column(sa.String(PASSPORT_NUMBER_MAX), default="")
    nationality: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    birth_date: Mapped[date | None]
    passport_expires_on: Mapped[date | None]
    consulate_city: Mapped[str] = mapped_column(sa.String(CONSULATE_CITY_MAX))
    consulate_country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    language: Mapped[str] = mapped_column(sa.String(5))  # of the letter: en or fr
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The last change by the participant (a correction, a withdrawal, a new request).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organisers' decision: issued or declined, by whom and when, and why declined.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decline_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LENGTH), default="")
    # The issued letter: its reference (INV-2027-0007, numbered per year of issue), the date
    # printed on it (the venue's local day of issue) and the code of its verification page.
    reference_year: Mapped[int | None]
    reference_number: Mapped[int | None]
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    issued_on: Mapped[date | None]
    # An issued letter revoked by an organiser: its verification page says so.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LENGTH), default="")
    # When the passport details were blanked (retention).
    passport_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("reference_year", "reference_number"),)

    registration: Mapped[Registration] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_pending(self) -> bool:
        return self.status == VisaRequestStatus.REQUESTED

    @property
    def is_issued(self) -> bool:
        return self.status == VisaRequestStatus.ISSUED

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_erased(self) -> bool:
        return self.passport_erased_at is not None

    @property
    def holder_name(self) -> str:
        """The name the verification page shows: as in the passport while it is kept, then the
        name on the registration."""
        return self.passport_name or self.registration.certificate_name


class VisaLetterSequence(db.Model):
    """The last reference number given in a year. Issuing takes this row's lock first (an
    UPDATE of it), so two organisers issuing at once get consecutive numbers, never the same."""

    __tablename__ = "visa_letter_sequence"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
