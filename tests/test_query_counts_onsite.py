"""The on-site week's organiser pages make the same number of SQL queries for a course of 3
participants as for one of 18: mail history, a message's recipients, announcements, inviting
past participants, the check-in search, badges, the certificates overview, and a participant's
"My courses" with announcements. A busy neighbour course shares the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.accounts.models import Role
from app.alumni.services import set_consent
from app.announcements.services import post_announcement
from app.certificates.services import issue_all
from app.checkin.services import codes_for
from app.courses.editions import copy_as_new_edition
from app.extensions import db
from app.messages.services import Version, compose
from app.registration.attendance import set_attendance
from tests.conftest import login
from tests.courses.test_query_counts import count_queries
from tests.factories import make_course, make_registration, make_user, make_venue

MONDAY = date(2017, 11, 20)
WRITTEN = datetime(2017, 11, 23, 17, 0, tzinfo=UTC)


def _week(size: int, tag: str):
    organiser = make_user(Role.ORGANISER, name=f"Olga Organiser {tag}")
    course = make_course(
        slug=f"governing-{tag}", start=MONDAY, venue=make_venue(), organisers=(organiser,)
    )
    busy = make_course(slug=f"mainstreaming-{tag}", start=MONDAY)
    people = []
    for n in range(size):
        # Similar names on both courses: "Ana Sousa 1" here, "Ana Souza 1" next door.
        people.append(make_registration(course, make_user(name=f"Ana Sousa {tag} {n}")))
        make_registration(busy, make_user(name=f"Ana Souza {tag} {n}"))
    for day in course.day_dates:
        set_attendance(course, day, {r.id for r in people}, actor=organiser)
    for r in people:
        set_consent(r, True, actor=r.user, now=WRITTEN)
    codes_for(people)
    issue_all(course, actor=organiser, now=WRITTEN)
    for title in ("Room change on Wednesday", "The bus leaves at 8:00"):
        post_announcement(course, title=title, body="Details inside.", actor=organiser, now=WRITTEN)
    message = compose(
        course,
        {"en": Version("Reading for {first_name}", "Dear {name}, see you on Monday.")},
        people,
        actor=organiser,
        now=WRITTEN,
    )
    later = copy_as_new_edition(
        course, date(2027, 11, 15), slug=f"governing-{tag}-2027", actor=organiser
    )
    db.session.commit()
    return {
        "organiser": organiser,
        "participant": people[0].user,
        "pages": {
            "messages": f"/courses/{course.slug}/messages",
            "message": f"/courses/{course.slug}/messages/{message.id}",
            "compose": f"/courses/{course.slug}/messages/new",
            "announcements": f"/courses/{course.slug}/announcements",
            "alumni": f"/courses/{later.slug}/alumni?source={course.id}",
            "check-in search": f"/courses/{course.slug}/check-in?q=sousa",
            "badges": f"/courses/{course.slug}/badges.pdf",
            "certificates": f"/courses/{course.slug}/certificates",
        },
    }


def _counts(client, week) -> dict[str, int]:
    counts = {}
    login(client, week["organiser"])
    for page, path in week["pages"].items():
        assert client.get(path).status_code == 200, page  # warm up
        with count_queries() as statements:
            assert client.get(path).status_code == 200, page
        counts[page] = len(statements)
    client.post("/logout")
    login(client, week["participant"])
    client.get("/my/courses")
    with count_queries() as statements:
        assert client.get("/my/courses").status_code == 200
    counts["my courses"] = len(statements)
    client.post("/logout")
    return counts


def test_on_site_pages_make_as_many_queries_for_18_participants_as_for_3(client):
    few = _counts(client, _week(3, "few"))
    many = _counts(client, _week(18, "many"))
    grown = {page: (few[page], many[page]) for page in few if many[page] != few[page]}
    assert not grown, grown
