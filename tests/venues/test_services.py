"""The rules for venues and rooms, called without a request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.schedule.models import CourseSession
from app.venues.models import Room, Venue
from app.venues.services import (
    RoomData,
    RoomInUse,
    RoomNameTaken,
    UnknownRoom,
    UnknownTimeZone,
    VenueData,
    canonical_timezone,
    create_venue,
    room_usage,
    seed_turin_venue,
    timezone_suggestions,
    update_venue,
)
from tests.factories import make_course, make_venue


def _names(venue: Venue) -> dict[str, int | None]:
    db.session.expire(venue, ["rooms"])
    return {room.name: room.seats for room in venue.rooms}


def _keep(venue: Venue, **changes: object) -> VenueData:
    """The venue's own details, with some changed."""
    values: dict[str, object] = {
        "name": venue.name,
        "address": venue.address,
        "city": venue.city,
        "country": venue.country,
        "timezone": venue.timezone,
    }
    values.update(changes)
    return VenueData(**values)  # type: ignore[arg-type]


def _book(room: Room) -> CourseSession:
    session = CourseSession(
        course=make_course(venue=room.venue),
        title="Opening",
        starts_at=datetime(2017, 11, 20, 8, tzinfo=UTC),
        ends_at=datetime(2017, 11, 20, 9, tzinfo=UTC),
        room=room,
    )
    db.session.add(session)
    db.session.flush()
    return session


def test_seed_turin_venue_creates_the_campus_with_its_rooms():
    venue = seed_turin_venue()
    assert (venue.city, venue.country, venue.timezone) == ("Turin", "IT", "Europe/Rome")
    assert "Viale Maestri del Lavoro 10" in venue.address
    assert len(venue.rooms) >= 4
    assert all(30 <= (room.seats or 0) <= 150 for room in venue.rooms)


def test_seed_turin_venue_is_idempotent_and_keeps_edits():
    first = seed_turin_venue()
    first.rooms[0].name = "Renamed by an administrator"
    db.session.commit()
    rooms = db.session.scalar(sa.select(sa.func.count()).select_from(Room))
    second = seed_turin_venue()
    db.session.commit()
    assert second.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == rooms
    assert "Renamed by an administrator" in _names(second)


def test_timezones_are_checked_and_spelt_as_in_the_zone_database():
    assert canonical_timezone(" europe/rome ") == "Europe/Rome"
    assert canonical_timezone("Europe/Turin") is None
    assert canonical_timezone("localtime") is None  # the server's clock, not a venue's
    assert "Europe/Rome" in timezone_suggestions()
    assert "US/Eastern" not in timezone_suggestions()  # aliases are accepted, not suggested


def test_create_venue_refuses_an_unknown_time_zone():
    with pytest.raises(UnknownTimeZone):
        create_venue(VenueData(name="Somewhere", timezone="Mars/Olympus_Mons"), actor=None)


def test_create_venue_with_rooms():
    venue = create_venue(
        VenueData(
            name="Campus",
            city="Turin",
            country="it",
            timezone="europe/rome",
            rooms=(RoomData("Room A", 40), RoomData("  "), RoomData("Room B")),
        ),
        actor=None,
    )
    assert (venue.country, venue.timezone) == ("IT", "Europe/Rome")
    assert _names(venue) == {"Room A": 40, "Room B": None}


def test_update_venue_adds_renames_and_removes_rooms():
    venue = make_venue(rooms=("Room A", "Room B", "Room C"))
    a, b, c = sorted(venue.rooms, key=lambda r: r.name)
    update_venue(
        venue,
        _keep(
            venue,
            rooms=(
                RoomData("Room Alpha", 50, room_id=a.id),
                RoomData("Room B", 40, room_id=b.id, remove=True),
                RoomData("Room D", 30),
            ),
        ),
        actor=None,
    )
    db.session.commit()
    assert _names(venue) == {"Room Alpha": 50, "Room C": 40, "Room D": 30}
    assert db.session.get(Room, c.id) is not None  # untouched rooms keep their id


def test_rooms_may_swap_names_or_reuse_a_removed_name():
    venue = make_venue(rooms=("Room A", "Room B"))
    a, b = sorted(venue.rooms, key=lambda r: r.name)
    update_venue(
        venue,
        _keep(venue, rooms=(RoomData("Room B", room_id=a.id), RoomData("Room A", room_id=b.id))),
        actor=None,
    )
    assert (a.name, b.name) == ("Room B", "Room A")
    update_venue(
        venue,
        _keep(venue, rooms=(RoomData("Room A", room_id=b.id, remove=True), RoomData("Room A"))),
        actor=None,
    )
    db.session.commit()
    assert set(_names(venue)) == {"Room A", "Room B"}
    assert next(r for r in venue.rooms if r.name == "Room B").id == a.id


def test_two_rooms_cannot_share_a_name():
    venue = make_venue(rooms=("Room A",))
    with pytest.raises(RoomNameTaken):
        update_venue(venue, _keep(venue, rooms=(RoomData("room a"),)), actor=None)


def test_a_room_of_another_venue_cannot_be_changed():
    venue = make_venue(rooms=("Room A",))
    other = make_venue(rooms=("Elsewhere",))
    with pytest.raises(UnknownRoom):
        update_venue(
            venue, _keep(venue, rooms=(RoomData("Mine", room_id=other.rooms[0].id),)), actor=None
        )


def test_a_room_with_sessions_cannot_be_removed():
    venue = make_venue(rooms=("Room A", "Room B"))
    room = next(r for r in venue.rooms if r.name == "Room A")
    session = _book(room)
    assert room_usage(venue.rooms) == {room.id: 1}
    with pytest.raises(RoomInUse) as refused:
        update_venue(
            venue,
            _keep(venue, name="Renamed", rooms=(RoomData("Room A", room_id=room.id, remove=True),)),
            actor=None,
        )
    assert refused.value.sessions == 1
    db.session.commit()
    db.session.expire_all()
    assert session.room_id == room.id
    assert venue.name == "ITC-ILO campus"  # nothing of the refused change was kept
