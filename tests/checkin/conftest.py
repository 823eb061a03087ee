"""Two courses in Turin (Europe/Rome): the 2017 week (Monday 20 – Friday 24 November, CET,
UTC+1) with its team and participants of similar names, and a busy neighbour course of the same
week with its own participants."""

from __future__ import annotations

from datetime import date

import pytest

from app.accounts.models import Role
from app.registration.models import RegistrationStatus as S
from tests.factories import make_course, make_registration, make_user, make_venue

MONDAY = date(2017, 11, 20)


def person(course, name, status=S.CONFIRMED, **overrides):
    email = overrides.pop("email", None) or f"{'.'.join(name.lower().split())}@example.org"
    user = make_user(name=name, email=email)
    return make_registration(course, user, status=status, **overrides)


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")


@pytest.fixture
def facilitator():
    return make_user(name="Fatou Facilitator", email="fatou@example.org")


@pytest.fixture
def course(organiser, facilitator):
    return make_course(
        slug="governing-2017",
        start=MONDAY,
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
    )


@pytest.fixture
def neighbour():
    """Another course the same week, with its own confirmed participants."""
    course = make_course(slug="mainstreaming-2017", title="Mainstreaming migration", start=MONDAY)
    for name in ("Ana Sousa", "Bruno Costa"):
        person(course, name, email=f"{name.split()[0].lower()}.other@example.org")
    return course


@pytest.fixture
def ana(course):
    return person(course, "Ana Souza", country="BR", organisation="Municipality of Belo Horizonte")


@pytest.fixture
def anabela(course):
    return person(course, "Anabela Núñez", country="ES", organisation="Ayuntamiento de Madrid")


@pytest.fixture
def kip(course):
    return person(course, "Kiprono Mutai", country="KE", organisation="University of Nairobi")
