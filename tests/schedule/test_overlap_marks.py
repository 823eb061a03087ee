"""Saving a session that overlaps another: the warning where the page opens, beside the day,
and both sessions marked in the table with words (not colour alone)."""

from __future__ import annotations

import re
from datetime import date, time

from app.extensions import db
from tests.factories import make_course
from tests.schedule.conftest import add_session
from tests.schedule.test_routes import course, organiser, session_form, signed_in  # noqa: F401

WEDNESDAY = date(2017, 11, 22)


def row(html: str, title: str) -> str:
    cells = r'<td class="time">[^<]*</td>\s*<td>\s*'
    found = re.search(
        rf'<tr id="session-\d+" class="([^"]*)">\s*{cells}{re.escape(title)}(.*?)</td>', html, re.S
    )
    assert found is not None, title
    return found.group(1) + found.group(2)


def test_saving_an_overlap_opens_on_the_warning_and_marks_both_rows(signed_in, course):  # noqa: F811
    room = course.venue.rooms[0]
    add_session(course, "Plenary", day=WEDNESDAY, start=time(14), end=time(15), room=room)
    add_session(course, "Coffee", day=WEDNESDAY, start=time(17, 30), end=time(18), room=room)
    add_session(course, "Lunch", day=WEDNESDAY, start=time(12, 30), end=time(14), room=room)
    db.session.commit()

    saved = signed_in.post(
        "/courses/governing-migration/sessions/new", data=session_form(course, room=str(room.id))
    )

    location = saved.headers["Location"]
    assert re.search(r"/courses/governing-migration/timetable\?saved=\d+#day-2017-11-22$", location)
    html = signed_in.get(location).get_data(as_text=True)
    warning = html.index('id="overlap-warning"')
    # Inside Wednesday's section, before its table; not only at the top of the page.
    assert (
        html.index('id="day-2017-11-22"')
        < warning
        < html.index("Study visit to the City of Turin", warning)
    )
    when = "2:00\u202fPM–3:00\u202fPM"
    assert f"“Study visit to the City of Turin” overlaps “Plenary” ({when}) in Room A." in html
    for title in ("Plenary", "Study visit to the City of Turin"):
        marked = row(html, title)
        assert "has-overlap" in marked and "Room conflict" in marked
    # Sessions that only touch it (ending at 14:00, starting at 17:30) are not marked.
    for title in ("Lunch", "Coffee"):
        assert "Room conflict" not in row(html, title)


def test_a_session_without_overlap_goes_back_to_its_day(signed_in, course):  # noqa: F811
    add_session(
        course, "Plenary", day=WEDNESDAY, start=time(14), end=time(15), room=course.venue.rooms[0]
    )
    db.session.commit()
    saved = signed_in.post(
        "/courses/governing-migration/sessions/new",
        data=session_form(course, room=str(course.venue.rooms[1].id)),
    )
    assert saved.headers["Location"].endswith(
        "/courses/governing-migration/timetable#day-2017-11-22"
    )
    html = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "overlap-warning" not in html and "Room conflict" not in html


def test_the_saved_argument_shows_only_this_courses_conflicts(signed_in, course):  # noqa: F811
    other = make_course(slug="governing-migration-quito", start=date(2017, 11, 20))
    room = other.venue.rooms[0]
    theirs = add_session(other, "Plenary", day=WEDNESDAY, start=time(14), end=time(15), room=room)
    add_session(other, "Panel", day=WEDNESDAY, start=time(14), end=time(15), room=room)
    db.session.commit()
    for value in (str(theirs.id), "abc", "2147483648", "99999999999999999999", "1\x00", "-1"):
        page = signed_in.get(
            "/courses/governing-migration/timetable", query_string={"saved": value}
        )
        assert page.status_code == 200
        assert "overlap-warning" not in page.get_data(as_text=True)
