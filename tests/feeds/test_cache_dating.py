"""Rows a feed prints without a stamp of their own (rooms, modules and their texts) date the
courses they appear in when they change alone, whoever changes them; rows that no feed
prints leave the versions alone."""

from __future__ import annotations

import pytest

from app.accounts.models import Role, User
from app.extensions import db
from app.modules.models import Module, ModuleTranslation
from app.modules.services import ModuleData, ModuleText, update_module
from app.venues.models import Room
from tests.factories import make_course, make_user
from tests.programmes.factories import make_programme

from .conftest import unfolded
from .test_cache import feed_url


@pytest.fixture
def week(course):
    """The Turin week (its sessions use module T1 and the venue's first room), beside a busy
    course of another team at another venue."""
    make_course(slug="mainstreaming-2027", title="Mainstreaming migration")
    db.session.commit()
    return course


def module_of(course) -> Module:
    return next(s.module for s in course.sessions if s.module is not None)


def changed(client, url: str, before) -> str:
    """The feed once the change is committed, which the client's copy must not match."""
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200, "the feed kept its version"
    return "\n".join(unfolded(again.data))


def kept(client, url: str, before) -> None:
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304


def test_a_room_renamed_alone_shows(client, week):
    before = client.get(feed_url(week))
    room = next(s.room for s in week.sessions if s.room is not None)
    room.name = "Sala Europa"  # the venue itself is untouched
    assert "LOCATION:Sala Europa" in changed(client, feed_url(week), before)


def test_a_room_added_to_the_venue_keeps_the_feed(client, week):
    before = client.get(feed_url(week))
    week.venue.rooms.append(Room(name="Sala Africa"))
    kept(client, feed_url(week), before)


def test_a_new_module_code_alone_shows(client, week):
    before = client.get(feed_url(week))
    module_of(week).code = "T9"
    assert "CATEGORIES:Plenary,T9" in changed(client, feed_url(week), before)


def test_a_module_title_edited_alone_shows(client, week):
    before = client.get(feed_url(week))
    text = module_of(week).translations[0]
    text.title = "Coherent migration policies"
    assert "Coherent migration policies" in changed(client, feed_url(week), before)


def test_a_module_gaining_or_losing_a_language_shows_in_that_feed(client, week):
    url = feed_url(week) + "?lang=es"
    before = client.get(url)
    admin = make_user(Role.ADMIN, name="Site Admin")
    module = module_of(week)
    english = ModuleText(module.title("en"))
    spanish = {"en": english, "es": ModuleText("Coherencia de las políticas")}
    update_module(module, ModuleData(code=module.code, texts=spanish), actor=admin)
    assert "Coherencia de las políticas" in changed(client, url, before)

    translated = client.get(url)
    update_module(module, ModuleData(code=module.code, texts={"en": english}), actor=admin)
    text = changed(client, url, translated)
    assert "Coherencia" not in text
    assert module.title("en") in text


def test_a_change_to_a_row_no_feed_prints_keeps_the_feed(client, week):
    # A person whose id is a module's: only modules (and their texts) date the courses whose
    # sessions use them. Both ids are set here, far beyond any the sequences hand out.
    module = Module(
        id=960_001,
        code="T7",
        translations=[ModuleTranslation(locale="en", title="Migration and local development")],
    )
    next(s for s in week.sessions if s.module is not None).module = module
    person = User(id=960_001, email="lucia@example.org", name="Lucia Rossi")
    db.session.add(person)
    db.session.commit()
    before = client.get(feed_url(week))
    person.name = "Lucia Bianchi"
    kept(client, feed_url(week), before)


def test_a_programme_title_edited_alone_shows(client, week):
    programme = make_programme("joint", texts={"fr": "Programme conjoint"})
    week.programme = programme
    db.session.commit()
    url = f"/programmes/{programme.slug}/calendar.ics"
    before = client.get(url)
    programme.translations[0].title = "Migration for development"  # no service dates it
    assert "X-WR-CALNAME:Migration for development" in changed(client, url, before)

    french = client.get(url + "?lang=fr")
    programme.translations.remove(programme.translations[1])
    assert "X-WR-CALNAME:Migration for development" in changed(client, url + "?lang=fr", french)
