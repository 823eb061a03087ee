"""Participants' work in the follow-up phase: services called directly, then the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import Role
from app.core.timeutil import local_date
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from app.followup import submissions as work
from app.followup.models import ActivityKind, FollowupActivity, Submission
from app.followup.services import (
    ActivityData,
    apply_followup_defaults,
    create_activity,
    venue_today,
)
from app.registration.models import RegistrationStatus
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user, make_venue

SLUG = "governing-now"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER)


@pytest.fixture
def course(organiser):
    """A course whose follow-up phase is open today (on site 20 days ago, phase two days old)."""
    today = venue_today_rome()
    course = make_course(
        slug=SLUG,
        start=today - timedelta(days=20),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
    )
    apply_followup_defaults(course)
    db.session.commit()
    return course


def venue_today_rome() -> date:
    return local_date(now_utc(), "Europe/Rome")


def add(course, organiser, kind=ActivityKind.ASSIGNMENT, title="Local action plan", **kw):
    today = venue_today(course)
    if kind == ActivityKind.ASSIGNMENT:
        kw.setdefault("due_date", today + timedelta(days=10))
    elif kind == ActivityKind.WEBINAR:
        kw.setdefault("day", today + timedelta(days=3))
        kw.setdefault("start_time", time(15))
        kw.setdefault("end_time", time(16))
    activity = create_activity(course, ActivityData(kind=kind, title=title, **kw), actor=organiser)
    db.session.commit()
    return activity


@pytest.fixture
def assignment(course, organiser):
    return add(course, organiser, is_required=True)


@pytest.fixture
def participant():
    return make_user(name="Ana Souza")


@pytest.fixture
def registration(course, participant):
    registration = make_registration(course, participant)
    db.session.commit()
    return registration


def stored() -> list[Submission]:
    """The work handed in for the course under test (the busy neighbour has its own)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Submission)
            .join(FollowupActivity)
            .join(Course)
            .where(Course.slug == SLUG)
            .order_by(Submission.id)
        )
    )


# --- when participants see the phase ---------------------------------------------------------


def test_phase_is_visible_from_two_weeks_before_it_opens_until_it_closes():
    course = make_course(start=date(2017, 11, 20))
    apply_followup_defaults(course)  # 8 Dec 2017 to 4 Jan 2018
    assert not work.phase_visible(course, date(2017, 11, 23))
    assert work.phase_visible(course, date(2017, 11, 24))  # 14 days before
    assert work.phase_visible(course, date(2017, 12, 8))
    assert work.phase_visible(course, date(2018, 1, 4))
    assert not work.phase_visible(course, date(2018, 1, 5))


def test_an_unscheduled_phase_is_not_visible():
    course = make_course(start=date(2017, 11, 20))
    assert not work.phase_visible(course, date(2017, 12, 10))


# --- services --------------------------------------------------------------------------------


def test_submit_a_text(registration, assignment, participant):
    submission = work.submit_work(
        registration, assignment, text="  Our plan:\r\nthree steps.  ", link="", actor=participant
    )
    db.session.commit()
    [row] = stored()
    assert row.id == submission.id
    assert (row.text, row.link, row.is_complete) == ("Our plan:\nthree steps.", "", False)


def test_resubmitting_replaces_the_work(registration, assignment, participant):
    first = work.submit_work(registration, assignment, text="Draft", link="", actor=participant)
    later = now_utc() + timedelta(hours=1)
    second = work.submit_work(
        registration,
        assignment,
        text="",
        link="https://example.org/plan.pdf",
        actor=participant,
        now=later,
    )
    db.session.commit()
    assert second.id == first.id
    [row] = stored()
    assert (row.text, row.link, row.submitted_at) == ("", "https://example.org/plan.pdf", later)


@pytest.mark.parametrize(
    ("text", "link", "field"),
    [
        ("", "", None),
        ("   ", "  ", None),
        ("x" * 5001, "", "text"),
        ("", "javascript:alert(1)", "link"),
        ("", "ftp://example.org/plan", "link"),
        ("", "https://example.org/" + "a" * 500, "link"),
    ],
)
def test_invalid_work_is_refused(registration, assignment, participant, text, link, field):
    with pytest.raises(work.InvalidSubmission) as caught:
        work.submit_work(registration, assignment, text=text, link=link, actor=participant)
    assert field in caught.value.errors
    assert stored() == []


def test_text_of_exactly_5000_characters_is_accepted(registration, assignment, participant):
    work.submit_work(registration, assignment, text="x" * 5000, link="", actor=participant)
    assert len(stored()[0].text) == 5000


def test_only_assignments_take_submissions(course, organiser, registration, participant):
    webinar = add(course, organiser, kind=ActivityKind.WEBINAR, title="Live session")
    with pytest.raises(work.SubmissionNotAllowed, match="Only assignments"):
        work.submit_work(registration, webinar, text="Hello", link="", actor=participant)


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED, RegistrationStatus.SUBMITTED],
)
def test_only_confirmed_participants_submit(course, assignment, status):
    registration = make_registration(course, status=status)
    with pytest.raises(work.SubmissionNotAllowed, match="confirmed participants"):
        work.submit_work(registration, assignment, text="Hi", link="", actor=registration.user)


def test_no_submission_after_the_phase_closed(course, registration, assignment, participant):
    after = datetime.combine(course.followup_closes_on + timedelta(days=1), time(12), UTC)
    with pytest.raises(work.SubmissionNotAllowed, match="has closed"):
        work.submit_work(
            registration, assignment, text="Late", link="", actor=participant, now=after
        )


def test_no_submission_long_before_the_phase_opens(course, registration, assignment, participant):
    before = datetime.combine(course.followup_opens_on - timedelta(days=20), time(12), UTC)
    with pytest.raises(work.SubmissionNotAllowed, match="not opened yet"):
        work.submit_work(
            registration, assignment, text="Early", link="", actor=participant, now=before
        )


def test_organiser_completes_and_the_work_is_then_frozen(
    registration, assignment, participant, organiser
):
    submission = work.submit_work(registration, assignment, text="Plan", link="", actor=participant)
    work.mark_complete(submission, actor=organiser)
    db.session.commit()
    [row] = stored()
    assert row.is_complete and row.completed_by_id == organiser.id
    with pytest.raises(work.SubmissionNotAllowed, match="completed"):
        work.submit_work(registration, assignment, text="Changed", link="", actor=participant)

    work.mark_incomplete(row, actor=organiser)
    db.session.commit()
    assert not stored()[0].is_complete
    work.submit_work(registration, assignment, text="Changed", link="", actor=participant)
    assert stored()[0].text == "Changed"


def test_completing_twice_keeps_the_first_completion(registration, assignment, organiser):
    submission = work.ensure_submission(registration, assignment)
    first = now_utc() - timedelta(days=1)
    work.mark_complete(submission, actor=organiser, now=first)
    work.mark_complete(submission, actor=make_user(Role.ADMIN))
    assert (submission.completed_at, submission.completed_by_id) == (first, organiser.id)


def test_an_activity_with_nothing_to_submit_can_be_completed(course, organiser, registration):
    webinar = add(course, organiser, kind=ActivityKind.WEBINAR, title="Live session")
    submission = work.ensure_submission(registration, webinar)
    work.mark_complete(submission, actor=organiser)
    db.session.commit()
    [row] = stored()
    assert (row.activity_id, row.text, row.link, row.is_complete) == (webinar.id, "", "", True)
    assert work.ensure_submission(registration, webinar).id == row.id


def test_submissions_for_the_course(course, organiser, registration, assignment, participant):
    other_course = make_course(start=course.start_date, organisers=(organiser,))
    apply_followup_defaults(other_course)
    elsewhere = add(other_course, organiser)
    other_registration = make_registration(other_course, participant)
    work.submit_work(registration, assignment, text="Here", link="", actor=participant)
    work.submit_work(other_registration, elsewhere, text="There", link="", actor=participant)
    found = work.submissions_for(course)
    assert list(found) == [(registration.id, assignment.id)]
    assert found[(registration.id, assignment.id)].text == "Here"


def test_activity_submissions_lists_confirmed_participants_by_name(
    course, assignment, registration, participant
):
    zoe = make_registration(course, make_user(name="Zoë Abebe"))
    bruno = make_registration(course, make_user(name="bruno Keller"))
    make_registration(course, status=RegistrationStatus.WAITLISTED)
    work.submit_work(registration, assignment, text="Plan", link="", actor=participant)
    rows = work.activity_submissions(assignment)
    assert [r.certificate_name for r, _s in rows] == ["Ana Souza", "bruno Keller", "Zoë Abebe"]
    assert [s is not None for _r, s in rows] == [True, False, False]
    assert {r.id for r, _s in rows} == {registration.id, zoe.id, bruno.id}


# --- the activity form's "required" box ------------------------------------------------------


def test_activity_form_stores_is_required(client, course, organiser):
    login(client, organiser)
    due = venue_today(course) + timedelta(days=5)
    response = client.post(
        f"/courses/{SLUG}/followup/activities/new?kind=assignment",
        data={
            "kind": "assignment",
            "title": "Action plan",
            "due_date": due.isoformat(),
            "is_required": "y",
        },
    )
    assert response.status_code == 302
    activity = db.session.scalars(
        sa.select(FollowupActivity).where(FollowupActivity.course_id == course.id)
    ).one()
    assert activity.is_required

    html = client.get(f"/courses/{SLUG}/followup/activities/{activity.id}/edit").text
    assert 'name="is_required"' in html and "checked" in html
    manage = client.get(f"/courses/{SLUG}/followup").text
    assert "Required for the certificate" in manage
    assert f"/followup/activities/{activity.id}/submissions" in manage

    response = client.post(
        f"/courses/{SLUG}/followup/activities/{activity.id}/edit",
        data={"kind": "assignment", "title": "Action plan", "due_date": due.isoformat()},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not activity.is_required


# --- the participant's page ------------------------------------------------------------------


def my_url(slug: str = SLUG) -> str:
    return f"/courses/{slug}/followup/mine"


def submit_url(activity: FollowupActivity) -> str:
    return f"/courses/{SLUG}/followup/mine/{activity.id}/submit"


def test_my_work_lists_the_activities_with_a_form(client, registration, assignment, participant):
    login(client, participant)
    response = client.get(my_url())
    assert response.status_code == 200
    html = response.text
    assert html.count("<h1") == 1
    assert "Local action plan" in html
    assert "Nothing handed in" in html
    assert f'name="activity-{assignment.id}-text"' in html
    assert f'<label for="activity-{assignment.id}-text"' in html


def test_participant_submits_and_resubmits_through_the_page(
    client, registration, assignment, participant
):
    login(client, participant)
    prefix = f"activity-{assignment.id}"
    response = client.post(
        submit_url(assignment), data={f"{prefix}-text": "First draft", f"{prefix}-link": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{my_url()}#activity-{assignment.id}")
    html = client.get(my_url()).text
    assert "Version 1 handed in on" in html and "First draft" in html
    assert "Hand in a new version" in html

    client.post(
        submit_url(assignment),
        data={f"{prefix}-text": "Final", f"{prefix}-link": "https://example.org/final"},
    )
    [row] = stored()
    assert (row.text, row.link) == ("Final", "https://example.org/final")


def test_an_empty_submission_is_shown_as_a_form_error(
    client, registration, assignment, participant
):
    login(client, participant)
    prefix = f"activity-{assignment.id}"
    response = client.post(submit_url(assignment), data={f"{prefix}-text": ""})
    assert response.status_code == 200
    assert "Write a text, give a link to your work or add files." in response.text
    assert stored() == []


def test_a_bad_link_is_shown_beside_its_field(client, registration, assignment, participant):
    login(client, participant)
    prefix = f"activity-{assignment.id}"
    response = client.post(submit_url(assignment), data={f"{prefix}-link": "example.org"})
    assert response.status_code == 200
    assert f'id="{prefix}-link-errors"' in response.text
    assert stored() == []


def test_completed_work_shows_who_completed_it_and_no_form(
    client, registration, assignment, participant, organiser
):
    submission = work.submit_work(registration, assignment, text="Plan", link="", actor=participant)
    work.mark_complete(submission, actor=organiser)
    db.session.commit()
    login(client, participant)
    html = client.get(my_url()).text
    assert "Completed on" in html
    assert f'name="activity-{assignment.id}-text"' not in html
    response = client.post(
        submit_url(assignment), data={f"activity-{assignment.id}-text": "Sneaky change"}
    )
    assert response.status_code == 302
    assert stored()[0].text == "Plan"


def test_the_phase_far_ahead_is_not_shown_yet(client, organiser, participant):
    course = make_course(
        slug="later", start=venue_today_rome() + timedelta(days=30), organisers=(organiser,)
    )
    apply_followup_defaults(course)
    make_registration(course, participant)
    db.session.commit()
    login(client, participant)
    html = client.get(my_url("later")).text
    assert "will be shown here from" in html


@pytest.mark.parametrize(
    "who", ["stranger", "waitlisted", "cancelled", "organiser of another course", "facilitator"]
)
def test_others_may_not_see_or_submit(client, course, assignment, who):
    if who == "waitlisted":
        user = make_registration(course, status=RegistrationStatus.WAITLISTED).user
    elif who == "cancelled":
        user = make_registration(course, status=RegistrationStatus.CANCELLED).user
    elif who == "organiser of another course":
        user = make_user(Role.ORGANISER)
        make_course(organisers=(user,))
    elif who == "facilitator":
        user = make_user()
        course.team.append(CourseTeamMember(user=user, role=TeamRole.FACILITATOR))
    else:
        user = make_user()
    db.session.commit()
    login(client, user)
    assert client.get(my_url()).status_code == 403
    prefix = f"activity-{assignment.id}"
    assert client.post(submit_url(assignment), data={f"{prefix}-text": "Hi"}).status_code == 403
    assert stored() == []


# --- the organisers' page --------------------------------------------------------------------


def submissions_url(activity: FollowupActivity) -> str:
    return f"/courses/{SLUG}/followup/activities/{activity.id}/submissions"


def test_organiser_sees_the_work_escaped(client, registration, assignment, participant, organiser):
    work.submit_work(
        registration,
        assignment,
        text="<script>alert('x')</script>\n\nSecond paragraph",
        link="https://example.org/plan?a=1&b=2",
        actor=participant,
    )
    make_registration(course=registration.course, user=make_user(name="Bruno Keller"))
    db.session.commit()
    login(client, organiser)
    response = client.get(submissions_url(assignment))
    assert response.status_code == 200
    html = response.text
    assert html.count("<h1") == 1
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="https://example.org/plan?a=1&amp;b=2"' in html
    assert "Ana Souza" in html and "Bruno Keller" in html and "Nothing handed in" in html
    assert "0 of 2 confirmed participants have completed it." in html


def test_organiser_toggles_completion(client, registration, assignment, participant, organiser):
    work.submit_work(registration, assignment, text="Plan", link="", actor=participant)
    db.session.commit()
    login(client, organiser)
    url = f"{submissions_url(assignment)}/{registration.id}"
    response = client.post(url, data={"state": "complete"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#registration-{registration.id}")
    [row] = stored()
    assert row.is_complete and row.completed_by_id == organiser.id
    assert "1 of 1 confirmed participants" in client.get(submissions_url(assignment)).text

    client.post(url, data={"state": "incomplete"})
    assert not stored()[0].is_complete


def test_organiser_completes_a_participant_who_submitted_nothing(
    client, registration, assignment, organiser
):
    login(client, organiser)
    client.post(f"{submissions_url(assignment)}/{registration.id}", data={"state": "complete"})
    [row] = stored()
    assert row.is_complete and row.text == "" and row.registration_id == registration.id


def test_a_bad_completion_state_is_a_bad_request(client, registration, assignment, organiser):
    login(client, organiser)
    url = f"{submissions_url(assignment)}/{registration.id}"
    assert client.post(url, data={"state": "maybe"}).status_code == 400


def test_a_registration_of_another_course_is_not_found(client, assignment, organiser):
    other = make_registration(make_course(organisers=(organiser,)))
    db.session.commit()
    login(client, organiser)
    url = f"{submissions_url(assignment)}/{other.id}"
    assert client.post(url, data={"state": "complete"}).status_code == 404
    assert stored() == []


def test_an_activity_of_another_course_is_not_found(client, course, organiser):
    other = make_course(start=course.start_date, organisers=(organiser,))
    apply_followup_defaults(other)
    db.session.commit()
    elsewhere = add(other, organiser)
    login(client, organiser)
    assert client.get(submissions_url(elsewhere)).status_code == 404


def test_administrator_may_see_the_submissions(client, assignment):
    login(client, make_user(Role.ADMIN))
    assert client.get(submissions_url(assignment)).status_code == 200


# --- the guard, for every route added here ---------------------------------------------------

NEW_ROUTES = [
    ("GET", "followup.my_work", "/courses/{slug}/followup/mine"),
    ("POST", "followup.submit_work", "/courses/{slug}/followup/mine/{id}/submit"),
    ("GET", "followup.submissions", "/courses/{slug}/followup/activities/{id}/submissions"),
    (
        "POST",
        "followup.set_completion",
        "/courses/{slug}/followup/activities/{id}/submissions/{registration}",
    ),
]


def test_the_new_routes_are_all_listed(app: Flask):
    in_map = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint in {endpoint for _m, endpoint, _u in NEW_ROUTES}
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert in_map == {(method, endpoint) for method, endpoint, _u in NEW_ROUTES}


@pytest.mark.parametrize(("method", "endpoint", "url"), NEW_ROUTES[2:])
def test_participants_may_not_use_the_organisers_pages(
    client, registration, assignment, participant, method, endpoint, url
):
    login(client, participant)
    path = url.format(slug=SLUG, id=assignment.id, registration=registration.id)
    response = client.open(path, method=method, data={"state": "complete"})
    assert response.status_code == 403
    assert stored() == []


@pytest.mark.parametrize(("method", "endpoint", "url"), NEW_ROUTES)
def test_anonymous_is_sent_to_log_in(client, registration, assignment, method, endpoint, url):
    path = url.format(slug=SLUG, id=assignment.id, registration=registration.id)
    response = client.open(path, method=method, data={"state": "complete"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "endpoint", "url"), NEW_ROUTES)
def test_unknown_course_is_not_found(client, organiser, method, endpoint, url):
    login(client, organiser)
    response = client.open(url.format(slug="nope", id=1, registration=1), method=method)
    assert response.status_code == 404
