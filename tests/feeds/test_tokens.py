"""Secret feed links: making, finding, revoking and using them, and the page that lists them."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.feeds import services
from app.feeds.models import FeedKind, FeedToken
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

NOW = datetime(2017, 11, 20, 9, 0, tzinfo=UTC)
FEED_PATH = re.compile(r"/feeds/([A-Za-z0-9_-]+)\.ics")


def feed_path(raw: str) -> str:
    return f"/feeds/{raw}.ics"


def assert_plain_404(response) -> None:
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert b"<" not in response.data


@pytest.fixture
def participant():
    user = make_user()
    make_registration(make_course(), user)
    db.session.commit()
    return user


# Services ----------------------------------------------------------------------------------


def test_a_new_token_is_random_and_only_its_hash_is_stored(participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "  Phone  ")
    _other_row, other_raw = services.create_feed_token(participant, FeedKind.PERSONAL, "Laptop")
    db.session.commit()

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", raw)
    assert raw != other_raw
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.label == "Phone"
    assert row.last_used_at is None
    # Nothing in the table holds the raw token.
    with db.engine.connect() as conn:
        for values in conn.execute(sa.select(FeedToken.__table__)):
            assert all(raw not in str(value) for value in values)
            assert all(other_raw not in str(value) for value in values)


def test_the_token_is_found_by_its_raw_value_only(participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()
    assert services.find_feed_token(raw) == row
    assert services.find_feed_token(row.token_hash) is None
    assert services.find_feed_token(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


@pytest.mark.parametrize(
    "malformed",
    ["", "short", "a" * 65, "a" * 10_000, "é" * 43, "../../etc/passwd" + "a" * 30, "a b" * 15],
)
def test_malformed_tokens_are_refused_before_any_lookup(participant, malformed):
    assert services.find_feed_token(malformed) is None


def test_a_revoked_token_is_gone(participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    services.revoke_feed_token(row, actor=participant)
    db.session.commit()
    assert services.find_feed_token(raw) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedToken)) == 0


def test_only_the_owner_may_revoke(participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    with pytest.raises(services.NotYourLink):
        services.revoke_feed_token(row, actor=make_user(Role.ADMIN))
    assert services.find_feed_token(raw) == row


def test_a_deactivated_users_links_stop_working(participant):
    _row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    participant.is_active = False
    db.session.commit()
    assert services.find_feed_token(raw) is None


def test_touch_writes_at_most_once_an_hour(participant):
    row, _raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    assert services.touch(row, NOW)
    assert row.last_used_at == NOW
    assert not services.touch(row, NOW + timedelta(minutes=59))
    assert row.last_used_at == NOW
    assert services.touch(row, NOW + timedelta(minutes=61))
    assert row.last_used_at == NOW + timedelta(minutes=61)


def test_organiser_links_are_for_people_who_run_courses():
    participant = make_user()
    facilitator = make_user()
    make_course(facilitators=(facilitator,))
    organiser = make_user(Role.ORGANISER)
    assert services.allowed_kinds(participant) == [FeedKind.PERSONAL]
    assert services.allowed_kinds(facilitator) == [FeedKind.PERSONAL, FeedKind.ORGANISER]
    assert services.allowed_kinds(organiser) == [FeedKind.PERSONAL, FeedKind.ORGANISER]
    with pytest.raises(services.KindNotAllowed):
        services.create_feed_token(participant, FeedKind.ORGANISER, "")


# The feed behind a link --------------------------------------------------------------------


def test_a_link_serves_its_feed_and_records_its_use_once_an_hour(client, participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()

    response = client.get(feed_path(raw))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    db.session.refresh(row)
    first_use = row.last_used_at
    assert first_use is not None

    assert client.get(feed_path(raw)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at == first_use  # a poll minutes later writes nothing

    row.last_used_at = first_use - timedelta(hours=2)
    db.session.commit()
    assert client.get(feed_path(raw), headers={"If-None-Match": '"x"'}).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at > first_use - timedelta(hours=2)


def test_wrong_and_malformed_tokens_get_a_plain_404(client, participant):
    _row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()
    wrong = ("B" if raw[0] == "A" else "A") + raw[1:]
    for path in (feed_path(wrong), feed_path("x"), feed_path("a" * 300), feed_path("%00" * 43)):
        assert_plain_404(client.get(path))
    assert_plain_404(client.head(feed_path(wrong)))


def test_the_token_never_reaches_the_logs(app, client, participant, monkeypatch, caplog):
    _row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()
    with caplog.at_level(logging.DEBUG):
        assert client.get(feed_path(raw)).status_code == 200
        assert client.get(feed_path(raw[::-1])).status_code == 404

        def broken(row):
            raise RuntimeError("no calendar today")

        monkeypatch.setattr(services, "private_feed_version", broken)
        failed = client.get(feed_path(raw))
    assert failed.status_code == 500
    assert failed.mimetype == "text/plain"
    assert "Calendar feed feeds.private failed" in caplog.text
    assert raw not in caplog.text
    assert raw[::-1] not in caplog.text


# The links page ----------------------------------------------------------------------------


def create(client, **data: str):
    return client.post("/account/calendars", data={"kind": "personal", "label": "", **data})


def test_the_page_needs_a_login(client):
    response = client.get("/account/calendars")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.post("/account/calendars", data={"kind": "personal"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedToken)) == 0


def test_the_profile_links_to_the_page(client, participant):
    login(client, participant)
    assert 'href="/account/calendars"' in client.get("/account").text


def test_the_address_is_shown_once_then_never_again(client, participant):
    login(client, participant)
    response = create(client, label="Phone")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [raw] = set(FEED_PATH.findall(response.text))
    https = f"http://atelier.test/feeds/{raw}.ics"  # SITE_URL of the tests
    assert f'value="{https}"' in response.text
    assert f'value="webcal://atelier.test/feeds/{raw}.ics"' in response.text
    assert "calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fatelier.test%2Ffeeds%2F" in (
        response.text
    )
    assert "outlook.office.com/calendar/0/addfromweb?url=http%3A%2F%2Fatelier.test" in (
        response.text
    )
    for help_line in (
        "Other calendars → From URL",
        "Add calendar → Subscribe from web",
        "File → New Calendar Subscription",
        "New Calendar → On the Network",
    ):
        assert help_line in response.text
    assert client.get(f"/feeds/{raw}.ics").status_code == 200

    listing = client.get("/account/calendars")
    assert listing.status_code == 200
    assert "Phone" in listing.text
    assert raw not in listing.text
    assert not FEED_PATH.search(listing.text)
    [row] = services.user_feed_tokens(participant)
    assert row.token_hash not in listing.text


def test_a_participant_cannot_make_an_organiser_link(client, participant):
    login(client, participant)
    page = client.get("/account/calendars").text
    assert 'value="personal"' in page
    assert 'value="organiser"' not in page
    response = create(client, kind="organiser")
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert services.user_feed_tokens(participant) == []


def test_a_team_member_can_make_an_organiser_link(client):
    facilitator = make_user()
    make_course(facilitators=(facilitator,))
    db.session.commit()
    login(client, facilitator)
    assert 'value="organiser"' in client.get("/account/calendars").text
    assert create(client, kind="organiser", label="Work").status_code == 200
    [row] = services.user_feed_tokens(facilitator)
    assert row.kind == FeedKind.ORGANISER


def test_an_over_long_label_is_refused(client, participant):
    login(client, participant)
    response = create(client, label="x" * 101)
    assert "Field cannot be longer than 100 characters." in response.text
    assert services.user_feed_tokens(participant) == []


def test_revoking_stops_the_link_at_once_and_a_new_one_works(client, participant):
    login(client, participant)
    [old] = set(FEED_PATH.findall(create(client, label="Old phone").text))
    assert client.get(feed_path(old)).status_code == 200
    [row] = services.user_feed_tokens(participant)

    response = client.post(f"/account/calendars/{row.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/calendars"
    assert_plain_404(client.get(feed_path(old)))

    [new] = set(FEED_PATH.findall(create(client, label="New phone").text))
    assert new != old
    assert client.get(feed_path(new)).status_code == 200
    assert "Old phone" not in client.get("/account/calendars").text


def test_another_users_link_cannot_be_revoked(client, participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "Mine")
    intruder = make_user()
    db.session.commit()
    login(client, intruder)
    assert client.post(f"/account/calendars/{row.id}/revoke").status_code == 404
    assert client.post("/account/calendars/999999/revoke").status_code == 404
    assert services.find_feed_token(raw) is not None
    assert "Mine" not in client.get("/account/calendars").text


def test_revoking_needs_the_pages_csrf_token(csrf_app, participant):
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "Phone")
    db.session.commit()
    client = login(csrf_app.test_client(), participant)

    assert client.post(f"/account/calendars/{row.id}/revoke").status_code == 400
    assert services.find_feed_token(raw) is not None

    page = client.get("/account/calendars").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/account/calendars/{row.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert services.find_feed_token(raw) is None
