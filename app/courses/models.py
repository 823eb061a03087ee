"""Courses, their texts per language, focuses (modules or themes), partners and team."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.i18n import pick_translation
from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.followup.models import FollowupActivity
    from app.modules.models import Module
    from app.schedule.models import CourseSession
    from app.venues.models import Venue


class Organisation(db.Model):
    """A partner organisation (ITC-ILO, IOM, UNDP, SDC…), shared by the courses it works on."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    acronym: Mapped[str] = mapped_column(sa.String(30), default="")
    url: Mapped[str] = mapped_column(sa.String(300), default="")

    def __str__(self) -> str:
        return self.acronym or self.name


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            CourseStatus.DRAFT: _l("Draft"),
            CourseStatus.PUBLISHED: _l("Published"),
            CourseStatus.CANCELLED: _l("Cancelled"),
        }[self]


class CourseKind(enum.StrEnum):
    """What kind of activity this is. Courses have the five-day layout; the others are events."""

    COURSE = "course"
    CONFERENCE = "conference"  # a host event, the umbrella of side events (e.g. Habitat III)
    SIDE_EVENT = "side_event"
    SPECIAL_SESSION = "special_session"
    LAUNCH = "launch"
    PANEL = "panel"
    WEBINAR = "webinar"

    @property
    def label(self) -> str:
        return {
            CourseKind.COURSE: _l("Course"),
            CourseKind.CONFERENCE: _l("Conference"),
            CourseKind.SIDE_EVENT: _l("Side event"),
            CourseKind.SPECIAL_SESSION: _l("Special session"),
            CourseKind.LAUNCH: _l("Launch"),
            CourseKind.PANEL: _l("Panel"),
            CourseKind.WEBINAR: _l("Webinar"),
        }[self]

    @property
    def is_event(self) -> bool:
        return self != CourseKind.COURSE


class RegistrationMode(enum.StrEnum):
    NONE = "none"  # open to all, nothing to sign
    RSVP = "rsvp"  # name, email, organisation, consent
    FULL = "full"  # the full course application

    @property
    def label(self) -> str:
        return {
            RegistrationMode.NONE: _l("No registration"),
            RegistrationMode.RSVP: _l("Simple RSVP"),
            RegistrationMode.FULL: _l("Full application"),
        }[self]


class Programme(db.Model):
    """A funded initiative grouping courses and events (e.g. a joint global programme)."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    funder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL")
    )
    # Partner countries, ISO 3166-1 alpha-2 codes separated by commas (e.g. "BD,EC,JM").
    countries: Mapped[str] = mapped_column(sa.String(500), default="")
    url: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    funder: Mapped[Organisation | None] = relationship()
    translations: Mapped[list[ProgrammeTranslation]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", lazy="selectin"
    )
    courses: Mapped[list[Course]] = relationship(
        back_populates="programme", order_by="Course.start_date"
    )

    def text(self, locale: str) -> ProgrammeTranslation:
        found = pick_translation(self.translations, locale, "en")
        assert found is not None, f"programme {self.slug} has no texts"
        return found

    def title(self, locale: str) -> str:
        return self.text(locale).title

    @property
    def country_list(self) -> list[str]:
        return [code for code in self.countries.split(",") if code]


class ProgrammeTranslation(db.Model):
    __tablename__ = "programme_translation"
    __table_args__ = (sa.UniqueConstraint("programme_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(sa.String(5))
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")

    programme: Mapped[Programme] = relationship(back_populates="translations")


class PartnerRole(enum.StrEnum):
    ORGANISER = "organiser"
    CO_ORGANISER = "co_organiser"
    FUNDER = "funder"

    @property
    def label(self) -> str:
        return {
            PartnerRole.ORGANISER: _l("Organiser"),
            PartnerRole.CO_ORGANISER: _l("Co-organiser"),
            PartnerRole.FUNDER: _l("Funder"),
        }[self]


class TeamRole(enum.StrEnum):
    ORGANISER = "organiser"
    FACILITATOR = "facilitator"
    # Scores applications on the selection page (app/selection); sees nothing else of the desk.
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return {
            TeamRole.ORGANISER: _l("Organiser"),
            TeamRole.FACILITATOR: _l("Facilitator"),
            TeamRole.REVIEWER: _l("Reviewer"),
        }[self]


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Globally unique and never reused: the root of calendar UIDs.
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[CourseKind] = mapped_column(str_enum(CourseKind), default=CourseKind.COURSE)
    # Online activities have no venue: times are UTC, shown in each viewer's zone.
    is_online: Mapped[bool] = mapped_column(default=False)
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    registration_mode: Mapped[RegistrationMode] = mapped_column(
        str_enum(RegistrationMode), default=RegistrationMode.FULL
    )
    host_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course.id", ondelete="SET NULL"), index=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL"), index=True
    )
    default_locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # Languages of instruction, e.g. "en" or "en,fr".
    languages: Mapped[str] = mapped_column(sa.String(30), default="en")
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="SET NULL"))
    start_date: Mapped[date]
    days: Mapped[int] = mapped_column(default=5)
    # None: no limit (an RSVP without a capacity). No Python default: the ORM would put it in
    # place of an explicit None at insert; CourseDetails gives new courses 30.
    capacity: Mapped[int | None]
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    status: Mapped[CourseStatus] = mapped_column(str_enum(CourseStatus), default=CourseStatus.DRAFT)
    # Registration rules: organisers approve each application, or seats go first come, first
    # served; a freed seat goes straight to the next on the waiting list, or is offered to them
    # for offer_hours to accept.
    requires_approval: Mapped[bool] = mapped_column(default=False)
    # Full applications wait for the employer's endorsement (app.endorsement) before the
    # rules above apply to them.
    requires_endorsement: Mapped[bool] = mapped_column(default=False)
    waitlist_offers: Mapped[bool] = mapped_column(default=False)
    offer_hours: Mapped[int] = mapped_column(default=72)
    # On-site days a participant must attend for a certificate (default: all but one).
    min_attendance_days: Mapped[int | None]
    # The online follow-up phase (dates in the venue's calendar).
    followup_opens_on: Mapped[date | None]
    followup_closes_on: Mapped[date | None]
    edition_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    venue: Mapped[Venue | None] = relationship()
    edition_of: Mapped[Course | None] = relationship(remote_side=[id], foreign_keys=[edition_of_id])
    host_event: Mapped[Course | None] = relationship(
        remote_side=[id], foreign_keys=[host_event_id], back_populates="side_events"
    )
    side_events: Mapped[list[Course]] = relationship(
        back_populates="host_event", foreign_keys=[host_event_id], order_by="Course.start_date"
    )
    programme: Mapped[Programme | None] = relationship(back_populates="courses")
    translations: Mapped[list[CourseTranslation]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="selectin"
    )
    focuses: Mapped[list[CourseModule]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseModule.position"
    )
    partners: Mapped[list[CoursePartner]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CoursePartner.position"
    )
    team: Mapped[list[CourseTeamMember]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseSession.starts_at"
    )
    activities: Mapped[list[FollowupActivity]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="FollowupActivity.position"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    def text(self, locale: str) -> CourseTranslation:
        found = pick_translation(self.translations, locale, self.default_locale)
        assert found is not None, f"course {self.slug} has no texts"
        return found

    def title(self, locale: str) -> str:
        return self.text(locale).title

    def text_with(self, field: str, locale: str) -> CourseTranslation | None:
        """The translation to show ``field`` ("summary", "description") from: in ``locale``
        where it is written there, else in the course's main language, else in any language
        that has it. A translation with a title but no description yet does not hide the
        description written in another language."""
        written = [t for t in self.translations if getattr(t, field).strip()]
        return pick_translation(written, locale, self.default_locale)

    @property
    def end_date(self) -> date:
        """The last on-site day."""
        return self.start_date + timedelta(days=self.days - 1)

    @property
    def day_dates(self) -> list[date]:
        return [self.start_date + timedelta(days=i) for i in range(self.days)]

    @property
    def timezone(self) -> str:
        return self.venue.timezone if self.venue else "UTC"

    @property
    def required_attendance_days(self) -> int:
        if self.min_attendance_days is not None:
            return min(self.min_attendance_days, self.days)
        return max(self.days - 1, 1)

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @property
    def modules(self) -> list[Module]:
        return [f.module for f in self.focuses if f.module is not None]

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    def members(self, role: TeamRole) -> list[User]:
        return [m.user for m in self.team if m.role == role]


class CourseTranslation(db.Model):
    __tablename__ = "course_translation"
    __table_args__ = (sa.UniqueConstraint("course_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(sa.String(5))
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")

    course: Mapped[Course] = relationship(back_populates="translations")


class CourseModule(db.Model):
    """A focus of the course, in order: a toolbox module or, where none fits, a theme."""

    __tablename__ = "course_module"
    __table_args__ = (
        sa.CheckConstraint("module_id IS NOT NULL OR theme IS NOT NULL", name="module_or_theme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module.id", ondelete="RESTRICT"))
    theme: Mapped[str | None] = mapped_column(sa.String(300))

    course: Mapped[Course] = relationship(back_populates="focuses")
    module: Mapped[Module | None] = relationship(lazy="joined")

    def title(self, locale: str) -> str:
        return self.module.title(locale) if self.module else (self.theme or "")


class CoursePartner(db.Model):
    __tablename__ = "course_partner"
    __table_args__ = (sa.UniqueConstraint("course_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    role: Mapped[PartnerRole] = mapped_column(str_enum(PartnerRole))
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class CourseTeamMember(db.Model):
    __tablename__ = "course_team_member"
    __table_args__ = (sa.UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole))

    course: Mapped[Course] = relationship(back_populates="team")
    user: Mapped[User] = relationship(lazy="joined")
