"""My courses: the participant's registrations, offers, cancelling and special needs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.templating import localtime
from app.courses.models import CourseTranslation
from app.db import now_utc
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.mail.models import OutboxMessage
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.registration.conftest import open_course


def mail_templates_to(address: str) -> list[str]:
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id)
    )
    return [row.subject for row in rows]


def reload(registration: Registration) -> Registration:
    db.session.expire_all()
    fresh = db.session.get(Registration, registration.id)
    assert fresh is not None
    return fresh


def action_urls(registration_id: int) -> list[tuple[str, str]]:
    base = f"/my/registrations/{registration_id}"
    return [
        ("POST", f"{base}/cancel"),
        ("POST", f"{base}/accept"),
        ("POST", f"{base}/decline"),
        ("GET", f"{base}/needs"),
        ("POST", f"{base}/needs"),
    ]


def with_offer(registration: Registration, hours: int = 48) -> Registration:
    registration.offer_expires_at = now_utc() + timedelta(hours=hours)
    return registration


# ---------------------------------------------------------------------------
# Who sees what


def test_anonymous_visitors_are_sent_to_log_in(client):
    course = open_course()
    registration = make_registration(course)
    db.session.commit()

    for method, path in [("GET", "/my/courses"), *action_urls(registration.id)]:
        response = client.open(path, method=method)
        assert response.status_code == 302, f"{method} {path}"
        assert "/login?next=" in response.headers["Location"]
    assert reload(registration).status == S.CONFIRMED


def test_another_participants_registration_is_not_found(client):
    course = open_course()
    theirs = with_offer(make_registration(course, status=S.WAITLISTED))
    me = make_user()
    db.session.commit()
    login(client, me)

    for method, path in action_urls(theirs.id):
        response = client.open(path, method=method, data={"diet": "vegan"})
        assert response.status_code == 404, f"{method} {path}"
    fresh = reload(theirs)
    assert fresh.status == S.WAITLISTED and fresh.offer_expires_at is not None
    assert fresh.diet == ""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_unknown_registration_is_not_found(client):
    login(client, make_user())
    db.session.commit()
    for method, path in action_urls(987654):
        assert client.open(path, method=method).status_code == 404


def test_my_courses_lists_only_my_registrations(client):
    me = make_user()
    mine = open_course(title="Governing migration at the local level")
    other = open_course(title="Mainstreaming migration into policy planning")
    make_registration(mine, me, organisation="City of Turin")
    make_registration(other, organisation="Secret Ministry")
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    assert "Governing migration at the local level" in page
    assert "City of Turin" in page
    assert "Mainstreaming migration" not in page
    assert "Secret Ministry" not in page


def test_empty_list_points_to_the_catalogue(client):
    login(client, make_user())
    db.session.commit()

    page = client.get("/my/courses").get_data(as_text=True)

    assert "You have not applied to any course yet." in page


def test_course_title_dates_venue_and_status_in_the_users_language(client):
    me = make_user(locale="fr")
    course = make_course(start=date(2017, 11, 20))
    course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local")
    )
    make_registration(course, me)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    assert "Gestion de la migration au niveau local" in page
    assert "20–24 nov. 2017" in page
    assert "ITC-ILO campus, Turin" in page
    assert f'href="/courses/{course.slug}"' in page


def test_waiting_list_position_is_shown(client):
    me = make_user()
    course = open_course(capacity=1)
    make_registration(course)
    make_registration(course, status=S.WAITLISTED)
    make_registration(course, me, status=S.WAITLISTED)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    assert "You are number 2 on the waiting list." in page


# ---------------------------------------------------------------------------
# Offers


def test_an_offer_shows_its_deadline_in_the_venues_time_with_buttons(app, client):
    me = make_user()
    course = open_course(capacity=1)
    registration = make_registration(course, me, status=S.WAITLISTED)
    # 13:00 UTC on a January day is 14:00 in Turin (CET).
    registration.offer_expires_at = datetime(2031, 1, 15, 13, 0, tzinfo=UTC)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    with app.test_request_context():
        turin_time = localtime(registration.offer_expires_at, "Europe/Rome")
    assert "A seat is free for you." in page
    assert f"January 15, 2031 at {turin_time} CET" in page
    assert f'action="/my/registrations/{registration.id}/accept"' in page
    assert f'action="/my/registrations/{registration.id}/decline"' in page


def test_accepting_an_offer_confirms_the_place(client):
    me = make_user()
    course = open_course(capacity=1)
    registration = with_offer(make_registration(course, me, status=S.WAITLISTED))
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/accept")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/courses#registration-{registration.id}")
    assert reload(registration).status == S.CONFIRMED
    assert "your place on" in client.get("/my/courses").get_data(as_text=True)
    assert mail_templates_to(me.email) == [
        "Your place is confirmed: Governing migration at the local level"
    ]


def test_accepting_an_expired_offer_says_so_and_passes_the_seat_on(client):
    me = make_user()
    course = open_course(capacity=1)
    course.waitlist_offers = True
    registration = make_registration(course, me, status=S.WAITLISTED)
    registration.offer_expires_at = now_utc() - timedelta(minutes=1)
    nxt = make_registration(course, status=S.WAITLISTED)
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/accept")

    assert response.status_code == 302
    assert reload(registration).status == S.CANCELLED
    assert reload(nxt).offer_expires_at is not None
    page = client.get("/my/courses").get_data(as_text=True)
    assert "This offer has expired" in page
    assert mail_templates_to(me.email) == [
        "The seat offered to you has gone: Governing migration at the local level"
    ]


def test_declining_an_offer_passes_the_seat_to_the_next_person(client):
    me = make_user()
    course = open_course(capacity=1)
    registration = with_offer(make_registration(course, me, status=S.WAITLISTED))
    nxt = make_registration(course, status=S.WAITLISTED)
    db.session.commit()
    login(client, me)

    client.post(f"/my/registrations/{registration.id}/decline")

    assert reload(registration).status == S.CANCELLED
    assert reload(nxt).status == S.CONFIRMED  # the course promotes at once (no offers)
    assert "You have declined the seat" in client.get("/my/courses").get_data(as_text=True)
    assert mail_templates_to(me.email) == [
        "Registration cancelled: Governing migration at the local level"
    ]
    assert len(mail_templates_to(nxt.email)) == 1


def test_accepting_without_an_offer_is_refused_with_a_message(client):
    me = make_user()
    registration = make_registration(open_course(), me)
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/accept")

    assert response.status_code == 302
    page = client.get("/my/courses").get_data(as_text=True)
    assert "not possible in the registration" in page
    assert reload(registration).status == S.CONFIRMED


# ---------------------------------------------------------------------------
# Cancelling


def test_the_cancel_button_asks_for_confirmation_without_javascript(client):
    me = make_user()
    registration = make_registration(open_course(), me)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    details = page.split("<summary>Cancel my registration</summary>", 1)[1]
    assert f'action="/my/registrations/{registration.id}/cancel"' in details.split("</details>")[0]
    assert "Yes, cancel my registration" in details


def test_cancelling_promotes_the_first_waiting_and_both_get_mail(client):
    me = make_user()
    course = open_course(capacity=1)
    registration = make_registration(course, me)
    waiting = make_registration(course, status=S.WAITLISTED)
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/cancel")

    assert response.status_code == 302
    assert reload(registration).status == S.CANCELLED
    assert reload(waiting).status == S.CONFIRMED
    assert mail_templates_to(me.email) == [
        "Registration cancelled: Governing migration at the local level"
    ]
    assert mail_templates_to(waiting.email) == [
        "A seat is free: your place is confirmed for Governing migration at the local level"
    ]
    page = client.get("/my/courses").get_data(as_text=True)
    assert "is cancelled" in page
    # Nothing left to cancel or change.
    assert f"/my/registrations/{registration.id}/cancel" not in page
    assert f"/my/registrations/{registration.id}/needs" not in page


def test_leaving_the_waiting_list(client):
    me = make_user()
    course = open_course(capacity=1)
    make_registration(course)
    registration = make_registration(course, me, status=S.WAITLISTED)
    db.session.commit()
    login(client, me)

    client.post(f"/my/registrations/{registration.id}/cancel")

    assert reload(registration).status == S.CANCELLED


def test_cancelling_after_the_start_is_refused_with_the_reason(client):
    me = make_user()
    course = make_course(start=(now_utc() - timedelta(days=1)).date())
    registration = make_registration(course, me)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)
    assert f"/my/registrations/{registration.id}/cancel" not in page

    response = client.post(f"/my/registrations/{registration.id}/cancel")

    assert response.status_code == 302
    assert reload(registration).status == S.CONFIRMED
    assert "The course has started" in client.get("/my/courses").get_data(as_text=True)
    assert mail_templates_to(me.email) == []


def test_cancelling_twice_is_refused_with_a_message(client):
    me = make_user()
    registration = make_registration(open_course(), me, status=S.CANCELLED)
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/cancel")

    assert response.status_code == 302
    assert "not possible" in client.get("/my/courses").get_data(as_text=True)


# ---------------------------------------------------------------------------
# Special needs


def test_special_needs_form_is_prefilled_and_saves(client):
    me = make_user()
    registration = make_registration(open_course(), me, diet="Vegetarian")
    db.session.commit()
    login(client, me)

    page = client.get(f"/my/registrations/{registration.id}/needs").get_data(as_text=True)
    assert "<h1>Your special needs</h1>" in page
    assert "Vegetarian</textarea>" in page

    response = client.post(
        f"/my/registrations/{registration.id}/needs",
        data={"diet": "  Vegan, no nuts ", "accessibility": "Step-free access\r\nLarge print"},
    )

    assert response.status_code == 302
    fresh = reload(registration)
    assert fresh.diet == "Vegan, no nuts"
    assert fresh.accessibility == "Step-free access\nLarge print"
    assert fresh.events[-1].action == "needs_updated"
    assert "needs are saved" in client.get("/my/courses").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"diet": "x" * 501}, "diet", "at most 500 characters"),
        ({"accessibility": "x" * 1001}, "accessibility", "at most 1000 characters"),
        ({"diet": "nuts\x00"}, "diet", "control characters"),
    ],
)
def test_special_needs_errors_are_shown_beside_the_field(client, data, field, message):
    me = make_user()
    registration = make_registration(open_course(), me)
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/needs", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in page and message in page
    assert reload(registration).diet == ""


def test_special_needs_of_a_cancelled_registration_cannot_change(client):
    me = make_user()
    registration = make_registration(open_course(), me, status=S.CANCELLED)
    db.session.commit()
    login(client, me)

    response = client.post(f"/my/registrations/{registration.id}/needs", data={"diet": "Vegan"})

    assert response.status_code == 302
    assert reload(registration).diet == ""
    assert "not possible" in client.get("/my/courses").get_data(as_text=True)


# ---------------------------------------------------------------------------
# The follow-up phase


def _past_course_with_phase(opens_in_days: int) -> Any:
    today = now_utc().date()
    course = make_course(start=today - timedelta(days=20))
    course.followup_opens_on = today + timedelta(days=opens_in_days)
    course.followup_closes_on = course.followup_opens_on + timedelta(days=27)
    course.activities.append(
        FollowupActivity(kind=ActivityKind.DISCUSSION, title="Your local action plan")
    )
    return course


@pytest.mark.parametrize(("opens_in", "listed"), [(30, False), (10, True), (-3, True)])
def test_followup_activities_appear_once_the_phase_is_near(client, opens_in, listed):
    me = make_user()
    course = _past_course_with_phase(opens_in)
    make_registration(course, me)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    assert "Online follow-up phase:" in page
    assert ("Your local action plan" in page) is listed


def test_followup_is_only_for_confirmed_participants(client):
    me = make_user()
    course = _past_course_with_phase(5)
    make_registration(course, me, status=S.CANCELLED)
    db.session.commit()
    login(client, me)

    page = client.get("/my/courses").get_data(as_text=True)

    assert "Your local action plan" not in page
