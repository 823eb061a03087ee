"""The balance of the confirmed group: by country, type of organisation and gender, counts and
shares, in one query."""

from __future__ import annotations

import pytest

from app.courses.models import Course
from app.extensions import db
from app.registration.models import RegistrationStatus
from app.selection.listing import balance
from tests.courses.test_query_counts import count_queries


def rows(shares):
    return [(share.label, share.count, pytest.approx(share.fraction)) for share in shares]


def keys(shares):
    return [share.key for share in shares]


@pytest.fixture
def confirmed(applicants):
    """Ana Souza (Brazil, local government, woman), Anna Souza (Italy, academia, gender not
    given), Lucía Pérez (Colombia, local government, woman) and Jean-Pierre Mbala (DR Congo,
    civil society, man) confirmed; Ana Sousa and Tesfaye Bekele still waiting."""
    for index in (0, 2, 4, 5):
        applicants[index].status = RegistrationStatus.CONFIRMED
    return applicants


def test_the_confirmed_group_by_country_with_shares(course, confirmed):
    found = balance(course)
    assert found.total == 4
    assert rows(found.by_country) == [
        ("Brazil", 1, 0.25),
        ("Colombia", 1, 0.25),
        ("Congo - Kinshasa", 1, 0.25),
        ("Italy", 1, 0.25),
    ]
    assert keys(found.by_country) == ["BR", "CO", "CD", "IT"]


def test_the_confirmed_group_by_type_of_organisation_largest_first(course, confirmed):
    assert rows(balance(course).by_organisation_type) == [
        ("Local or regional authority", 2, 0.5),
        ("Academia", 1, 0.25),
        ("Civil society", 1, 0.25),
    ]


def test_those_who_gave_no_gender_are_counted_last(course, confirmed):
    by_gender = balance(course).by_gender
    assert rows(by_gender) == [
        ("Woman", 2, 0.5),
        ("Man", 1, 0.25),
        ("Not given", 1, 0.25),
    ]
    assert keys(by_gender) == ["woman", "man", ""]


def test_only_the_confirmed_of_this_course_count(course, applicants, neighbour):
    # The neighbour has three confirmed participants from Ethiopia; here nobody is confirmed.
    found = balance(course)
    assert (found.total, found.by_country, found.by_gender) == (0, [], [])


def test_the_balance_follows_each_decision(course, confirmed):
    confirmed[1].status = RegistrationStatus.CONFIRMED
    found = balance(course)
    assert found.total == 5
    assert ("Civil society", 2, pytest.approx(0.4)) in rows(found.by_organisation_type)


def test_the_balance_takes_one_query(course, confirmed):
    course_id = course.id
    db.session.commit()
    with count_queries() as statements:
        course = db.session.get(Course, course_id)
        loading = len(statements)
        found = balance(course)
    assert len(statements) - loading == 1, statements
    assert found.total == 4
