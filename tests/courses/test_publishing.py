"""Publishing warns of what visitors would find missing or wrong: no summary, an empty
timetable, room conflicts. The organiser publishes once they have read the warnings."""

from __future__ import annotations

from datetime import date, time

from app.accounts.models import Role
from app.courses import services
from app.courses.models import CourseStatus
from app.courses.publishing import publication_warnings
from app.extensions import db
from tests.conftest import login
from tests.courses.test_routes import course_form
from tests.factories import make_course, make_user
from tests.schedule.conftest import add_session

NOV = date(2027, 11, 15)


def details(course, summary=""):
    return services.CourseDetails(
        venue=course.venue,
        start_date=course.start_date,
        status=CourseStatus.PUBLISHED,
        texts={"en": services.CourseText("Governing migration at the local level", summary)},
    )


def test_a_draft_without_summary_or_sessions_gets_both_warnings():
    course = make_course(start=NOV, status=CourseStatus.DRAFT)
    warnings = [str(w) for w in publication_warnings(course, details(course))]
    assert warnings == [
        "It has no summary in its main language: the catalogue would show its title alone.",
        "Its timetable is empty: its page would show no programme.",
    ]


def test_room_conflicts_are_counted_and_a_complete_course_has_no_warning():
    course = make_course(start=NOV, status=CourseStatus.DRAFT)
    room = course.venue.rooms[0]
    add_session(course, "Opening", day=NOV, start=time(9), end=time(10, 30), room=room)
    add_session(
        course, "Coffee", day=NOV, start=time(10, 30), end=time(11), room=room
    )  # touches, no conflict
    assert publication_warnings(course, details(course, "Five days in Turin.")) == []

    add_session(course, "Panel", day=NOV, start=time(10), end=time(11), room=room)
    warnings = [str(w) for w in publication_warnings(course, details(course, "Five days."))]
    assert warnings == ["Its timetable has 2 room conflicts: two sessions in one room at once."]


def test_cancelled_sessions_do_not_fill_a_timetable():
    course = make_course(start=NOV, status=CourseStatus.DRAFT)
    session = add_session(course, "Opening", day=NOV, start=time(9), end=time(10))
    session.status = session.status.CANCELLED
    warnings = [str(w) for w in publication_warnings(course, details(course, "Five days."))]
    assert warnings == ["Its timetable is empty: its page would show no programme."]


def test_publishing_asks_first_then_publishes_when_acknowledged(client):
    organiser = make_user(Role.ORGANISER)
    course = make_course(start=NOV, status=CourseStatus.DRAFT, organisers=(organiser,))
    db.session.commit()
    login(client, organiser)
    form = course_form(course.venue, slug=course.slug, **{"text_en-summary": ""})

    asked = client.post(f"/courses/{course.slug}/edit", data=form)

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Before publishing, check:" in page
    assert "Its timetable is empty" in page and "It has no summary" in page
    assert 'name="confirm" value="publish"' in page and "Publish anyway" in page
    db.session.expire_all()
    assert course.status == CourseStatus.DRAFT

    published = client.post(f"/courses/{course.slug}/edit", data={**form, "confirm": "publish"})
    assert published.status_code == 302
    db.session.expire_all()
    assert course.status == CourseStatus.PUBLISHED


def test_saving_a_draft_or_an_already_published_course_asks_nothing(client):
    organiser = make_user(Role.ORGANISER)
    draft = make_course(start=NOV, status=CourseStatus.DRAFT, organisers=(organiser,))
    live = make_course(start=NOV, organisers=(organiser,))
    db.session.commit()
    login(client, organiser)
    for course, status in ((draft, "draft"), (live, "published")):
        response = client.post(
            f"/courses/{course.slug}/edit",
            data=course_form(
                course.venue, slug=course.slug, status=status, start_date="2027-11-15"
            ),
        )
        assert response.status_code == 302, course.slug
