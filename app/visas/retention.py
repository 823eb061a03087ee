"""Passport details are kept only as long as a consulate may still ask about a letter:
``VISA_DATA_RETENTION_DAYS`` whole days after the course's last day, counted at the venue.
``flask tick`` then blanks the name as in the passport, the passport number, the date of birth
and the passport's expiry of every request of the course. A request keeps its state, its
reference and its code: an issued letter's verification page goes on working, with the name on
the registration."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.courses.models import Course
from app.extensions import db
from app.registration.models import Registration
from app.visas.models import VisaLetterRequest
from app.visas.services import BLANK_PASSPORT, erase_after


def retention_days() -> int:
    return int(current_app.config["VISA_DATA_RETENTION_DAYS"])


def erase_due(now: datetime) -> int:
    """Blank the passport details of the courses whose retention is over; how many requests."""
    days = retention_days()
    # A pre-filter only (each course's own venue day decides below): a course is due at the
    # venue's midnight starting day end + days + 1, which is at least 10:00 UTC on day
    # end + days (UTC+14 at most), so its start, on or before its end, is on or before
    # today (UTC) - days.
    latest_start = now.date() - timedelta(days=days)
    candidates = db.session.scalars(
        sa.select(Course)
        .join(Registration, Registration.course_id == Course.id)
        .join(VisaLetterRequest, VisaLetterRequest.registration_id == Registration.id)
        .where(
            VisaLetterRequest.passport_erased_at.is_(None),
            Course.start_date <= latest_start,
        )
        .distinct()
    ).all()
    due = [course.id for course in candidates if now >= erase_after(course, days)]
    if not due:
        return 0
    registrations = sa.select(Registration.id).where(Registration.course_id.in_(due))
    erased = db.session.execute(
        sa.update(VisaLetterRequest)
        .where(
            VisaLetterRequest.registration_id.in_(registrations),
            VisaLetterRequest.passport_erased_at.is_(None),
        )
        .values(passport_erased_at=now, **BLANK_PASSPORT)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire_all()
    return erased
