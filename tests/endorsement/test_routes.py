"""The endorsement through HTTP: the application form's endorser fields, the endorser's page
behind the link, "My courses", the desk and the override, the course builder's setting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses import editions
from app.courses.models import Course
from app.db import now_utc
from app.endorsement import services
from app.endorsement.models import Endorsement, EndorsementStatus
from app.extensions import db
from app.registration.models import Registration, RegistrationEvent
from app.registration.models import RegistrationStatus as S
from tests.accounts.identity_helpers import confirmation_path, mails
from tests.conftest import login
from tests.endorsement.conftest import (
    applicant,
    apply_with_endorser,
    link_token,
    mails_to,
)
from tests.factories import make_user
from tests.registration.test_apply_routes import form_data, signup_data

E = EndorsementStatus
ENDORSER = {
    "endorser_name": "Marta Rossi",
    "endorser_position": "Head of the migration office",
    "endorser_email": "marta.rossi@comune.torino.it",
}


def only_registration(course) -> Registration:
    return db.session.scalars(
        sa.select(Registration).where(Registration.course_id == course.id)
    ).one()


# ---------------------------------------------------------------------------
# Applying


def test_apply_names_the_endorser(client, course):
    ana = applicant("ana@example.org", "Ana Souza")
    db.session.commit()
    login(client, ana)
    page = client.get(f"/courses/{course.slug}/register")
    assert b"Endorser&#39;s email address" in page.data or b"Endorser's email address" in page.data
    response = client.post(f"/courses/{course.slug}/register", data=form_data(**ENDORSER))
    assert response.status_code == 302
    registration = only_registration(course)
    assert registration.status == S.SUBMITTED
    endorsement = services.endorsement_of(registration)
    assert endorsement.endorser_email == "marta.rossi@comune.torino.it"
    assert len(mails_to("marta.rossi@comune.torino.it")) == 1
    page = client.get(response.location)
    assert b"waits for your employer" in page.data
    assert b"Awaiting endorsement" in page.data


def test_apply_with_a_new_account_names_the_endorser(client, course):
    data = signup_data(**ENDORSER)
    response = client.post(f"/courses/{course.slug}/register", data=data)
    assert response.status_code == 302
    # The application waits for the address to be confirmed by the mailed link.
    [link] = mails()
    assert client.post(confirmation_path(link)).status_code == 302
    registration = only_registration(course)
    assert services.endorsement_of(registration).endorser_name == "Marta Rossi"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"endorser_email": "ana@example.org"}, b"The endorser must be someone else"),
        ({"endorser_email": "ANA@example.org "}, b"The endorser must be someone else"),
        ({"endorser_email": "not an address"}, b"Enter a valid email address"),
        ({"endorser_name": ""}, b"Enter the name of the person who endorses"),
        ({"endorser_position": " "}, b"s position."),
        ({"endorser_name": "x" * 201}, b"Use at most 200 characters"),
        ({"endorser_name": "Marta\x00Rossi"}, b"field-endorser_name"),
    ],
)
def test_bad_endorser_fields_are_told_beside_the_field(client, course, overrides, message):
    ana = applicant("ana@example.org", "Ana Souza")
    db.session.commit()
    login(client, ana)
    data = form_data(**{**ENDORSER, **overrides})
    response = client.post(f"/courses/{course.slug}/register", data=data)
    assert response.status_code == 200
    assert b'class="form-errors"' in response.data
    if message != b"field-endorser_name":
        assert message in response.data
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Registration.course_id == course.id))
        == 0
    )


def test_the_signup_email_is_the_applicants_own_too(client, course):
    data = signup_data(**{**ENDORSER, "endorser_email": "ana.new@example.org"})
    response = client.post(f"/courses/{course.slug}/register", data=data)
    assert response.status_code == 200
    assert b"The endorser must be someone else" in response.data


def test_a_course_without_endorsement_asks_for_no_endorser(client, course):
    course.requires_endorsement = False
    ana = applicant("ana@example.org", "Ana Souza")
    db.session.commit()
    login(client, ana)
    assert b"endorser_email" not in client.get(f"/courses/{course.slug}/register").data


# ---------------------------------------------------------------------------
# The endorser's page


@pytest.fixture
def pending(course):
    ana = applicant("ana@example.org", "Ana Souza")
    # Similar names on the other course and this one: the page shows the right person.
    applicant("ana.s@example.org", "Ana Sousa")
    registration, endorsement, raw = apply_with_endorser(course, ana)
    db.session.commit()
    return registration, endorsement, raw


def test_endorser_page_shows_the_applicant_and_course_without_an_account(client, pending):
    _, _, raw = pending
    response = client.get(f"/endorse/{raw}")
    assert response.status_code == 200
    assert b"Ana Souza" in response.data and b"Ana Sousa" not in response.data
    assert b"Governing migration at the local level" in response.data
    assert b"Municipality of Belo Horizonte" in response.data
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_endorser_endorses_with_a_comment(client, pending):
    registration, endorsement, raw = pending
    before = now_utc()
    response = client.post(
        f"/endorse/{raw}", data={"comment": "Ana runs our newcomers' desk.", "endorse": "y"}
    )
    assert response.status_code == 200
    assert b"You have endorsed the application" in response.data
    db.session.expire_all()
    assert endorsement.status == E.ENDORSED
    assert endorsement.responded_at >= before
    assert endorsement.comment == "Ana runs our newcomers' desk."
    assert registration.status == S.CONFIRMED
    again = client.get(f"/endorse/{raw}")
    assert again.status_code == 410
    assert b"already been answered" in again.data


def test_endorser_declines(client, pending):
    registration, endorsement, raw = pending
    response = client.post(f"/endorse/{raw}", data={"comment": "Not now.", "decline": "y"})
    assert b"You have declined" in response.data
    db.session.expire_all()
    assert (endorsement.status, registration.status) == (E.DECLINED, S.SUBMITTED)


def test_a_post_without_a_button_does_nothing(client, pending):
    _, endorsement, raw = pending
    response = client.post(f"/endorse/{raw}", data={"comment": "x" * 2001})
    assert response.status_code == 200
    assert b"Use at most 2000 characters" in response.data
    db.session.expire_all()
    assert endorsement.status == E.AWAITING


def test_unknown_and_expired_links(client, pending):
    _, endorsement, raw = pending
    unknown = client.get("/endorse/not-a-real-link")
    assert unknown.status_code == 404
    assert b"This link does not work" in unknown.data
    assert client.post("/endorse/not-a-real-link", data={"endorse": "y"}).status_code == 404
    endorsement.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(f"/endorse/{raw}")
    assert expired.status_code == 410
    assert b"has expired" in expired.data
    assert client.post(f"/endorse/{raw}", data={"endorse": "y"}).status_code == 410
    db.session.expire_all()
    assert endorsement.status == E.AWAITING


# ---------------------------------------------------------------------------
# The applicant


def test_my_courses_shows_the_state_and_a_way_to_rename(client, pending):
    registration, _, _ = pending
    login(client, registration.user)
    page = client.get("/my/courses")
    assert b"Awaiting endorsement" in page.data
    assert b"Endorser: Marta Rossi, Head of the migration office" in page.data
    assert f"/my/registrations/{registration.id}/endorser".encode() in page.data


def test_applicant_names_another_endorser(client, pending):
    registration, _, old = pending
    login(client, registration.user)
    page = client.get(f"/my/registrations/{registration.id}/endorser")
    assert b'value="Marta Rossi"' in page.data
    response = client.post(
        f"/my/registrations/{registration.id}/endorser",
        data={
            "endorser_name": "Ugo Bassi",
            "endorser_position": "Mayor",
            "endorser_email": "ugo@comune.torino.it",
        },
    )
    assert response.status_code == 302
    new = link_token(mails_to("ugo@comune.torino.it")[-1])
    assert client.get(f"/endorse/{old}").status_code == 404
    assert client.get(f"/endorse/{new}").status_code == 200


def test_renaming_to_oneself_is_refused_beside_the_field(client, pending):
    registration, _, _ = pending
    login(client, registration.user)
    response = client.post(
        f"/my/registrations/{registration.id}/endorser",
        data={
            "endorser_name": "Ana",
            "endorser_position": "Me",
            "endorser_email": "ana@example.org",
        },
    )
    assert response.status_code == 200
    assert b"The endorser must be someone else" in response.data


def test_renaming_after_closing_is_told(client, pending, course):
    registration, _, _ = pending
    course.registration_closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    login(client, registration.user)
    response = client.post(
        f"/my/registrations/{registration.id}/endorser",
        data={"endorser_name": "Ugo", "endorser_position": "Mayor", "endorser_email": "u@x.org"},
    )
    assert response.status_code == 200
    assert b"Applications have closed" in response.data


def test_someone_elses_registration_is_not_found(client, pending):
    registration, _, _ = pending
    stranger = make_user()
    db.session.commit()
    login(client, stranger)
    assert client.get(f"/my/registrations/{registration.id}/endorser").status_code == 404


def test_no_renaming_once_endorsed(client, pending):
    registration, _, raw = pending
    services.respond(raw, endorse=True)
    db.session.commit()
    login(client, registration.user)
    response = client.get(f"/my/registrations/{registration.id}/endorser")
    assert response.status_code == 302


# ---------------------------------------------------------------------------
# The desk


def test_desk_shows_the_endorsement_and_the_override(client, pending, organiser):
    registration, _, raw = pending
    services.respond(raw, endorse=False, comment="We cannot spare her in March.")
    db.session.commit()
    login(client, organiser)
    page = client.get(f"/courses/{registration.course.slug}/participants/{registration.id}")
    assert b"Endorsement declined" in page.data
    assert b"We cannot spare her in March." in page.data
    assert b"marta.rossi@comune.torino.it" in page.data
    assert b"Go on without the endorsement" in page.data
    listing = client.get(f"/courses/{registration.course.slug}/participants")
    assert b'data-endorsement="declined"' in listing.data


def test_organiser_waives_and_the_history_shows_who(client, pending, organiser):
    registration, endorsement, _ = pending
    login(client, organiser)
    url = f"/courses/{registration.course.slug}/participants/{registration.id}"
    response = client.post(f"{url}/endorsement/waive", data={"note": "Known to the team"})
    assert response.status_code == 302
    db.session.expire_all()
    assert endorsement.status == E.WAIVED and endorsement.waived_by_id == organiser.id
    assert registration.status == S.CONFIRMED
    event = db.session.scalar(
        sa.select(RegistrationEvent).where(RegistrationEvent.action == "endorsement_waived")
    )
    assert (event.actor_id, event.note) == (organiser.id, "Known to the team")
    page = client.get(url)
    assert b"Endorsement waived" in page.data and b"Olga Organiser" in page.data
    again = client.post(f"{url}/endorsement/waive", data={"note": ""})
    assert again.status_code == 302
    assert b"not possible" in client.get(url).data


def test_waive_with_a_bad_note_is_refused(client, pending, organiser):
    registration, endorsement, _ = pending
    login(client, organiser)
    url = f"/courses/{registration.course.slug}/participants/{registration.id}"
    client.post(f"{url}/endorsement/waive", data={"note": "x" * 401})
    db.session.expire_all()
    assert endorsement.status == E.AWAITING


@pytest.mark.parametrize("role", ["facilitator", "participant", "reviewer"])
def test_only_organisers_waive(client, pending, role):
    registration, endorsement, _ = pending
    course = registration.course
    user = make_user()
    if role != "participant":
        from app.courses.models import CourseTeamMember, TeamRole

        course.team.append(CourseTeamMember(user=user, role=TeamRole(role)))
    db.session.commit()
    login(client, user)
    url = f"/courses/{course.slug}/participants/{registration.id}/endorsement/waive"
    assert client.post(url, data={}).status_code == 403
    db.session.expire_all()
    assert endorsement.status == E.AWAITING


def test_the_desk_offers_no_confirmation_until_endorsed_or_waived(client, pending, organiser):
    registration, _, _ = pending
    course = registration.course
    course.requires_approval = True
    db.session.commit()
    login(client, organiser)
    confirm = 'name="action" value="confirm"'
    pages = (
        f"/courses/{course.slug}/participants",
        f"/courses/{course.slug}/participants/{registration.id}",
    )
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        # The row's buttons (the bulk action list still names every action, for other rows).
        assert confirm not in html and 'name="action" value="waitlist"' not in html, url
        assert 'name="action" value="reject"' in html, url
    services.waive(registration, actor=organiser, note="Nomination letter received by post.")
    db.session.commit()
    for url in pages:
        assert confirm in client.get(url).get_data(as_text=True), url


def test_desk_confirm_is_refused_while_waiting(client, pending, organiser):
    registration, _, _ = pending
    login(client, organiser)
    url = f"/courses/{registration.course.slug}/participants/{registration.id}/action"
    client.post(url, data={"action": "confirm"})
    db.session.expire_all()
    assert registration.status == S.SUBMITTED


# ---------------------------------------------------------------------------
# The course builder


def test_the_setting_is_copied_with_a_new_edition(course, organiser):
    new = editions.copy_as_new_edition(
        course, course.start_date + timedelta(days=365), slug=None, actor=organiser
    )
    assert new.requires_endorsement
    course.requires_endorsement = False
    other = editions.copy_as_new_edition(course, date(2031, 1, 6), slug=None, actor=organiser)
    assert not other.requires_endorsement


def test_the_builder_creates_a_course_with_the_setting(client, organiser):
    from tests.courses.test_routes import course_form
    from tests.factories import make_venue

    venue = make_venue()
    db.session.commit()
    login(client, organiser)
    form = course_form(venue, requires_endorsement="y")
    assert client.post("/courses/new", data=form).status_code == 302
    created = db.session.scalar(
        sa.select(Course).where(Course.slug == "governing-migration-at-the-local-level-2027")
    )
    assert created.requires_endorsement
    page = client.get(f"/courses/{created.slug}/edit").get_data(as_text=True)
    assert 'id="requires_endorsement" name="requires_endorsement" type="checkbox" value="y"' in (
        page.replace(" checked", "")
    )
    assert (
        "checked"
        in page.split('id="requires_endorsement"')[0].rsplit("<input", 1)[1]
        + (page.split('id="requires_endorsement"')[1].split(">")[0])
    )


def test_admin_sees_the_endorsement_too(client, pending):
    registration, _, _ = pending
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    page = client.get(f"/courses/{registration.course.slug}/participants/{registration.id}")
    assert b"Awaiting endorsement" in page.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 1
