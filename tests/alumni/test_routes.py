"""The alumni pages: the organisers' invitation (preview, then send), the consent on
"My courses", and the application form prefilled for someone who applied before."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.alumni.models import AlumniInvitation
from app.db import now_utc
from app.extensions import db
from app.registration.models import Gender, Registration
from tests.alumni.conftest import Alumni, make_edition, outbox
from tests.conftest import login


@pytest.fixture
def upcoming(alumni: Alumni) -> Alumni:
    """The 2027 edition, its applications open now."""
    cast = alumni.cast
    edition = make_edition(
        alumni.past, date(2027, 11, 22), slug="governing-2027", organisers=(cast.organiser,)
    )
    edition.registration_opens_at = now_utc() - timedelta(days=1)
    db.session.commit()
    return Alumni(cast, alumni.past, edition)


def url(alumni: Alumni) -> str:
    return f"/courses/{alumni.edition.slug}/alumni"


def invitations() -> list[AlumniInvitation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AlumniInvitation).order_by(AlumniInvitation.id)))


def test_preview_then_send(client, upcoming: Alumni):
    cast = upcoming.cast
    upcoming.consent(cast.ana, cast.lucia)
    login(client, cast.organiser)
    html = client.get(url(upcoming)).get_data(as_text=True)
    assert 'aria-current="page">Past participants</a>' in html
    assert f'<option value="{upcoming.past.id}">' in html
    html = client.get(url(upcoming), query_string={"source": upcoming.past.id}).get_data(
        as_text=True
    )
    assert "2 people would be invited:" in html
    assert "Ana Souza · ana.souza@example.org · Français" in html
    assert "Lucía Peres · lucia.peres@example.com · Español" in html
    assert "Tesfaye" not in html
    assert "1 did not agree to be told about later editions." in html
    # Looking changes nothing.
    assert invitations() == [] and outbox() == []

    before = now_utc()
    response = client.post(url(upcoming), data={"source": str(upcoming.past.id)})
    assert response.status_code == 302
    rows = invitations()
    assert [(i.user_id, i.invited_by_id) for i in rows] == [
        (cast.ana.id, cast.organiser.id),
        (cast.lucia.id, cast.organiser.id),
    ]
    assert all(before <= i.invited_at <= now_utc() for i in rows)
    assert sorted(m.recipient for m in outbox()) == [
        "ana.souza@example.org",
        "lucia.peres@example.com",
    ]
    html = client.get(url(upcoming)).get_data(as_text=True)
    assert "2 invitations are on their way." in html
    assert "Invitations sent" in html and "by Olga Organiser" in html

    # A second time: nobody left to invite, nothing sent.
    html = client.get(url(upcoming), query_string={"source": upcoming.past.id}).get_data(
        as_text=True
    )
    assert "Nobody to invite from this course." in html
    assert "2 were invited before." in html
    client.post(url(upcoming), data={"source": str(upcoming.past.id)})
    assert len(outbox()) == 2


@pytest.mark.parametrize("source", ["", "abc", "999999", "__other__"])
def test_a_course_not_in_the_list_is_refused(client, upcoming: Alumni, source):
    cast = upcoming.cast
    upcoming.consent(cast.ana)
    if source == "__other__":
        source = str(cast.other.id)
    login(client, cast.organiser)
    response = client.get(url(upcoming), query_string={"source": source})
    assert response.status_code == 400
    assert "Choose a past course" in response.get_data(as_text=True)
    response = client.post(url(upcoming), data={"source": source})
    assert response.status_code == 302
    assert invitations() == [] and outbox() == []


def test_a_closed_course_says_why_and_sends_nothing(client, alumni: Alumni):
    # The 2018 edition closed its applications long ago.
    cast = alumni.cast
    alumni.consent(cast.ana)
    login(client, cast.organiser)
    html = client.get(url(alumni), query_string={"source": alumni.past.id}).get_data(as_text=True)
    assert "This course takes no applications now" in html
    assert "Send the invitations" not in html
    client.post(url(alumni), data={"source": str(alumni.past.id)})
    assert invitations() == [] and outbox() == []


@pytest.mark.parametrize("who", ["facilitator", "reviewer", "ana", "other_organiser"])
def test_the_page_is_the_organisers(client, upcoming: Alumni, who):
    upcoming.consent(upcoming.cast.ana)
    login(client, getattr(upcoming.cast, who))
    assert client.get(url(upcoming)).status_code == 403
    assert client.post(url(upcoming), data={"source": str(upcoming.past.id)}).status_code == 403
    assert invitations() == []


# --- consent on "My courses" -----------------------------------------------------------------


def test_consent_withdrawn_and_given_on_my_courses(client, alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.tesfaye)
    registration = alumni.registration(cast.tesfaye)
    login(client, cast.tesfaye)
    html = client.get("/my/courses").get_data(as_text=True)
    assert "You agreed that the organisers tell you about later editions" in html
    consent_url = f"/my/registrations/{registration.id}/alumni-consent"
    response = client.post(consent_url, data={"withdraw": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert registration.consent_alumni is False
    assert registration.consent_alumni_changed_at is not None
    html = client.get("/my/courses").get_data(as_text=True)
    assert "Done: you will not be told about later editions" in html
    client.post(consent_url, data={"give": "1"})
    db.session.expire_all()
    assert registration.consent_alumni is True
    # Nothing pressed: nothing changes.
    client.post(consent_url, data={})
    db.session.expire_all()
    assert registration.consent_alumni is True


def test_someone_else_s_consent_is_not_found(client, alumni: Alumni):
    cast = alumni.cast
    registration = alumni.registration(cast.ana)
    login(client, cast.lucia)
    response = client.post(
        f"/my/registrations/{registration.id}/alumni-consent", data={"give": "1"}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert registration.consent_alumni is False


# --- the application form --------------------------------------------------------------------


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert select is not None, name
    found = re.search(r'<option selected value="([^"]*)"', select.group()) or re.search(
        r'<option value="([^"]*)" selected', select.group()
    )
    return found.group(1) if found else None


def test_the_form_is_prefilled_from_the_last_application(client, upcoming: Alumni):
    cast = upcoming.cast
    previous = upcoming.registration(cast.ana)
    previous.job_title = "Head of migrant services"
    previous.gender = Gender.WOMAN
    previous.diet = "Vegetarian"
    previous.motivation = "For the 2017 course."
    previous.consent_alumni = True
    db.session.commit()
    login(client, cast.ana)
    html = client.get(f"/courses/{upcoming.edition.slug}/register").get_data(as_text=True)
    assert _value(html, "job_title") == "Head of migrant services"
    assert _value(html, "organisation") == "Municipality of Belo Horizonte"
    assert _value(html, "certificate_name") == "Ana Souza"
    assert _selected(html, "country") == "BR"
    assert _selected(html, "organisation_type") == "local_government"
    assert _selected(html, "gender") == "woman"
    assert "Vegetarian</textarea>" in html
    assert "For the 2017 course." not in html
    # Consent is asked afresh, unticked.
    assert re.search(r'<input[^>]*name="consent_alumni"[^>]*checked', html) is None
    # Ana reads French.
    assert "Vous pouvez m’informer des éditions suivantes et des événements liés." in html


def test_someone_who_never_applied_gets_the_account_s_name_only(client, upcoming: Alumni):
    login(client, upcoming.cast.organiser)
    html = client.get(f"/courses/{upcoming.edition.slug}/register").get_data(as_text=True)
    assert _value(html, "certificate_name") == "Olga Organiser"
    assert _value(html, "job_title") in (None, "")


def test_applying_with_the_box_ticked_stores_the_consent(client, upcoming: Alumni):
    cast = upcoming.cast
    login(client, cast.lucia)
    form = {
        "certificate_name": "Lucía Peres",
        "email": "lucia.peres@example.com",
        "country": "CO",
        "nationality": "CO",
        "organisation": "Alcaldía de Bogotá",
        "organisation_type": "local_government",
        "job_title": "Asesora",
        "language": "es",
        "motivation": "Seguir el trabajo de 2017.",
        "funding": "employer",
        "gender": "",
        "consent_data": "y",
        "consent_alumni": "y",
    }
    response = client.post(f"/courses/{upcoming.edition.slug}/register", data=form)
    assert response.status_code == 302, re.findall(
        r'class="errors"[^>]*>(.*?)</ul>', response.get_data(as_text=True), re.S
    )
    db.session.expire_all()
    registration = db.session.scalars(
        sa.select(Registration).where(Registration.course_id == upcoming.edition.id)
    ).one()
    assert registration.consent_alumni is True
    assert registration.consent_alumni_changed_at is not None
