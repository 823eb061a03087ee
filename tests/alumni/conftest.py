"""The Turin course of November 2017 (the past course) and its 2018 edition taking
applications, beside the busy neighbour course, whose people consented too and must never be
invited from another course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest

from app.accounts.models import User
from app.core.timeutil import local_to_utc
from app.courses.models import Course, RegistrationMode
from app.extensions import db
from app.registration.models import Registration
from tests.announcements.conftest import TURIN, Cast, at, make_cast, neighbour, outbox  # noqa: F401
from tests.factories import make_course, make_venue

# 1 July 2018: the 2018 edition takes applications (from 1 June to 15 October).
NOW = at(2018, 7, 1, 10)


@dataclass
class Alumni:
    cast: Cast
    past: Course  # Turin, 20-24 November 2017
    edition: Course  # Turin, 19-23 November 2018, an edition of the past one

    def consent(self, *users: User) -> None:
        for user in users:
            self.cast.registration(user).consent_alumni = True
        db.session.commit()

    def registration(self, user: User) -> Registration:
        return self.cast.registration(user)


def make_edition(past: Course, start: date, *, slug: str, organisers=()) -> Course:
    edition = make_course(
        slug=slug,
        title="Governing migration at the local level",
        start=start,
        venue=make_venue(TURIN),
        organisers=organisers,
    )
    edition.edition_of_id = past.id
    edition.registration_mode = RegistrationMode.FULL
    edition.registration_opens_at = local_to_utc(date(start.year, 6, 1), time(9), TURIN)
    edition.registration_closes_at = local_to_utc(date(start.year, 10, 15), time(18), TURIN)
    db.session.flush()
    return edition


@pytest.fixture
def alumni(neighbour) -> Alumni:  # noqa: F811
    cast = make_cast()
    # The neighbour's people agreed too: only this course's are ever invited from it.
    for registration in neighbour.registrations:
        registration.consent_alumni = True
    edition = make_edition(
        cast.course,
        date(2018, 11, 19),
        slug="governing-2018",
        organisers=(cast.organiser, cast.co_organiser),
    )
    db.session.commit()
    return Alumni(cast, cast.course, edition)
