"""A host event's programme: its sessions and side events interleaved by start time."""

from __future__ import annotations

from datetime import date, time

from app.courses.event_programme import SideEventEntry, with_side_events
from app.courses.models import CourseKind
from app.extensions import db
from app.schedule.services import sessions_by_day
from tests.events.conftest import QUITO, add_session, make_event

DAY = date(2016, 10, 18)


def _titles(days):
    return [
        (
            day,
            [
                row.event.title("en") if isinstance(row, SideEventEntry) else row.title
                for row in rows
            ],
        )
        for day, rows in days
    ]


def test_side_events_fall_between_the_sessions_by_start_and_on_their_local_day():
    host = make_event(
        kind=CourseKind.CONFERENCE, title="Habitat III", start=date(2016, 10, 17), days=4
    )
    add_session(host, "Opening", DAY, time(9), time(10))
    add_session(host, "Dialogue", DAY, time(11), time(12))
    side = make_event(title="Toolbox side event", host=host, venue=host.venue)
    add_session(side, "Talk", DAY, time(10, 59), time(11, 30))
    # 23:30 in Quito is 04:30 UTC the next day: still the 18th where the page shows times.
    late = make_event(title="Late side event", host=host, venue=host.venue)
    add_session(late, "Night talk", DAY, time(23, 30), time(23, 59))
    # No session yet: listed first on the day it starts.
    unplanned = make_event(
        title="Unplanned launch", host=host, venue=host.venue, start=date(2016, 10, 20)
    )
    other = make_event(title="Other conference", kind=CourseKind.CONFERENCE, start=DAY)
    add_session(other, "Not ours", DAY, time(10), time(11))
    db.session.flush()

    days = with_side_events(sessions_by_day(host, QUITO), [side, late, unplanned], QUITO)

    assert _titles(days) == [
        (DAY, ["Opening", "Toolbox side event", "Dialogue", "Late side event"]),
        (date(2016, 10, 20), ["Unplanned launch"]),
    ]
    [toolbox] = [row for row in days[0][1] if isinstance(row, SideEventEntry) and row.event == side]
    assert (toolbox.starts_at, toolbox.ends_at) == (
        side.sessions[0].starts_at,
        side.sessions[0].ends_at,
    )


def test_a_session_and_a_side_event_at_the_same_minute_list_the_session_first():
    host = make_event(kind=CourseKind.CONFERENCE, title="Habitat III", start=DAY, days=1)
    side = make_event(title="Side", host=host, venue=host.venue)
    add_session(side, "Talk", DAY, time(10), time(11))
    add_session(host, "Plenary", DAY, time(10), time(12))
    db.session.flush()
    days = with_side_events(sessions_by_day(host, QUITO), [side], QUITO)
    assert _titles(days) == [(DAY, ["Plenary", "Side"])]
