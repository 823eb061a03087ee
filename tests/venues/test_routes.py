"""The venue pages: administrators only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import Role
from app.extensions import db
from app.schedule.models import CourseSession
from app.venues.models import Room, Venue
from tests.conftest import login
from tests.factories import make_course, make_user, make_venue


def _admin(client, locale: str = "en"):
    admin = make_user(Role.ADMIN, locale=locale)
    db.session.commit()
    return login(client, admin)


def _form(venue: Venue | None = None, **overrides: str) -> dict[str, str]:
    """The form as the browser sends it: the venue's values and its rooms, then empty rows."""
    data = {
        "name": venue.name if venue else "Training campus",
        "address": venue.address if venue else "1 Example Street",
        "city": venue.city if venue else "Turin",
        "country": venue.country if venue else "IT",
        "timezone": venue.timezone if venue else "Europe/Rome",
    }
    rooms = sorted(venue.rooms, key=lambda r: r.name) if venue else []
    for i, room in enumerate(rooms):
        data[f"rooms-{i}-room_id"] = str(room.id)
        data[f"rooms-{i}-name"] = room.name
        data[f"rooms-{i}-seats"] = str(room.seats or "")
    for i in range(len(rooms), len(rooms) + 3):
        data.update({f"rooms-{i}-room_id": "", f"rooms-{i}-name": "", f"rooms-{i}-seats": ""})
    data.update(overrides)
    return data


def _errors(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errors" id="{field_id}-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def _rooms(venue_id: int) -> dict[str, int | None]:
    rooms = db.session.scalars(sa.select(Room).where(Room.venue_id == venue_id))
    return {room.name: room.seats for room in rooms}


def test_admin_sees_the_venues(client):
    make_venue(rooms=("Auditorium",))
    _admin(client)
    html = client.get("/venues/").get_data(as_text=True)
    assert "ITC-ILO campus" in html
    assert "Europe/Rome" in html
    assert "Auditorium" in html


def test_admin_creates_a_venue_with_rooms(client):
    _admin(client)
    form = _form(**{"rooms-0-name": "Room Europe", "rooms-0-seats": "60", "rooms-1-name": "Annex"})
    response = client.post("/venues/new", data=form)
    assert response.status_code == 302
    venue = db.session.scalar(sa.select(Venue))
    assert venue is not None
    assert (venue.name, venue.country, venue.timezone) == ("Training campus", "IT", "Europe/Rome")
    assert _rooms(venue.id) == {"Room Europe": 60, "Annex": None}


def test_new_venue_form_proposes_the_default_time_zone(client):
    _admin(client)
    html = client.get("/venues/new").get_data(as_text=True)
    assert 'value="Europe/Rome"' in html
    assert '<datalist id="timezone-names">' in html
    assert 'id="rooms-2-name"' in html  # empty rows for rooms


def test_unknown_time_zone_is_a_form_error(client):
    _admin(client)
    response = client.post("/venues/new", data=_form(timezone="Europe/Turin"))
    assert response.status_code == 200
    assert "is not a time zone we know" in _errors(response.get_data(as_text=True), "timezone")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 0


def test_time_zone_spelling_is_corrected(client):
    _admin(client)
    client.post("/venues/new", data=_form(timezone="america/bogota"))
    assert db.session.scalar(sa.select(Venue.timezone)) == "America/Bogota"


def test_country_names_are_in_the_visitors_language(client):
    _admin(client, locale="fr")
    html = client.get("/venues/new").get_data(as_text=True)
    assert '<option value="IT">Italie</option>' in html
    assert '<option value="DE">Allemagne</option>' in html


def test_unknown_country_is_refused(client):
    _admin(client)
    response = client.post("/venues/new", data=_form(country="EU"))
    assert _errors(response.get_data(as_text=True), "country")


def test_admin_adds_renames_and_removes_rooms(client):
    venue = make_venue(rooms=("Room A", "Room B"))
    _admin(client)
    form = _form(
        venue,
        **{
            "rooms-0-name": "Room Alpha",
            "rooms-0-seats": "55",
            "rooms-1-remove": "y",
            "rooms-2-name": "Room C",
            "rooms-2-seats": "30",
        },
    )
    response = client.post(f"/venues/{venue.id}/edit", data=form)
    assert response.status_code == 302
    assert _rooms(venue.id) == {"Room Alpha": 55, "Room C": 30}


def test_a_room_with_sessions_is_not_removed(client):
    venue = make_venue(rooms=("Room A", "Room B"))
    room = next(r for r in venue.rooms if r.name == "Room A")
    db.session.add(
        CourseSession(
            course=make_course(venue=venue),
            title="Opening",
            starts_at=datetime(2017, 11, 20, 8, tzinfo=UTC),
            ends_at=datetime(2017, 11, 20, 9, tzinfo=UTC),
            room=room,
        )
    )
    _admin(client)
    edit = client.get(f"/venues/{venue.id}/edit").get_data(as_text=True)
    assert "used by 1 session" in edit
    response = client.post(f"/venues/{venue.id}/edit", data=_form(venue, **{"rooms-0-remove": "y"}))
    assert response.status_code == 200
    assert "cannot be removed" in _errors(response.get_data(as_text=True), "rooms-0-remove")
    assert set(_rooms(venue.id)) == {"Room A", "Room B"}
    assert db.session.scalar(sa.select(CourseSession.room_id)) == room.id


def test_two_rooms_with_one_name_is_a_form_error(client):
    venue = make_venue(rooms=("Room A",))
    _admin(client)
    response = client.post(
        f"/venues/{venue.id}/edit", data=_form(venue, **{"rooms-1-name": "room a"})
    )
    assert "Another room" in _errors(response.get_data(as_text=True), "rooms-1-name")


def test_a_room_of_another_venue_cannot_be_edited_through_this_one(client):
    venue = make_venue(rooms=("Room A",))
    other = make_venue(rooms=("Elsewhere",))
    _admin(client)
    form = _form(venue, **{"rooms-1-room_id": str(other.rooms[0].id), "rooms-1-name": "Stolen"})
    response = client.post(f"/venues/{venue.id}/edit", data=form)
    assert response.status_code == 200
    assert _rooms(other.id) == {"Elsewhere": 40}


def test_changing_the_time_zone_warns(client):
    venue = make_venue(rooms=())
    _admin(client)
    response = client.post(
        f"/venues/{venue.id}/edit",
        data=_form(venue, timezone="Europe/London"),
        follow_redirects=True,
    )
    assert "The time zone changed" in response.get_data(as_text=True)


def test_unknown_venue_is_404(client):
    _admin(client)
    assert client.get("/venues/999/edit").status_code == 404


def venue_urls(app: Flask) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "venues":
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_the_walk_finds_the_venue_routes(app):
    assert {path for _, path in venue_urls(app)} == {"/venues/", "/venues/new", "/venues/1/edit"}


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
def test_venue_pages_refuse_everyone_but_administrators(app, client, role):
    venue = make_venue()
    login(client, make_user(role))
    db.session.commit()
    for method, path in venue_urls(app):
        path = path.replace("/1/", f"/{venue.id}/")
        response = client.open(path, method=method, data=_form(venue, name="Changed"))
        assert response.status_code == 403, f"{role}: {method} {path} {response.status_code}"
    db.session.expire_all()
    assert venue.name == "ITC-ILO campus"


def test_venue_pages_send_visitors_to_log_in(app, client):
    for method, path in venue_urls(app):
        response = client.open(path, method=method)
        assert response.status_code == 302, f"{method} {path}"
        assert "/login" in response.headers["Location"]
