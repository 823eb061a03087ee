"""Mail to participants about their registration, in their language, through the outbox."""

from __future__ import annotations

from typing import Any

from app.core.urls import external_url
from app.courses.models import Course
from app.extensions import db
from app.mail.services import Attachment, LazyAttachment, queue_mail
from app.registration.models import Registration, RegistrationStatus

# Messages that carry the course's programme as an .ics file.
WITH_PROGRAMME = {"confirmed", "promoted", "schedule_changed", "course_moved"}
# Messages that confirm a seat: they carry the check-in code, as text and as a QR code (PNG),
# for a course on site.
WITH_CHECKIN = {"confirmed", "promoted"}


def programme_attachment(registration: Registration) -> LazyAttachment:
    """The course's programme as an .ics file, built when the mail is delivered (the request
    that confirms a seat does not wait for it; the file has the programme as it stands then).
    """
    # The join links of its webinars for a confirmed place only (as on the course's page),
    # as the registration stands when the mail is written.
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    return LazyAttachment(
        builder=f"{__name__}:build_programme_attachment",
        params={
            "course_id": registration.course.id,
            "locale": registration.language,
            "with_links": confirmed,
        },
    )


def build_programme_attachment(course_id: int, locale: str, with_links: bool) -> Attachment | None:
    """The .ics file of :func:`programme_attachment`; None if the course is gone."""
    from app.feeds.calendars import course_calendar

    course = db.session.get(Course, course_id)
    if course is None:
        return None
    return Attachment(
        filename=f"{course.slug}.ics",
        content=course_calendar(course, locale=locale, with_links=with_links),
        mimetype="text/calendar; method=PUBLISH",
    )


def checkin_attachment(code: str) -> LazyAttachment:
    """The check-in code as a QR code (PNG), drawn when the mail is delivered, like the
    programme: the request that confirms a seat does not wait for it."""
    return LazyAttachment(builder=f"{__name__}:build_checkin_attachment", params={"code": code})


def build_checkin_attachment(code: str) -> Attachment:
    """The PNG of :func:`checkin_attachment`."""
    from app.checkin.qr import qr_png

    return Attachment(filename="check-in-code.png", content=qr_png(code), mimetype="image/png")


def notify(registration: Registration, template: str, **context: Any) -> None:
    """Queue ``emails/registration_<template>`` for the participant."""
    from app.checkin.services import code_for, format_code

    course = registration.course
    attachments = [programme_attachment(registration)] if template in WITH_PROGRAMME else []
    code = code_for(registration) if template in WITH_CHECKIN and not course.is_online else None
    if code is not None:
        attachments.append(checkin_attachment(code))
    queue_mail(
        registration.email,
        f"registration_{template}",
        locale=registration.language,
        attachments=attachments,
        registration=registration,
        course=course,
        course_title=course.title(registration.language),
        course_url=external_url("courses.show", slug=course.slug),
        my_courses_url=external_url("registration.my_courses"),
        checkin_code=format_code(code) if code else None,
        **context,
    )
