"""The privacy notice (versioned, set by administrators) and the consents people give.

A new text is a new version: the one with the highest number is in force, and each consent
records the version shown when it was given."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.accounts.models import User
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.privacy.models import ConsentContext, ConsentRecord, PrivacyNotice

# The boxes' words, in English as in the source (the translations render these).
SIGNUP_CONSENT = "By creating an account you accept the privacy notice."
APPLICATION_CONSENT = "I agree that my data are processed to handle my application and the course."


def current_notice() -> PrivacyNotice | None:
    return db.session.scalar(
        sa.select(PrivacyNotice).order_by(PrivacyNotice.version.desc()).limit(1)
    )


def notice_versions() -> list[PrivacyNotice]:
    return list(db.session.scalars(sa.select(PrivacyNotice).order_by(PrivacyNotice.version.desc())))


def publish_notice(body: str, *, actor: User, now: datetime | None = None) -> PrivacyNotice:
    """Publish ``body`` as the next version; it records who and when (no audit event: the
    versions are their own record). Two publishing at once: the unique version makes the
    second commit fail rather than reuse a number."""
    latest = db.session.scalar(sa.select(sa.func.max(PrivacyNotice.version))) or 0
    notice = PrivacyNotice(
        version=latest + 1,
        body=body.strip().replace("\r\n", "\n"),
        published_at=now or now_utc(),
        published_by_id=actor.id,
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def record_consent(
    user: User,
    context: ConsentContext,
    *,
    course: Course | None = None,
    now: datetime | None = None,
) -> ConsentRecord:
    """That ``user`` ticked the consent of ``context`` under the notice in force now."""
    text = SIGNUP_CONSENT if context == ConsentContext.SIGNUP else APPLICATION_CONSENT
    consent = ConsentRecord(
        user_id=user.id,
        context=context,
        course_id=course.id if course is not None else None,
        notice=current_notice(),
        text=text,
        accepted_at=now or now_utc(),
    )
    db.session.add(consent)
    return consent


def consents_of(user: User) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .where(ConsentRecord.user_id == user.id)
            .order_by(ConsentRecord.accepted_at.desc(), ConsentRecord.id.desc())
        )
    )


def paragraphs(body: str) -> list[str]:
    """The notice's paragraphs (separated by blank lines), shown escaped."""
    return [block.strip() for block in body.replace("\r\n", "\n").split("\n\n") if block.strip()]
