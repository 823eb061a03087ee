"""Registrations to a course, their history, and attendance on the on-site days."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.text import fold
from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.certificates.models import Certificate
    from app.courses.models import Course


class RegistrationStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for an organiser's decision
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            RegistrationStatus.SUBMITTED: _l("Submitted"),
            RegistrationStatus.CONFIRMED: _l("Confirmed"),
            RegistrationStatus.WAITLISTED: _l("On the waiting list"),
            RegistrationStatus.REJECTED: _l("Not accepted"),
            RegistrationStatus.CANCELLED: _l("Cancelled"),
        }[self]


class OrganisationType(enum.StrEnum):
    NATIONAL_GOVERNMENT = "national_government"
    LOCAL_GOVERNMENT = "local_government"
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    PRIVATE_SECTOR = "private_sector"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            OrganisationType.NATIONAL_GOVERNMENT: _l("National government"),
            OrganisationType.LOCAL_GOVERNMENT: _l("Local or regional authority"),
            OrganisationType.CIVIL_SOCIETY: _l("Civil society"),
            OrganisationType.ACADEMIA: _l("Academia"),
            OrganisationType.INTERNATIONAL_ORGANISATION: _l("International organisation"),
            OrganisationType.PRIVATE_SECTOR: _l("Private sector"),
            OrganisationType.OTHER: _l("Other"),
        }[self]


class Gender(enum.StrEnum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            Gender.WOMAN: _l("Woman"),
            Gender.MAN: _l("Man"),
            Gender.OTHER: _l("Another gender"),
        }[self]


class Funding(enum.StrEnum):
    SELF = "self"
    EMPLOYER = "employer"
    SPONSORED = "sponsored"

    @property
    def label(self) -> str:
        return {
            Funding.SELF: _l("Self-funded"),
            Funding.EMPLOYER: _l("Paid by my employer"),
            Funding.SPONSORED: _l("Sponsored"),
        }[self]


class Registration(db.Model):
    """One person's application to one course, from submission to the certificate."""

    __tablename__ = "registration"
    __table_args__ = (
        # One registration per person per course, whatever the forms do.
        sa.UniqueConstraint("course_id", "user_id"),
        sa.Index("ix_registration_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus), default=RegistrationStatus.SUBMITTED
    )

    certificate_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    # The fields below the organisation are asked by the full application, not by an RSVP.
    organisation: Mapped[str] = mapped_column(sa.String(200))
    # Name, email and organisation folded (no case, no accents: app.core.text.fold), one a
    # line, kept by search_text_of on every write: the desk's search compares the folded query
    # with it, the same on SQLite and PostgreSQL, whose own case and accent rules differ.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    country: Mapped[str | None] = mapped_column(sa.String(2))  # of residence, ISO 3166-1 alpha-2
    nationality: Mapped[str | None] = mapped_column(sa.String(2))
    organisation_type: Mapped[OrganisationType | None] = mapped_column(
        str_enum(OrganisationType, 30)
    )
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    language: Mapped[str] = mapped_column(sa.String(5))  # for mail about this registration
    diet: Mapped[str] = mapped_column(sa.String(500), default="")
    accessibility: Mapped[str] = mapped_column(sa.String(1000), default="")
    motivation: Mapped[str] = mapped_column(sa.Text, default="")
    funding: Mapped[Funding | None] = mapped_column(str_enum(Funding))
    consent_data: Mapped[bool] = mapped_column(default=False)
    consent_listing: Mapped[bool] = mapped_column(default=False)
    # "You may tell me about later editions and related events": off unless ticked; the person
    # may change it on "My courses" at any time (app.alumni.services), when is kept.
    consent_alumni: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    consent_alumni_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Order on the waiting list (lower first); None when not waitlisted.
    waitlist_position: Mapped[int | None]
    # An offered seat held for this person until then (waiting list with offers).
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reminders are sent once each; these record that they were.
    start_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship()
    events: Mapped[list[RegistrationEvent]] = relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="RegistrationEvent.id",
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )
    certificate: Mapped[Certificate | None] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status.value} course={self.course_id}>"

    @property
    def has_offer(self) -> bool:
        return self.status == RegistrationStatus.WAITLISTED and self.offer_expires_at is not None

    def days_present(self) -> set[date]:
        return {a.day for a in self.attendance if a.is_present}


def search_text_of(name: str | None, email: str | None, organisation: str | None) -> str:
    """What the desk's search looks in: the folded fields, one a line (a folded query never
    holds a line break, so a match never spans two fields)."""
    return "\n".join(fold(value or "") for value in (name, email, organisation))


@sa.event.listens_for(Registration, "before_insert")
@sa.event.listens_for(Registration, "before_update")
def _keep_search_text(mapper: object, connection: object, registration: Registration) -> None:
    # Every ORM write passes here, whichever service or form changed the name, the email or
    # the organisation (the application, "My courses", the privacy erasure).
    registration.search_text = search_text_of(
        registration.certificate_name, registration.email, registration.organisation
    )


class RegistrationEvent(db.Model):
    """Who changed a registration, when, and how: the desk's audit trail."""

    __tablename__ = "registration_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    # None when the system acted (a promotion, an expired offer).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[RegistrationStatus | None] = mapped_column(str_enum(RegistrationStatus))
    to_status: Mapped[RegistrationStatus | None] = mapped_column(str_enum(RegistrationStatus))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    registration: Mapped[Registration] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Attendance(db.Model):
    """Presence of a participant on one on-site day (a local date at the venue)."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE")
    )
    day: Mapped[date]
    is_present: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    registration: Mapped[Registration] = relationship(back_populates="attendance")
