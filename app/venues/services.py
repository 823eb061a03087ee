"""The rules for venues and their rooms.

Services flush, never commit: the route (or command) that calls them commits once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.schedule.models import CourseSession
from app.venues.models import Room, Venue

if TYPE_CHECKING:
    from app.accounts.models import User

log = logging.getLogger(__name__)

# Keys zoneinfo knows that do not name a place's clock: "localtime" is whatever the server uses.
_NOT_VENUE_ZONES = {"localtime", "Factory", "posixrules"}
_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


class VenueError(Exception):
    """A change to a venue that the rules refuse."""


class UnknownTimeZone(VenueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown time zone {name!r}")
        self.name = name


class RoomInUse(VenueError):
    """Removing the room would leave sessions without their room."""

    def __init__(self, room: Room, sessions: int) -> None:
        super().__init__(f"room {room.name!r} is used by {sessions} session(s)")
        self.room = room
        self.sessions = sessions


class RoomNameTaken(VenueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"two rooms of the venue would be called {name!r}")
        self.name = name


class UnknownRoom(VenueError):
    """A room id that is not one of this venue's rooms."""


@dataclass(frozen=True)
class RoomData:
    """One room of a venue: a new one when ``room_id`` is None."""

    name: str
    seats: int | None = None
    room_id: int | None = None
    remove: bool = False


@dataclass(frozen=True)
class VenueData:
    name: str
    timezone: str
    address: str = ""
    city: str = ""
    country: str = ""  # ISO 3166-1 alpha-2, or empty
    # Rooms to add, change or remove; rooms of the venue not listed here are left alone.
    rooms: tuple[RoomData, ...] = ()


# Time zones


@lru_cache(maxsize=1)
def _zones_by_folded_name() -> dict[str, str]:
    # Scanning the zone database is slow: once per process is enough.
    return {name.casefold(): name for name in available_timezones() - _NOT_VENUE_ZONES}


def canonical_timezone(name: str) -> str | None:
    """The IANA name as spelt in the zone database (``europe/rome`` → ``Europe/Rome``), or None."""
    return _zones_by_folded_name().get(name.strip().casefold())


@lru_cache(maxsize=1)
def timezone_suggestions() -> tuple[str, ...]:
    """The Area/City zones (plus UTC), for a list to choose from; old aliases are left out."""
    names = _zones_by_folded_name().values()
    return ("UTC", *sorted(n for n in names if n.startswith(_REGIONS)))


# Reading


def list_venues() -> list[Venue]:
    stmt = sa.select(Venue).options(selectinload(Venue.rooms)).order_by(Venue.name, Venue.id)
    return list(db.session.scalars(stmt))


def room_usage(rooms: Iterable[Room]) -> dict[int, int]:
    """How many sessions are booked in each room, by room id (rooms without any are absent)."""
    ids = [room.id for room in rooms if room.id is not None]
    if not ids:
        return {}
    stmt = (
        sa.select(CourseSession.room_id, sa.func.count())
        .where(CourseSession.room_id.in_(ids))
        .group_by(CourseSession.room_id)
    )
    return {room_id: count for room_id, count in db.session.execute(stmt) if room_id is not None}


# Changing


def _check_timezone(name: str) -> str:
    canonical = canonical_timezone(name)
    if canonical is None:
        raise UnknownTimeZone(name)
    return canonical


def _apply_rooms(venue: Venue, rooms: Iterable[RoomData]) -> None:
    """Add, rename and remove rooms, refusing to remove a room that sessions use.

    Removing such a room would clear those sessions' room (ON DELETE SET NULL) behind the
    organisers' backs, changing published timetables and calendar feeds; on SQLite, where
    foreign keys are not enforced, they would even keep pointing at a room that is gone.
    """
    by_id = {room.id: room for room in venue.rooms if room.id is not None}
    removals: list[Room] = []
    renames: list[tuple[Room, RoomData]] = []
    additions: list[RoomData] = []
    for item in rooms:
        if item.room_id is None:
            if not item.remove and item.name.strip():
                additions.append(item)
        elif item.room_id not in by_id:
            raise UnknownRoom(f"room {item.room_id} is not a room of venue {venue.id}")
        elif item.remove:
            removals.append(by_id[item.room_id])
        else:
            renames.append((by_id[item.room_id], item))

    usage = room_usage(removals)
    for room in removals:
        if usage.get(room.id):
            raise RoomInUse(room, usage[room.id])

    # The names the venue will have: each must be unique (ignoring case, to avoid near-twins).
    changed = {room.id for room, _ in renames} | {room.id for room in removals}
    final = [room.name for room in venue.rooms if room.id not in changed]
    final += [item.name.strip() for _, item in renames] + [a.name.strip() for a in additions]
    seen: set[str] = set()
    for name in final:
        if name.casefold() in seen:
            raise RoomNameTaken(name)
        seen.add(name.casefold())

    # Deletes, then renames, then inserts, each flushed: the unique (venue, name) constraint
    # is checked row by row, so a freed or swapped name must be released before it is reused.
    for room in removals:
        venue.rooms.remove(room)
    db.session.flush()
    moved = [(room, item) for room, item in renames if room.name != item.name.strip()]
    for room, _ in moved:
        room.name = f"~renaming~{room.id}~"  # unique placeholder, replaced just below
    db.session.flush()
    for room, item in renames:
        room.name = item.name.strip()
        room.seats = item.seats
    db.session.flush()
    for item in additions:
        venue.rooms.append(Room(name=item.name.strip(), seats=item.seats))
    db.session.flush()


def create_venue(data: VenueData, *, actor: User | None) -> Venue:
    """Add a venue with its rooms. Raises UnknownTimeZone or RoomNameTaken."""
    venue = Venue(
        name=data.name.strip(),
        address=data.address.strip(),
        city=data.city.strip(),
        country=data.country.strip().upper(),
        timezone=_check_timezone(data.timezone),
    )
    db.session.add(venue)
    db.session.flush()
    _apply_rooms(venue, [room for room in data.rooms if room.room_id is None])
    log.info("venue %s created by %s", venue.id, getattr(actor, "id", None))
    return venue


def update_venue(venue: Venue, data: VenueData, *, actor: User | None) -> Venue:
    """Change a venue's details and rooms.

    Raises UnknownTimeZone, RoomInUse, RoomNameTaken or UnknownRoom before changing anything
    that matters, so a caller can show the error and roll back. A new time zone does not move
    sessions: they keep their instant in UTC, so their local times as shown change.
    """
    timezone = _check_timezone(data.timezone)
    _apply_rooms(venue, data.rooms)
    venue.name = data.name.strip()
    venue.address = data.address.strip()
    venue.city = data.city.strip()
    venue.country = data.country.strip().upper()
    venue.timezone = timezone
    db.session.flush()
    log.info("venue %s updated by %s", venue.id, getattr(actor, "id", None))
    return venue


# Seeding

TURIN = VenueData(
    name="ITC-ILO campus",
    address="Viale Maestri del Lavoro 10, 10127 Turin",
    city="Turin",
    country="IT",
    timezone="Europe/Rome",
    # Rooms of the campus conference centre; names and sizes are illustrative.
    rooms=(
        RoomData("Auditorium", 150),
        RoomData("Plenary room", 100),
        RoomData("Room Europe", 60),
        RoomData("Room Africa", 40),
        RoomData("Room Americas", 40),
        RoomData("Room Asia", 30),
    ),
)


def seed_turin_venue() -> Venue:
    """The ITC-ILO campus in Turin, created with its rooms if no venue of that name and city
    exists yet. An existing one is returned untouched, keeping any rooms an administrator
    changed. Flushes, does not commit."""
    existing = db.session.scalar(
        sa.select(Venue)
        .where(Venue.name == TURIN.name, Venue.city == TURIN.city)
        .order_by(Venue.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    return create_venue(TURIN, actor=None)
