""" "Manage courses" shows how many applications wait for a decision on each course, in the
same number of queries however many courses the organiser has."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user


@contextmanager
def count_queries():
    statements: list[str] = []
    db.session.remove()  # start from an empty session, as a real request does

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def applicants(course, statuses):
    for status in statuses:
        make_registration(course, status=status)


def rows(html):
    """Each row of the list as its text, tags and spaces squeezed."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:]]


def test_each_course_shows_its_applications_awaiting_a_decision(client):
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    governing = make_course(
        slug="governing-2017", title="Governing migration", organisers=(organiser,)
    )
    mainstreaming = make_course(
        slug="mainstreaming-2017",
        title="Mainstreaming migration",
        start=date(2017, 10, 30),
        organisers=(organiser,),
    )
    # Decided applications do not count; another team's course is not listed.
    applicants(governing, [S.SUBMITTED, S.SUBMITTED, S.SUBMITTED, S.CONFIRMED, S.REJECTED])
    applicants(mainstreaming, [S.CONFIRMED, S.WAITLISTED])
    applicants(make_course(slug="elsewhere-2017", title="Elsewhere"), [S.SUBMITTED] * 4)
    db.session.commit()
    login(client, organiser)
    html = client.get("/manage/courses").get_data(as_text=True)
    listed = rows(html)
    assert len(listed) == 2
    assert "Governing migration" in listed[0] and "3 applications" in listed[0]
    assert "Mainstreaming migration" in listed[1] and "application" not in listed[1]
    assert 'href="/courses/governing-2017/participants?status=submitted"' in html


def test_the_list_makes_as_many_queries_for_six_courses_as_for_one(client):
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    facilitator = make_user(name="Fatou Facilitator")
    applicants(make_course(organisers=(organiser,), facilitators=(facilitator,)), [S.SUBMITTED])
    db.session.commit()
    login(client, organiser)
    client.get("/manage/courses")  # warm up
    with count_queries() as one:
        assert client.get("/manage/courses").status_code == 200
    # The counting emptied the session: the people again, from the database.
    organiser, facilitator = (db.session.merge(u) for u in (organiser, facilitator))
    for n in range(5):
        course = make_course(
            start=date(2018, 1, 1 + n), organisers=(organiser,), facilitators=(facilitator,)
        )
        applicants(course, [S.SUBMITTED, S.CONFIRMED][: 1 + n % 2])
    db.session.commit()
    with count_queries() as six:
        html = client.get("/manage/courses").get_data(as_text=True)
    assert html.count("1 application<") == 6
    assert len(six) == len(one), six
