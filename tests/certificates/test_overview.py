"""The organisers' overview of a course's certificates: every confirmed participant, whether they
qualify at the moment given, and their certificate if issued."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from app.certificates import services
from app.extensions import db
from app.followup import submissions as work
from app.registration.models import RegistrationStatus
from tests.certificates.conftest import SLUG, attend, complete
from tests.conftest import login
from tests.factories import make_registration, make_user


def summary(rows) -> list[tuple[str, list[str], bool]]:
    """(name, reasons it does not qualify, certificate issued) for each row."""
    return [
        (registration.certificate_name, [str(r) for r in eligibility.reasons], c is not None)
        for registration, eligibility, c in rows
    ]


def test_it_lists_each_confirmed_participant_with_their_certificate(
    course, eligible, required_assignment, organiser
):
    late = make_registration(course, make_user(name="Bruno Keller"))
    attend(late, 2)
    make_registration(course, make_user(name="Ana Sorensen"), status=RegistrationStatus.CANCELLED)
    services.issue_certificate(eligible, actor=organiser)
    assert summary(services.course_certificates(course)) == [
        ("Ana Sørensen", [], True),
        (
            "Bruno Keller",
            [
                "Attended 2 of the 4 on-site days required (out of 5).",
                "Required follow-up activities not completed yet: “Local action plan”.",
            ],
            False,
        ),
    ]


def test_work_handed_in_but_not_yet_completed_by_the_organisers_does_not_count(
    course, eligible, required_assignment, participant
):
    handed_in = make_registration(course, make_user(name="Ana Sorensen"))
    attend(handed_in, 5)
    work.submit_work(
        handed_in,
        required_assignment,
        text="My plan",
        link="",
        actor=handed_in.user,
        now=datetime(2017, 12, 10, 12, tzinfo=UTC),
    )
    rows = services.course_certificates(course)
    assert summary(rows) == [
        (
            "Ana Sorensen",
            ["Required follow-up activities not completed yet: “Local action plan”."],
            False,
        ),
        ("Ana Sørensen", [], False),
    ]
    assert rows[0][1].missing_activities == [required_assignment]


def test_it_judges_at_the_moment_given(course, eligible):
    friday_noon_in_turin = datetime(2017, 11, 24, 11, 0, tzinfo=UTC)
    assert summary(services.course_certificates(course, now=friday_noon_in_turin)) == [
        ("Ana Sørensen", ["The course has not ended yet."], False)
    ]
    midnight_in_turin = datetime(2017, 11, 24, 23, 0, tzinfo=UTC)
    assert summary(services.course_certificates(course, now=midnight_in_turin)) == [
        ("Ana Sørensen", [], False)
    ]


def test_a_course_without_confirmed_participants_lists_no_one(course):
    make_registration(course, make_user(name="Ana Souza"), status=RegistrationStatus.WAITLISTED)
    make_registration(course, make_user(name="Anna Sousa"), status=RegistrationStatus.SUBMITTED)
    assert services.course_certificates(course) == []


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    statements: list[str] = []
    db.session.remove()  # a request starts from an empty session

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_the_page_makes_as_many_queries_for_ten_participants_as_for_two(
    client, course, eligible, required_assignment, organiser
):
    late = make_registration(course, make_user(name="Bruno Keller"))
    attend(late, 2)
    db.session.commit()
    login(client, organiser)
    url = f"/courses/{SLUG}/certificates"
    assert client.get(url).status_code == 200  # warm up
    with counted_queries() as two:
        assert "Qualify: 1 of 2 confirmed participants." in client.get(url).text
    # Counting started a fresh session, as a request does: take the test's objects into it.
    course, organiser, activity = map(db.session.merge, (course, organiser, required_assignment))
    for n in range(8):
        registration = make_registration(course, make_user(name=f"Ana Souza {n}"))
        attend(registration, 4 + n % 2)
        complete(registration, activity, organiser)
        if n % 2:
            services.issue_certificate(registration, actor=organiser)
    db.session.commit()
    with counted_queries() as ten:
        assert "Qualify: 9 of 10 confirmed participants." in client.get(url).text
    assert len(ten) == len(two), ten
