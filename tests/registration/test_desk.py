"""The participant desk: the list, its filters, single and bulk actions, the history page, who
may do what, and the participant list that confirmed participants see."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.registration import services
from app.registration.desk import apply_to_many
from app.registration.desk_forms import DeskAction
from app.registration.models import (
    OrganisationType,
    Registration,
    RegistrationEvent,
)
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    # The desk's subject is the state of registrations; their mail is tested elsewhere.
    monkeypatch.setattr(services, "_notify", lambda *args, **kwargs: None)


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def facilitator():
    return make_user(Role.PARTICIPANT, name="Fatou Facilitator")


@pytest.fixture
def course(organiser, facilitator):
    return make_course(
        slug="governing-2017", organisers=(organiser,), facilitators=(facilitator,), capacity=3
    )


def person(course, name, status=S.SUBMITTED, **overrides):
    user = make_user(name=name, email=f"{'.'.join(name.lower().split())}@example.org")
    return make_registration(course, user, status=status, **overrides)


@pytest.fixture
def people(course):
    return {
        "ana": person(course, "Ana Souza", S.CONFIRMED, country="BR"),
        "kip": person(
            course,
            "Kiprono Mutai",
            country="KE",
            organisation="University of Nairobi",
            organisation_type=OrganisationType.ACADEMIA,
        ),
        "lena": person(course, "Lena Vogel", S.WAITLISTED, country="DE"),
        "abebe": person(course, "Abebe Bekele", S.WAITLISTED, country="ET"),
    }


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def events_of(registration):
    return db.session.scalars(
        sa.select(RegistrationEvent)
        .where(RegistrationEvent.registration_id == registration.id)
        .order_by(RegistrationEvent.id)
    ).all()


# ---------------------------------------------------------------------------
# The list


def test_list_shows_each_registration_with_counts_and_seats_left(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants")
    for name in ("Ana Souza", "Kiprono Mutai", "Lena Vogel", "Abebe Bekele"):
        assert name in html
    assert "kiprono.mutai@example.org" in html
    assert "Kenya" in html  # the country's name, not its code
    assert "University of Nairobi" in html and "Academia" in html
    assert "On the waiting list" in html
    assert "2 of 3" in html  # seats left


def test_waiting_list_is_shown_in_order_with_places(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants")
    waiting = html[html.index('id="waiting-list"') :]
    assert waiting.index("Lena Vogel") < waiting.index("Abebe Bekele")


def test_an_offered_seat_shows_its_deadline(client, organiser, people):
    people["lena"].offer_expires_at = datetime(2017, 11, 10, 12, 0, tzinfo=UTC)
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants")
    assert "Seat offered until" in html
    assert "1:00" in html  # 12:00 UTC is 13:00 in Turin


def test_countries_are_named_in_the_viewers_language(client, organiser, people):
    organiser.locale = "fr"
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants")
    assert "Brésil" in html and "Éthiopie" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=waitlisted", {"Lena Vogel", "Abebe Bekele"}, {"Ana Souza", "Kiprono Mutai"}),
        ("country=KE", {"Kiprono Mutai"}, {"Ana Souza", "Lena Vogel"}),
        ("organisation_type=academia", {"Kiprono Mutai"}, {"Ana Souza", "Abebe Bekele"}),
        ("q=souza", {"Ana Souza"}, {"Kiprono Mutai", "Lena Vogel"}),
        ("q=VOGEL%40example", {"Lena Vogel"}, {"Ana Souza"}),
        ("q=nairobi", {"Kiprono Mutai"}, {"Ana Souza", "Lena Vogel"}),
        ("status=waitlisted&country=ET", {"Abebe Bekele"}, {"Lena Vogel", "Ana Souza"}),
    ],
)
def test_filters_and_search(client, organiser, people, query, shown, hidden):
    db.session.commit()
    login(client, organiser)
    html = page(client, f"/courses/governing-2017/participants?{query}")
    table = html[html.index('class="desk-list"') : html.index('id="waiting-list"')]
    for name in shown:
        assert name in table
    for name in hidden:
        assert name not in table


def test_search_treats_wildcards_as_text(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants?q=%25")
    assert "No registration matches these filters." in html


def test_search_with_a_control_character_says_why(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants?q=Souza%00")
    assert "invisible control characters" in html
    # The search is left out, so the list shows everyone rather than nobody.
    table = html[html.index('class="desk-list"') : html.index('id="waiting-list"')]
    assert "Lena Vogel" in table and "Ana Souza" in table


def test_unknown_filter_values_are_ignored(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants?status=bogus&country=ZZ")
    table = html[html.index('class="desk-list"') : html.index('id="waiting-list"')]
    assert "Ana Souza" in table and "Lena Vogel" in table


@contextmanager
def count_queries():
    statements: list[str] = []
    # Requests share the test's session: start from an empty one, as a real request does.
    db.session.remove()

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_the_list_makes_as_many_queries_for_30_people_as_for_3(client, course, organiser):
    statuses = [S.CONFIRMED, S.SUBMITTED, S.WAITLISTED]
    for n in range(3):
        person(course, f"Person {n}", statuses[n % 3], country=["BR", "KE", "DE"][n % 3])
    db.session.commit()
    login(client, organiser)
    url = "/courses/governing-2017/participants"
    client.get(url)  # warm up
    with count_queries() as few:
        assert client.get(url).status_code == 200
    course = db.session.merge(course)  # the count started a new session
    for n in range(3, 30):
        person(course, f"Person {n}", statuses[n % 3], country=["BR", "KE", "DE", "ET"][n % 4])
    db.session.commit()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert "Person 29" in html
    assert len(many) == len(few), many


# ---------------------------------------------------------------------------
# One registration


def act(client, registration, action, **data):
    return client.post(
        f"/courses/governing-2017/participants/{registration.id}/action",
        data={"action": action, **data},
    )


def test_confirming_records_who_did_it(client, organiser, people):
    kip = people["kip"]
    db.session.commit()
    login(client, organiser)
    response = act(client, kip, "confirm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses/governing-2017/participants")
    db.session.refresh(kip)
    assert kip.status == S.CONFIRMED
    [event] = events_of(kip)
    assert (event.action, event.actor_id, event.to_status) == (
        "confirmed",
        organiser.id,
        S.CONFIRMED,
    )
    assert "Kiprono Mutai is confirmed." in page(client, "/courses/governing-2017/participants")


@pytest.mark.parametrize(
    ("action", "status"),
    [("waitlist", S.WAITLISTED), ("reject", S.REJECTED), ("cancel", S.CANCELLED)],
)
def test_other_decisions(client, organiser, people, action, status):
    kip = people["kip"]
    db.session.commit()
    login(client, organiser)
    assert act(client, kip, action).status_code == 302
    db.session.refresh(kip)
    assert kip.status == status
    assert events_of(kip)[-1].actor_id == organiser.id


def test_confirming_when_the_course_is_full_is_refused_and_changes_nothing(
    client, course, organiser, people
):
    person(course, "Second Seat", S.CONFIRMED)
    person(course, "Third Seat", S.CONFIRMED)
    kip = people["kip"]
    db.session.commit()
    login(client, organiser)
    act(client, kip, "confirm")
    db.session.refresh(kip)
    assert kip.status == S.SUBMITTED
    assert events_of(kip) == []
    html = page(client, "/courses/governing-2017/participants")
    assert "Kiprono Mutai: The course is full" in html


def test_a_change_the_state_does_not_allow_is_refused(client, organiser, people):
    ana = people["ana"]
    db.session.commit()
    login(client, organiser)
    act(client, ana, "waitlist")
    db.session.refresh(ana)
    assert ana.status == S.CONFIRMED
    assert "not possible in the registration" in page(
        client, "/courses/governing-2017/participants"
    )


def test_an_unknown_action_changes_nothing(client, organiser, people):
    kip = people["kip"]
    db.session.commit()
    login(client, organiser)
    assert act(client, kip, "promote-to-king").status_code == 302
    db.session.refresh(kip)
    assert kip.status == S.SUBMITTED


def test_moving_on_the_waiting_list(client, course, organiser, people):
    lena, abebe = people["lena"], people["abebe"]
    db.session.commit()
    login(client, organiser)
    act(client, abebe, "up")
    assert [r.id for r in services.waitlist(course)] == [abebe.id, lena.id]
    assert events_of(abebe)[-1].action == "moved_up"
    assert events_of(abebe)[-1].actor_id == organiser.id
    act(client, abebe, "down")
    assert [r.id for r in services.waitlist(course)] == [lena.id, abebe.id]


def test_after_an_action_the_list_comes_back_as_it_was_filtered(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    next_url = "/courses/governing-2017/participants?country=KE"
    response = act(client, people["kip"], "confirm", next=next_url)
    assert response.headers["Location"].endswith(next_url)


def test_next_cannot_lead_off_the_site(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    response = act(client, people["kip"], "confirm", next="https://evil.example/")
    assert response.headers["Location"].endswith("/courses/governing-2017/participants")


def test_a_registration_of_another_course_is_404(client, organiser, people):
    other = make_course(slug="other-course", organisers=(organiser,))
    stranger = person(other, "Elsewhere Person")
    db.session.commit()
    login(client, organiser)
    assert client.get(f"/courses/governing-2017/participants/{stranger.id}").status_code == 404
    assert act(client, stranger, "confirm").status_code == 404
    db.session.refresh(stranger)
    assert stranger.status == S.SUBMITTED


def test_the_detail_page_shows_the_application_escaped_and_its_history(client, organiser, people):
    kip = people["kip"]
    kip.motivation = "<script>alert('x')</script>\n\nSecond paragraph"
    kip.diet = "Vegetarian"
    db.session.commit()
    login(client, organiser)
    act(client, kip, "confirm")
    event = events_of(kip)[-1]
    event.created_at = datetime(2017, 11, 1, 9, 0, tzinfo=UTC)  # 10:00 in Turin
    db.session.commit()
    html = page(client, f"/courses/governing-2017/participants/{kip.id}")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    for text in ("kiprono.mutai@example.org", "Kenya", "University of Nairobi", "Vegetarian"):
        assert text in html
    history = html[html.index("History") :]
    assert "Confirmed" in history
    assert "Olga Organiser" in history
    assert "10:00:00" in history


# ---------------------------------------------------------------------------
# Many at once


def bulk(client, action, registrations, **data):
    return client.post(
        "/courses/governing-2017/participants/bulk",
        data={"action": action, "registration_ids": [r.id for r in registrations], **data},
    )


def test_bulk_reports_what_was_done_and_what_was_refused(client, course, organiser, people):
    late = person(course, "Late Applicant")
    kip = people["kip"]
    db.session.commit()
    login(client, organiser)
    # Two seats are free for three people: the waiting list goes first, in its order.
    response = bulk(client, "confirm", [kip, people["abebe"], people["lena"], late])
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, people["lena"].id).status == S.CONFIRMED
    assert db.session.get(Registration, people["abebe"].id).status == S.CONFIRMED
    assert db.session.get(Registration, kip.id).status == S.SUBMITTED
    assert db.session.get(Registration, late.id).status == S.SUBMITTED
    assert events_of(kip) == []
    html = page(client, "/courses/governing-2017/participants")
    assert "2 registrations changed." in html
    assert "Not changed: Kiprono Mutai. The course is full" in html
    assert "Not changed: Late Applicant. The course is full" in html


def test_bulk_reject_refuses_a_confirmed_registration(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    bulk(client, "reject", [people["ana"], people["kip"]])
    db.session.expire_all()
    assert people["ana"].status == S.CONFIRMED
    assert people["kip"].status == S.REJECTED
    html = page(client, "/courses/governing-2017/participants")
    assert "1 registration changed." in html
    assert "Not changed: Ana Souza." in html


def test_bulk_refuses_registrations_of_another_course(client, organiser, people):
    other = make_course(slug="other-course", organisers=(organiser,))
    stranger = person(other, "Elsewhere Person")
    db.session.commit()
    login(client, organiser)
    bulk(client, "reject", [people["kip"], stranger])
    db.session.expire_all()
    assert people["kip"].status == S.SUBMITTED
    assert stranger.status == S.SUBMITTED
    assert "not of this course" in page(client, "/courses/governing-2017/participants")


def test_bulk_needs_an_action_and_a_selection(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    bulk(client, "", [people["kip"]])
    assert "Choose an action." in page(client, "/courses/governing-2017/participants")
    bulk(client, "confirm", [])
    assert "Select at least one participant." in page(
        client, "/courses/governing-2017/participants"
    )
    db.session.expire_all()
    assert people["kip"].status == S.SUBMITTED


def test_bulk_actions_work_without_http(course, organiser, people):
    outcome = apply_to_many([people["kip"], people["ana"]], DeskAction.CANCEL, actor=organiser)
    assert [r.id for r in outcome.done] == [people["kip"].id, people["ana"].id]
    assert outcome.refused == []
    outcome = apply_to_many([people["kip"]], DeskAction.CONFIRM, actor=organiser)
    assert outcome.done == []
    assert [r.id for r, _reason in outcome.refused] == [people["kip"].id]


# ---------------------------------------------------------------------------
# Who may do what


def test_a_facilitator_sees_the_desk_but_changes_nothing(client, facilitator, people):
    kip = people["kip"]
    db.session.commit()
    login(client, facilitator)
    html = page(client, "/courses/governing-2017/participants")
    assert "Kiprono Mutai" in html
    assert 'name="action"' not in html  # no buttons that would only answer 403
    assert page(client, f"/courses/governing-2017/participants/{kip.id}")
    assert act(client, kip, "confirm").status_code == 403
    assert act(client, people["abebe"], "up").status_code == 403
    assert bulk(client, "reject", [kip]).status_code == 403
    db.session.expire_all()
    assert kip.status == S.SUBMITTED
    assert events_of(kip) == []


def test_an_administrator_may_change_registrations(client, people):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    act(client, people["kip"], "confirm")
    db.session.expire_all()
    assert people["kip"].status == S.CONFIRMED


def test_the_desk_is_closed_to_others(client, course, people):
    stranger = make_user(Role.ORGANISER)
    db.session.commit()
    assert client.get("/courses/governing-2017/participants").status_code == 302  # log in
    login(client, stranger)
    assert client.get("/courses/governing-2017/participants").status_code == 403
    assert client.get("/courses/no-such-course/participants").status_code == 404


# ---------------------------------------------------------------------------
# The participant list confirmed participants see


@pytest.fixture
def listed(course):
    return {
        "shown": person(course, "Shown Person", S.CONFIRMED, consent_listing=True, country="KE"),
        "private": person(course, "Private Person", S.CONFIRMED, consent_listing=False),
        "waiting": person(course, "Waiting Person", S.WAITLISTED, consent_listing=True),
    }


def test_the_participant_list_shows_only_those_who_agreed(client, listed):
    db.session.commit()
    login(client, listed["shown"].user)
    html = page(client, "/courses/governing-2017/participants/list")
    assert "Shown Person" in html
    assert "Municipality of Belo Horizonte" in html and "Kenya" in html
    assert "Private Person" not in html
    assert "Waiting Person" not in html  # not confirmed
    assert "shown.person@example.org" not in html  # nothing but name, organisation, country


def test_a_confirmed_participant_who_did_not_agree_still_sees_the_list(client, listed):
    db.session.commit()
    login(client, listed["private"].user)
    assert "Shown Person" in page(client, "/courses/governing-2017/participants/list")


def test_the_participant_list_is_refused_to_the_waiting_list_and_strangers(client, listed):
    db.session.commit()
    login(client, listed["waiting"].user)
    assert client.get("/courses/governing-2017/participants/list").status_code == 403
    login(client, make_user())
    db.session.commit()
    assert client.get("/courses/governing-2017/participants/list").status_code == 403


def test_the_team_sees_the_participant_list(client, facilitator, listed):
    db.session.commit()
    login(client, facilitator)
    assert "Shown Person" in page(client, "/courses/governing-2017/participants/list")


def test_pages_have_one_heading_and_a_title(client, organiser, people):
    people["ana"].diet = "Halal"
    db.session.commit()
    login(client, organiser)
    ana = people["ana"]
    for path in (
        "participants",
        f"participants/{ana.id}",
        "participants/summary",
        "participants/special-needs",
        "participants/list",
        "attendance",
        "attendance/2017-11-20/sheet",
    ):
        html = page(client, f"/courses/governing-2017/{path}")
        assert html.count("<h1") == 1, path
        assert "<title> · " not in html, path


def test_the_manage_tabs_lead_to_the_desk(client, organiser, course):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants")
    assert 'href="/courses/governing-2017/participants" aria-current="page"' in html


def test_events_are_recorded_with_the_time(course, organiser, people):
    before = datetime.now(UTC) - timedelta(seconds=5)
    services.confirm(people["kip"], actor=organiser)
    [event] = events_of(people["kip"])
    assert event.created_at >= before
