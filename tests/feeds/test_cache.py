"""The course feed's version and cache: a conditional GET answered from one query without
building anything, a full GET from the cache, and every change that alters the feed giving a
new version, so that the next GET shows it (whichever service made the change)."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.accounts.models import Role
from app.core.timeutil import to_local
from app.courses import services as courses
from app.courses.models import CourseStatus, CourseTranslation
from app.extensions import db
from app.feeds import cache, routes
from app.followup import services as followup
from app.followup.models import ActivityKind
from app.modules.services import ModuleData, ModuleText, update_module
from app.schedule import services as schedule
from app.venues.services import RoomData, VenueData, update_venue
from tests.courses.builders import details_of
from tests.factories import make_course, make_user, make_venue

from .conftest import add_activity, unfolded, utc


def feed_url(course, lang: str = "") -> str:
    return f"/courses/{course.slug}/calendar.ics" + (f"?lang={lang}" if lang else "")


@pytest.fixture
def admin():
    return make_user(Role.ADMIN, name="Site Admin")


@pytest.fixture
def published(course):
    course.contact_name = "Lucia Rossi"
    course.contact_email = "l.rossi@itcilo.example.org"
    db.session.commit()
    return course


def talks(course):
    return [s for s in course.sessions if not s.is_break]


class Statements:
    """The SQL statements sent while the block runs, by any engine."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        self.sent.append(statement)

    def __enter__(self) -> Statements:
        # Every engine's: polls answered before Flask use one of their own (app.feeds.conditional).
        sa.event.listen(Engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(Engine, "before_cursor_execute", self._count)


def refuse_to_build(monkeypatch) -> None:
    def built(*_args, **_kwargs):
        raise AssertionError("the feed was built")

    monkeypatch.setattr(routes, "course_calendar", built)
    monkeypatch.setattr(routes, "programme_calendar", built)
    monkeypatch.setattr(routes.services, "private_feed", built)


def after_change(client, url: str, before) -> str:
    """The feed once the change is committed: the client's copy is stale (200, a new ETag),
    and a plain GET serves the same new body. Its unfolded text."""
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != before.headers["ETag"]
    assert client.get(url).data == again.data
    return "\n".join(unfolded(again.data))


# Conditional and cached answers ----------------------------------------------------------------


def test_a_current_copy_gets_304_from_one_query_without_building(client, published, monkeypatch):
    first = client.get(feed_url(published))
    refuse_to_build(monkeypatch)
    with Statements() as statements:
        again = client.get(feed_url(published), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=900"
    assert len(statements.sent) == 1, statements.sent
    assert "course_session" in statements.sent[0]


def test_if_modified_since_alone_gets_304_without_building(client, published, monkeypatch):
    first = client.get(feed_url(published))
    refuse_to_build(monkeypatch)
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get(feed_url(published), headers=since).status_code == 304
    # Another copy (another ETag) is not current, whatever the date says.
    other = {**since, "If-None-Match": '"0123456789abcdef0123456789abcdef01234567"'}
    assert client.get(feed_url(published), headers=other).status_code == 200


def test_a_second_full_get_is_served_from_the_cache(client, published, monkeypatch):
    first = client.get(feed_url(published))
    refuse_to_build(monkeypatch)
    with Statements() as statements:
        again = client.get(feed_url(published))
    assert again.status_code == 200
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert len(statements.sent) == 1, statements.sent


def test_each_language_is_its_own_version(client, published):
    published.translations.append(CourseTranslation(locale="fr", title="Gouverner la migration"))
    db.session.commit()
    english = client.get(feed_url(published))
    french = client.get(feed_url(published, "fr"))
    assert english.headers["ETag"] != french.headers["ETag"]
    assert "X-WR-CALNAME:Gouverner la migration" in unfolded(french.data)
    assert "X-WR-CALNAME:Gouverner la migration" not in unfolded(english.data)
    # A language the site does not offer reads as the course's own.
    assert client.get(feed_url(published, "xx")).headers["ETag"] == english.headers["ETag"]


def test_a_draft_or_unknown_course_has_no_version(client, published):
    assert cache.course_feed_version("no-such-course", "") is None
    published.status = CourseStatus.DRAFT
    db.session.commit()
    assert cache.course_feed_version(published.slug, "") is None
    assert client.get(feed_url(published)).status_code == 404


def test_the_version_follows_the_sites_name_and_address(app, published):
    before = cache.course_feed_version(published.slug, "")
    old = app.config["SITE_URL"]
    app.config["SITE_URL"] = "https://courses.example.org"
    try:
        moved = cache.course_feed_version(published.slug, "")
    finally:
        app.config["SITE_URL"] = old
    assert moved[1].etag != before[1].etag
    assert moved[1].last_modified == before[1].last_modified


# Changes to the course ------------------------------------------------------------------------


def test_a_new_title_and_summary_show_at_once(client, published, admin):
    before = client.get(feed_url(published))
    texts = {"en": courses.CourseText("Governing migration locally", "Three days in Turin.")}
    courses.update_course(
        published, details_of(published, texts=texts), slug=published.slug, actor=admin
    )
    text = after_change(client, feed_url(published), before)
    assert "X-WR-CALNAME:Governing migration locally" in text
    assert "X-WR-CALDESC:Three days in Turin." in text


def test_a_new_french_text_shows_in_the_french_feed(client, published):
    before = client.get(feed_url(published, "fr"))
    published.translations.append(CourseTranslation(locale="fr", title="Gouverner la migration"))
    text = after_change(client, feed_url(published, "fr"), before)
    assert "X-WR-CALNAME:Gouverner la migration" in text


def test_a_language_dropped_falls_back_in_its_feed(client, published, admin):
    published.translations.append(CourseTranslation(locale="fr", title="Gouverner la migration"))
    db.session.commit()
    before = client.get(feed_url(published, "fr"))
    texts = {"en": courses.CourseText(published.title("en"), "A five-day workshop.")}
    courses.update_course(
        published, details_of(published, texts=texts), slug=published.slug, actor=admin
    )
    text = after_change(client, feed_url(published, "fr"), before)
    assert "X-WR-CALNAME:Governing migration at the local level" in text


def test_new_dates_move_the_sessions(client, published, admin):
    before = client.get(feed_url(published))
    courses.update_course(
        published,
        details_of(published, start_date=date(2017, 11, 6)),
        slug=published.slug,
        actor=admin,
    )
    text = after_change(client, feed_url(published), before)
    assert "DTSTART;TZID=Europe/Rome:20171106T" in text
    assert "20171026T" not in text


def test_another_venue_shows_in_the_locations(client, published, admin):
    before = client.get(feed_url(published))
    geneva = make_venue("Europe/Zurich")
    geneva.name, geneva.address, geneva.city = "Palais des Nations", "Avenue de la Paix", "Geneva"
    courses.update_course(
        published, details_of(published, venue=geneva), slug=published.slug, actor=admin
    )
    text = after_change(client, feed_url(published), before)
    assert "Palais des Nations" in text
    assert "X-WR-TIMEZONE:Europe/Zurich" in text


def test_an_edited_venue_shows_in_the_locations(client, published, admin):
    before = client.get(feed_url(published))
    venue = published.venue
    data = VenueData(name="ITC-ILO training campus", timezone=venue.timezone, city="Turin")
    update_venue(venue, data, actor=admin)
    text = after_change(client, feed_url(published), before)
    assert "ITC-ILO training campus" in text


def test_a_renamed_room_shows_in_the_locations(client, published, admin):
    before = client.get(feed_url(published))
    venue = published.venue
    room = talks(published)[0].room
    data = VenueData(
        name=venue.name,
        timezone=venue.timezone,
        address=venue.address,
        city=venue.city,
        rooms=(RoomData("Sala Europa", 40, room_id=room.id),),
    )
    update_venue(venue, data, actor=admin)
    text = after_change(client, feed_url(published), before)
    assert "LOCATION:Sala Europa\\, ITC-ILO campus" in text


def test_an_edited_module_shows_in_the_descriptions(client, published, admin):
    before = client.get(feed_url(published))
    module = next(s.module for s in talks(published) if s.module is not None)
    data = ModuleData(code="T1", texts={"en": ModuleText("Coherent migration policies")})
    update_module(module, data, actor=admin)
    text = after_change(client, feed_url(published), before)
    assert "Coherent migration policies" in text


def test_cancelling_and_restoring_the_course_shows(client, published, admin):
    before = client.get(feed_url(published))
    status = CourseStatus.CANCELLED
    courses.update_course(
        published, details_of(published, status=status), slug=published.slug, actor=admin
    )
    text = after_change(client, feed_url(published), before)
    assert "STATUS:CANCELLED" in text
    assert "STATUS:CONFIRMED" not in text
    cancelled = client.get(feed_url(published))
    status = CourseStatus.PUBLISHED
    courses.update_course(
        published, details_of(published, status=status), slug=published.slug, actor=admin
    )
    assert "STATUS:CANCELLED" not in after_change(client, feed_url(published), cancelled)


def test_a_new_contact_is_the_organizer(client, published, admin):
    before = client.get(feed_url(published))
    changed = details_of(
        published, contact_name="Tesfaye Bekele", contact_email="t.bekele@iom.example.org"
    )
    courses.update_course(published, changed, slug=published.slug, actor=admin)
    text = after_change(client, feed_url(published), before)
    assert 'ORGANIZER;CN="Tesfaye Bekele":mailto:t.bekele@iom.example.org' in text or (
        "ORGANIZER;CN=Tesfaye Bekele:mailto:t.bekele@iom.example.org" in text
    )


def test_a_new_default_language_shows(client, published, admin):
    published.translations.append(CourseTranslation(locale="fr", title="Gouverner la migration"))
    db.session.commit()
    before = client.get(feed_url(published))
    changed = details_of(published, default_locale="fr", languages=["fr", "en"])
    courses.update_course(published, changed, slug=published.slug, actor=admin)
    assert "X-WR-CALNAME:Gouverner la migration" in after_change(
        client, feed_url(published), before
    )


# Changes to the sessions and activities ---------------------------------------------------------


def session_data(session, **changes) -> schedule.SessionData:
    values = dict(
        title=session.title,
        day=date(2017, 10, 27),
        start=time(9),
        end=time(10, 30),
        kind=session.kind,
        room=session.room,
        module=session.module,
    )
    values.update(changes)
    return schedule.SessionData(**values)


def test_an_added_session_shows(client, published, admin):
    before = client.get(feed_url(published))
    data = schedule.SessionData(
        title="Field visit to Porta Palazzo", day=date(2017, 10, 27), start=time(15), end=time(17)
    )
    schedule.create_session(published, data, actor=admin)
    assert "SUMMARY:Field visit to Porta Palazzo" in after_change(
        client, feed_url(published), before
    )


def test_an_edited_session_shows(client, published, admin):
    session = talks(published)[0]
    before = client.get(feed_url(published))
    schedule.update_session(
        session, session_data(session, title="Welcome and introductions"), actor=admin
    )
    assert "SUMMARY:Welcome and introductions" in after_change(client, feed_url(published), before)


def test_a_moved_session_shows(client, published, admin):
    session = talks(published)[0]
    before = client.get(feed_url(published))
    data = session_data(session, day=date(2017, 10, 30), start=time(16), end=time(17))
    schedule.update_session(session, data, actor=admin)
    text = after_change(client, feed_url(published), before)
    assert f"UID:session-{session.uid}@atelier.test" in text
    assert "DTSTART;TZID=Europe/Rome:20171030T160000" in text


def test_a_session_edited_without_a_new_sequence_shows(client, published, admin):
    session = talks(published)[0]
    before = client.get(feed_url(published))
    start, end = (to_local(t, published.timezone) for t in (session.starts_at, session.ends_at))
    data = session_data(
        session, day=start.date(), start=start.time(), end=end.time(), facilitators="Marija Novak"
    )
    assert not schedule.update_session(session, data, actor=admin)
    assert "Facilitators: Marija Novak" in after_change(client, feed_url(published), before)


def test_a_deleted_session_leaves(client, published, admin):
    session = talks(published)[0]
    uid = session.uid
    before = client.get(feed_url(published))
    schedule.delete_session(session, actor=admin)
    assert uid not in after_change(client, feed_url(published), before)


def test_a_cancelled_session_shows_cancelled(client, published, admin):
    session = talks(published)[0]
    before = client.get(feed_url(published))
    schedule.cancel_session(session, actor=admin)
    text = after_change(client, feed_url(published), before)
    assert f"SUMMARY:Cancelled: {session.title}" in text


def test_activities_added_changed_and_removed_show(client, published, admin):
    before = client.get(feed_url(published))
    activity = add_activity(
        published, ActivityKind.WEBINAR, "Live Q&A", starts_at=utc(2017, 11, 14, 14)
    )
    text = after_change(client, feed_url(published), before)
    assert "SUMMARY:Live Q&A" in text

    added = client.get(feed_url(published))
    activity.title = "Questions and answers"
    assert "SUMMARY:Questions and answers" in after_change(client, feed_url(published), added)

    renamed = client.get(feed_url(published))
    followup.delete_activity(activity, actor=admin)
    assert "Questions and answers" not in after_change(client, feed_url(published), renamed)


def test_a_change_to_another_course_keeps_the_version(client, published):
    other = make_course(title="Mainstreaming migration into development planning")
    db.session.commit()
    before = client.get(feed_url(published))
    other.translations[0].title = "Another title"
    other.venue.name = "Another campus"
    db.session.commit()
    again = client.get(feed_url(published), headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 304
