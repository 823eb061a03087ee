"""A trilingual course in Turin with participants in several states and languages, whose
names are close to each other's and to those of the busy neighbour course beside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from app.accounts.models import Role, User
from app.applications.models import Answer, ApplicationQuestion, QuestionKind
from app.applications.services import OptionData, QuestionData, TextData, create_question
from app.courses.models import Course, CourseTranslation
from app.extensions import db
from app.registration.models import OrganisationType, Registration, RegistrationStatus
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course

S = RegistrationStatus
T = OrganisationType


@dataclass
class Workshop:
    course: Course
    organiser: User
    facilitator: User
    question: ApplicationQuestion
    people: dict[str, Registration]

    def ids(self, *names: str) -> list[int]:
        return [self.people[name].id for name in names]


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """Mainstreaming migration, three weeks earlier at the same venue: nothing of it may
    change, and none of its people may get mail."""
    yield from guard(make_busy_course(date(2017, 10, 30)))


# name, email, language, status, country, type of organisation, region answered
PEOPLE = (
    ("Ana Souza", "ana.souza@example.com", "fr", S.CONFIRMED, "BR", T.LOCAL_GOVERNMENT, "Americas"),
    ("Ana Sousa", "ana.sousa@example.com", "es", S.CONFIRMED, "ES", T.CIVIL_SOCIETY, "Europe"),
    ("Anna Souza", "anna.souza@example.com", "en", S.WAITLISTED, "BR", T.ACADEMIA, "Americas"),
    (
        "Lucía Pérez",
        "lucia.perez@example.com",
        "es",
        S.CONFIRMED,
        "CO",
        T.LOCAL_GOVERNMENT,
        "Americas",
    ),
    (
        "Tesfaye Bekele",
        "tesfaye@example.com",
        "en",
        S.CONFIRMED,
        "ET",
        T.NATIONAL_GOVERNMENT,
        "Africa",
    ),
    (
        "Tesfaye Bekele Alemu",
        "t.alemu@example.com",
        "en",
        S.SUBMITTED,
        "ET",
        T.LOCAL_GOVERNMENT,
        "Africa",
    ),
    (
        "Jean Dupont",
        "jean.dupont@example.com",
        "fr",
        S.CANCELLED,
        "FR",
        T.LOCAL_GOVERNMENT,
        "Europe",
    ),
)


def make_workshop() -> Workshop:
    organiser = make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")
    facilitator = make_user(name="Fatou Facilitator", email="fatou@example.org")
    course = make_course(
        slug="governing-2017",
        start=date(2017, 11, 20),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
    )
    course.languages = "en,fr,es"
    course.default_locale = "en"
    course.contact_email = "migration@example.org"
    course.translations += [
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local"),
        CourseTranslation(locale="es", title="Gestión de la migración a nivel local"),
    ]
    question = create_question(
        course,
        QuestionData(
            kind=QuestionKind.SINGLE_CHOICE,
            texts={"en": TextData("Which region do you work in?")},
            options=(
                OptionData({"en": "Africa"}),
                OptionData({"en": "Americas"}),
                OptionData({"en": "Europe"}),
            ),
        ),
        actor=organiser,
    )
    options = {option.label("en"): option for option in question.options}
    people = {}
    for name, email, language, status, country, kind, region in PEOPLE:
        user = make_user(name=name, email=email)
        registration = make_registration(
            course, user, status=status, country=country, organisation_type=kind, language=language
        )
        db.session.add(
            Answer(registration=registration, question=question, options=[options[region]])
        )
        people[name] = registration
    db.session.flush()
    return Workshop(course, organiser, facilitator, question, people)


@pytest.fixture
def workshop(neighbour: Neighbour) -> Workshop:
    found = make_workshop()
    db.session.commit()
    return found


def option_id(workshop: Workshop, label: str) -> int:
    return next(o.id for o in workshop.question.options if o.label("en") == label)
