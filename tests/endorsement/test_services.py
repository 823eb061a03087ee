"""Endorsement rules: the request and its link, the endorser's answer, another endorser, the
organisers' override, and what the registration rules do with a waiting application."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import RegistrationMode
from app.db import now_utc
from app.endorsement import services
from app.endorsement.models import Endorsement, EndorsementStatus
from app.extensions import db
from app.registration import services as registration
from app.registration.models import RegistrationEvent, RegistrationStatus
from tests.endorsement.conftest import (
    applicant,
    apply_with_endorser,
    body,
    endorsed_course,
    link_token,
    mails_to,
    subjects_to,
)
from tests.factories import application_data, make_registration, make_user

S = RegistrationStatus
E = EndorsementStatus


def history(registration) -> list[tuple[str, int | None, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(RegistrationEvent)
        .where(RegistrationEvent.registration_id == registration.id)
        .order_by(RegistrationEvent.id)
    )
    return [(row.action, row.actor_id, row.note) for row in rows]


# ---------------------------------------------------------------------------
# Applying and the request


def test_application_waits_without_taking_a_seat(course):
    ana = applicant("ana@example.org", "Ana Souza")
    registration, endorsement, raw = apply_with_endorser(course, ana)
    assert registration.status == S.SUBMITTED
    assert registration.waitlist_position is None
    assert registration.decided_at is None
    assert registration_seats(course) == (0, 2)
    assert endorsement.status == E.AWAITING
    assert endorsement.state() == E.AWAITING
    assert (endorsement.endorser_name, endorsement.endorser_email) == (
        "Marta Rossi",
        "marta.rossi@comune.torino.it",
    )
    assert endorsement.endorser_position == "Head of the migration office"
    # Only the hash of the link's secret is kept.
    assert endorsement.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in endorsement.token_hash and len(raw) >= 40
    assert endorsement.previous_token_hash is None
    assert endorsement.responded_at is None and endorsement.reminder_sent_at is None


def registration_seats(course) -> tuple[int, int | None]:
    return registration.seats_held(course), registration.seats_left(course)


def test_a_full_course_does_not_waitlist_before_endorsement(course):
    for n in range(2):
        make_registration(course, make_user(email=f"seat{n}@example.org"))
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    assert reg.status == S.SUBMITTED and reg.waitlist_position is None
    assert registration.waitlist(course) == []


def test_the_endorser_gets_a_link_and_the_applicant_a_notice_in_their_language(course):
    lucia = applicant("lucia@example.org", "Lucía Pérez", locale="es")
    _, _, raw = apply_with_endorser(
        course, lucia, endorser="Jorge Ruiz", endorser_email="jorge@quito.gob.ec", language="es"
    )
    (to_endorser,) = mails_to("jorge@quito.gob.ec")
    assert to_endorser.raw.count(b"Content-Language: es") == 1
    assert link_token(to_endorser) == raw
    assert "Jorge Ruiz" in body(to_endorser)
    (to_applicant,) = mails_to("lucia@example.org")
    assert "Jorge Ruiz" in body(to_applicant)
    # No "submitted for approval" message: the course is first come, first served.
    assert len(subjects_to("lucia@example.org")) == 1


def test_history_records_the_request_with_the_applicant(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    assert history(reg) == [
        ("submitted", ana.id, ""),
        ("endorsement_requested", ana.id, "Marta Rossi <marta.rossi@comune.torino.it>"),
    ]


@pytest.mark.parametrize("email", ["ana@example.org", " ANA@Example.org "])
def test_the_applicant_cannot_endorse_themselves(course, email):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = registration.apply(course, ana, application_data(email=ana.email))
    with pytest.raises(services.EndorsementError, match="someone else"):
        services.request_endorsement(
            reg, services.EndorserData("Ana", "Director", email), actor=ana
        )


def test_the_account_email_is_refused_too_when_the_application_gives_another(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = registration.apply(course, ana, application_data(email="ana.work@example.org"))
    with pytest.raises(services.EndorsementError):
        services.request_endorsement(
            reg, services.EndorserData("Ana", "Director", "ana@example.org"), actor=ana
        )
    assert services.endorsement_of(reg) is None


@pytest.mark.parametrize("field", ["name", "position", "email"])
def test_every_endorser_field_is_needed(course, field):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = registration.apply(course, ana, application_data(email=ana.email))
    values = {"name": "Marta Rossi", "position": "Head", "email": "marta@example.org"}
    values[field] = "   "
    with pytest.raises(services.EndorsementError, match="name, position and email"):
        services.request_endorsement(reg, services.EndorserData(**values), actor=ana)


def test_endorser_details_are_tidied(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = registration.apply(course, ana, application_data(email=ana.email))
    endorsement, _ = services.request_endorsement(
        reg,
        services.EndorserData("  Marta   Rossi ", " Head  of office ", " Marta@Comune.IT "),
        actor=ana,
    )
    assert (
        endorsement.endorser_name,
        endorsement.endorser_position,
        endorsement.endorser_email,
    ) == ("Marta Rossi", "Head of office", "marta@comune.it")


def test_only_the_applicant_names_the_endorser(course, organiser):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = registration.apply(course, ana, application_data(email=ana.email))
    with pytest.raises(registration.NotAllowed):
        services.request_endorsement(
            reg, services.EndorserData("M", "H", "m@example.org"), actor=organiser
        )


def test_an_rsvp_never_waits_for_endorsement(course):
    assert services.is_required(course)
    course.registration_mode = RegistrationMode.RSVP
    assert not services.is_required(course)
    course.registration_mode = RegistrationMode.FULL
    course.requires_endorsement = False
    assert not services.is_required(course)


def test_a_course_without_endorsement_confirms_at_once():
    course = endorsed_course(capacity=2)
    course.requires_endorsement = False
    reg = registration.apply(course, make_user(), application_data())
    assert reg.status == S.CONFIRMED


# ---------------------------------------------------------------------------
# Expiry of the link


def test_link_expires_after_the_configured_days(course, app):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    _, endorsement, _ = apply_with_endorser(course, ana, now=now)
    assert endorsement.requested_at == now
    assert endorsement.expires_at == now + timedelta(days=14)
    app.config["ENDORSEMENT_LINK_DAYS"] = 3
    try:
        assert services.link_expiry(course, now) == now + timedelta(days=3)
    finally:
        app.config["ENDORSEMENT_LINK_DAYS"] = 14


def test_link_never_outlives_the_closing_date(course):
    now = now_utc()
    course.registration_closes_at = now + timedelta(days=5)
    assert services.link_expiry(course, now) == now + timedelta(days=5)
    course.registration_closes_at = now + timedelta(days=14, seconds=1)
    assert services.link_expiry(course, now) == now + timedelta(days=14)
    course.registration_closes_at = now + timedelta(days=14)
    assert services.link_expiry(course, now) == now + timedelta(days=14)


def test_no_new_link_once_applications_have_closed(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    course.registration_closes_at = now_utc() + timedelta(days=1)
    later = course.registration_closes_at
    with pytest.raises(services.EndorsementError, match="closed"):
        services.request_endorsement(
            reg, services.EndorserData("Ugo", "Mayor", "ugo@example.org"), actor=ana, now=later
        )
    # A second earlier it still works, for that second.
    endorsement, _ = services.request_endorsement(
        reg,
        services.EndorserData("Ugo", "Mayor", "ugo@example.org"),
        actor=ana,
        now=later - timedelta(seconds=1),
    )
    assert endorsement.expires_at == later


# ---------------------------------------------------------------------------
# The link


def test_find_by_link_before_and_at_expiry(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    _, endorsement, raw = apply_with_endorser(course, ana, now=now)
    end = endorsement.expires_at
    assert services.find_by_link(raw, end - timedelta(seconds=1)) == endorsement
    with pytest.raises(services.InvalidLink) as exc:
        services.find_by_link(raw, end)
    assert exc.value.problem == services.LinkProblem.EXPIRED
    assert endorsement.state(end) == E.EXPIRED
    assert endorsement.state(end - timedelta(seconds=1)) == E.AWAITING


def test_unknown_link(course):
    with pytest.raises(services.InvalidLink) as exc:
        services.find_by_link("not-a-link")
    assert exc.value.problem == services.LinkProblem.UNKNOWN
    assert exc.value.problem.http_status == 404


def test_link_of_a_withdrawn_application(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    registration.cancel(reg, actor=ana)
    with pytest.raises(services.InvalidLink) as exc:
        services.find_by_link(raw)
    assert exc.value.problem == services.LinkProblem.CLOSED
    assert exc.value.problem.http_status == 410


def test_link_of_an_unpublished_or_cancelled_course(course):
    from app.courses.models import CourseStatus

    ana = applicant("ana@example.org", "Ana Souza")
    _, _, raw = apply_with_endorser(course, ana)
    for status in (CourseStatus.DRAFT, CourseStatus.CANCELLED):
        course.status = status
        with pytest.raises(services.InvalidLink) as exc:
            services.find_by_link(raw)
        assert exc.value.problem == services.LinkProblem.CLOSED
    course.status = CourseStatus.PUBLISHED
    assert services.find_by_link(raw).registration.user == ana


# ---------------------------------------------------------------------------
# The answer


def test_endorsement_confirms_while_seats_remain(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    endorsement = services.respond(raw, endorse=True, comment="  Ana leads our desk.  ", now=now)
    assert endorsement.status == E.ENDORSED
    assert endorsement.responded_at == now
    assert endorsement.comment == "Ana leads our desk."
    assert reg.status == S.CONFIRMED and reg.decided_at is not None
    actions = history(reg)
    assert actions[-2] == (
        "endorsed",
        None,
        "Marta Rossi, Head of the migration office: Ana leads our desk.",
    )
    assert actions[-1][:2] == ("confirmed", None)
    assert subjects_to("ana@example.org")[-2:] == [
        "Your application is endorsed: Governing migration at the local level",
        "Your place is confirmed: Governing migration at the local level",
    ]


def test_endorsement_is_single_use(course):
    ana = applicant("ana@example.org", "Ana Souza")
    _, _, raw = apply_with_endorser(course, ana)
    services.respond(raw, endorse=True)
    with pytest.raises(services.InvalidLink) as exc:
        services.respond(raw, endorse=False)
    assert exc.value.problem == services.LinkProblem.ANSWERED
    assert exc.value.problem.http_status == 410


def test_endorsed_when_full_joins_the_end_of_the_waiting_list(course):
    ana = applicant("ana@example.org", "Ana Souza")
    ane = applicant("ane@example.org", "Ane Souza")
    reg_ana, _, raw_ana = apply_with_endorser(course, ana)
    reg_ane, _, raw_ane = apply_with_endorser(course, ane, endorser_email="boss@example.org")
    for n in range(2):
        make_registration(course, make_user(email=f"seat{n}@example.org"))
    waiting = make_registration(course, make_user(), status=S.WAITLISTED)
    # Ane's employer answers first: Ane is ahead of Ana, both behind who was waiting.
    services.respond(raw_ane, endorse=True)
    services.respond(raw_ana, endorse=True)
    assert (reg_ana.status, reg_ane.status) == (S.WAITLISTED, S.WAITLISTED)
    assert registration.waitlist(course) == [waiting, reg_ane, reg_ana]
    assert registration.seats_held(course) == 2


def test_endorsed_when_full_is_told_its_place_in_line_and_the_history_says_how_it_got_there(
    course,
):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    for n in range(2):
        make_registration(course, make_user(email=f"seat{n}@example.org"))
    make_registration(course, make_user(name="Anna Souza"), status=S.WAITLISTED)
    services.respond(raw, endorse=True)
    assert reg.status == S.WAITLISTED
    assert "on the waiting list, in position 2." in body(mails_to("ana@example.org")[-1])
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(RegistrationEvent)
        .where(RegistrationEvent.registration_id == reg.id)
        .order_by(RegistrationEvent.id)
    ).all()
    assert [(r.action, r.from_status, r.to_status) for r in rows[-2:]] == [
        ("endorsed", S.SUBMITTED, S.SUBMITTED),
        ("waitlisted", S.SUBMITTED, S.WAITLISTED),
    ]


def test_endorsed_on_an_approval_course_waits_for_the_organisers(course, organiser):
    course.requires_approval = True
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    with pytest.raises(services.NotEndorsed):
        registration.confirm(reg, actor=organiser)
    with pytest.raises(services.NotEndorsed):
        registration.put_on_waitlist(reg, actor=organiser)
    services.respond(raw, endorse=True)
    assert reg.status == S.SUBMITTED
    assert subjects_to("ana@example.org")[-1].startswith("Application received")
    registration.confirm(reg, actor=organiser)
    assert reg.status == S.CONFIRMED


def test_endorsed_in_the_last_second_of_the_link(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, raw = apply_with_endorser(course, ana)
    services.respond(raw, endorse=True, now=endorsement.expires_at - timedelta(seconds=1))
    assert reg.status == S.CONFIRMED


def test_admit_leaves_a_started_course_to_the_organisers(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    registration.admit(reg, now=registration.course_start_utc(course))
    assert reg.status == S.SUBMITTED
    with pytest.raises(registration.NotAllowed):
        registration.admit(make_registration(course, make_user()))


def test_a_pending_application_can_still_be_rejected(course, organiser):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    registration.reject(reg, actor=organiser)
    assert reg.status == S.REJECTED
    with pytest.raises(services.InvalidLink):
        services.respond(raw, endorse=True)


def test_decline_tells_the_applicant_and_keeps_the_application_waiting(course, organiser):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    endorsement = services.respond(raw, endorse=False, comment="Not this year.", now=now)
    assert (endorsement.status, endorsement.responded_at) == (E.DECLINED, now)
    assert reg.status == S.SUBMITTED
    assert subjects_to("ana@example.org")[-1] == (
        "Endorsement declined: Governing migration at the local level"
    )
    assert "Not this year." in body(mails_to("ana@example.org")[-1])
    assert history(reg)[-1] == (
        "endorsement_declined",
        None,
        "Marta Rossi, Head of the migration office: Not this year.",
    )
    with pytest.raises(services.NotEndorsed):
        registration.confirm(reg, actor=organiser)


def test_another_endorser_after_a_decline_gets_a_new_link(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, old = apply_with_endorser(course, ana)
    services.respond(old, endorse=False)
    assert services.can_name_endorser(reg, services.endorsement_of(reg))
    endorsement, new = services.request_endorsement(
        reg, services.EndorserData("Ugo Bassi", "Mayor", "ugo@comune.torino.it"), actor=ana
    )
    assert new != old
    assert endorsement.status == E.AWAITING
    assert (endorsement.responded_at, endorsement.comment) == (None, "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 1
    with pytest.raises(services.InvalidLink) as exc:
        services.find_by_link(old)
    assert exc.value.problem == services.LinkProblem.UNKNOWN
    assert link_token(mails_to("ugo@comune.torino.it")[-1]) == new
    assert history(reg)[-1] == (
        "endorser_changed",
        ana.id,
        "Marta Rossi <marta.rossi@comune.torino.it> (declined) -> Ugo Bassi <ugo@comune.torino.it>",
    )
    services.respond(new, endorse=True)
    assert reg.status == S.CONFIRMED


def test_renaming_while_waiting_replaces_the_link(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, first, old = apply_with_endorser(course, ana, now=now - timedelta(days=2))
    first.reminder_sent_at = now - timedelta(days=1)
    first.expiry_notified_at = now - timedelta(days=1)
    endorsement, new = services.request_endorsement(
        reg,
        services.EndorserData("Marta Rossi-Bianchi", "Head", "marta.rossi@comune.torino.it"),
        actor=ana,
        now=now,
    )
    assert endorsement.requested_at == now
    assert endorsement.expires_at == now + timedelta(days=14)
    assert endorsement.reminder_sent_at is None and endorsement.expiry_notified_at is None
    assert endorsement.previous_token_hash is None
    with pytest.raises(services.InvalidLink):
        services.find_by_link(old)
    assert services.find_by_link(new) == endorsement


def test_no_new_endorser_once_endorsed(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    course.requires_approval = True
    services.respond(raw, endorse=True)
    assert reg.status == S.SUBMITTED
    assert not services.can_name_endorser(reg, services.endorsement_of(reg))
    with pytest.raises(registration.NotAllowed):
        services.request_endorsement(
            reg, services.EndorserData("Ugo", "Mayor", "ugo@example.org"), actor=ana
        )


def test_no_endorser_for_a_decided_application(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = make_registration(course, ana, status=S.CONFIRMED)
    assert not services.can_name_endorser(reg, None)
    course.requires_endorsement = False
    reg.status = S.SUBMITTED
    assert not services.can_name_endorser(reg, None)


# ---------------------------------------------------------------------------
# The organisers' override


def test_waive_records_who_and_admits(course, organiser):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    endorsement = services.waive(reg, actor=organiser, note=" Known to us ", now=now)
    assert endorsement.status == E.WAIVED
    assert (endorsement.waived_at, endorsement.waived_by_id) == (now, organiser.id)
    assert endorsement.responded_at is None
    assert reg.status == S.CONFIRMED
    assert history(reg)[-2] == ("endorsement_waived", organiser.id, "Known to us")
    with pytest.raises(services.InvalidLink) as exc:
        services.find_by_link(raw)
    assert exc.value.problem == services.LinkProblem.ANSWERED


def test_waive_after_a_decline_on_an_approval_course_lets_the_organiser_confirm(course, organiser):
    course.requires_approval = True
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    services.respond(raw, endorse=False)
    services.waive(reg, actor=organiser)
    assert reg.status == S.SUBMITTED
    registration.confirm(reg, actor=organiser)
    assert reg.status == S.CONFIRMED


def test_waive_needs_a_pending_endorsement(course, organiser):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    course.requires_approval = True
    services.respond(raw, endorse=True)
    with pytest.raises(registration.NotAllowed):
        services.waive(reg, actor=organiser)
    plain = make_registration(course, make_user(), status=S.SUBMITTED)
    with pytest.raises(registration.NotAllowed):
        services.waive(plain, actor=organiser)


def test_waive_refused_once_decided(course, organiser):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    registration.reject(reg, actor=organiser)
    with pytest.raises(registration.NotAllowed):
        services.waive(reg, actor=organiser)


def test_turning_the_requirement_off_lets_pending_ones_be_decided(course, organiser):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    course.requires_endorsement = False
    registration.confirm(reg, actor=organiser)
    assert reg.status == S.CONFIRMED


def test_endorsements_by_registration(course):
    assert services.endorsements_by_registration([]) == {}
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, _ = apply_with_endorser(course, ana)
    other = make_registration(course, make_user())
    assert services.endorsements_by_registration([reg.id, other.id]) == {reg.id: endorsement}


def test_is_pending():
    assert not services.is_pending(None)
    for status, pending in [
        (E.AWAITING, True),
        (E.DECLINED, True),
        (E.ENDORSED, False),
        (E.WAIVED, False),
    ]:
        assert services.is_pending(Endorsement(status=status)) is pending


def test_admin_may_waive(course):
    admin = make_user(Role.ADMIN)
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, _ = apply_with_endorser(course, ana)
    services.waive(reg, actor=admin)
    assert services.endorsement_of(reg).waived_by == admin


# ---------------------------------------------------------------------------
# Details make mutate asked for


def test_error_messages_are_exact(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg = registration.apply(course, ana, application_data(email="ana.work@example.org"))
    with pytest.raises(services.EndorsementError) as exc:
        services.request_endorsement(reg, services.EndorserData("", "H", "m@x.org"), actor=ana)
    assert str(exc.value) == "Give the endorser's name, position and email address."
    # The application's own (lower-case) address is refused too, not only the account's.
    with pytest.raises(services.EndorsementError) as exc:
        services.request_endorsement(
            reg, services.EndorserData("Ana", "Me", "ana.work@example.org"), actor=ana
        )
    assert str(exc.value) == "The endorser must be someone else: give their own email."
    course.registration_closes_at = now_utc()
    with pytest.raises(services.EndorsementError) as exc:
        services.request_endorsement(
            reg, services.EndorserData("Ugo", "Mayor", "ugo@example.org"), actor=ana
        )
    assert str(exc.value) == (
        "Applications have closed, so no new endorsement link can be sent: please write to "
        "the course team."
    )


def test_invalid_link_says_which_problem():
    with pytest.raises(services.InvalidLink) as exc:
        services.find_by_link("nothing")
    assert str(exc.value) == "unknown"


def test_mails_link_to_the_course_and_my_courses_in_the_applicants_language(course):
    from app.courses.models import CourseTranslation

    course.translations.append(
        CourseTranslation(locale="fr", title="Gouverner la migration au niveau local")
    )
    course.languages = "en,fr"
    louise = applicant("louise@example.org", "Louise Martin", locale="fr")
    apply_with_endorser(course, louise, language="fr")
    (to_endorser,) = mails_to("marta.rossi@comune.torino.it")
    assert "Gouverner la migration au niveau local" in to_endorser.subject
    assert f"http://atelier.test/courses/{course.slug}" in body(to_endorser)
    (to_applicant,) = mails_to("louise@example.org")
    assert "http://atelier.test/my/courses" in body(to_applicant)
    assert "Gouverner la migration au niveau local" in to_applicant.subject


def test_an_answer_without_a_comment(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, _, raw = apply_with_endorser(course, ana)
    endorsement = services.respond(raw, endorse=True)
    assert endorsement.comment == ""
    assert ("endorsed", None, "Marta Rossi, Head of the migration office") in history(reg)


def test_an_answer_after_expiry_is_refused_at_the_time_given(course):
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, raw = apply_with_endorser(course, ana)
    with pytest.raises(services.InvalidLink) as exc:
        services.respond(raw, endorse=True, now=endorsement.expires_at)
    assert exc.value.problem == services.LinkProblem.EXPIRED
    assert reg.status == S.SUBMITTED


def started_course_with_a_waiting_application(course):
    """The course started yesterday; the application and its link are still open."""
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, raw = apply_with_endorser(course, ana)
    course.start_date = (now_utc() - timedelta(days=1)).date()
    return reg, endorsement, raw, registration.course_start_utc(course) - timedelta(hours=1)


def test_answer_applies_the_rules_at_the_time_given(course):
    reg, _, raw, before_start = started_course_with_a_waiting_application(course)
    services.respond(raw, endorse=True, now=before_start)
    assert reg.status == S.CONFIRMED


def test_waive_applies_the_rules_at_the_time_given(course, organiser):
    reg, _, _, before_start = started_course_with_a_waiting_application(course)
    services.waive(reg, actor=organiser, now=before_start)
    assert reg.status == S.CONFIRMED
    assert history(reg)[-2] == ("endorsement_waived", organiser.id, "")


def test_renaming_after_expiry_notes_it_expired(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, _ = apply_with_endorser(course, ana, now=now - timedelta(days=10))
    later = now + timedelta(days=5)  # past the link's end, unlike the real clock
    assert (endorsement.state(now), endorsement.state(later)) == (E.AWAITING, E.EXPIRED)
    services.request_endorsement(
        reg, services.EndorserData("Ugo Bassi", "Mayor", "ugo@example.org"), actor=ana, now=later
    )
    assert history(reg)[-1][2].startswith("Marta Rossi <marta.rossi@comune.torino.it> (expired)")


def test_registrations_in_state_at_the_boundary(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, _ = apply_with_endorser(course, ana, now=now)
    ids = lambda state, at: set(db.session.scalars(services.registrations_in_state(state, at)))  # noqa: E731
    end = endorsement.expires_at
    assert ids(E.AWAITING, end - timedelta(seconds=1)) == {reg.id}
    assert ids(E.EXPIRED, end - timedelta(seconds=1)) == set()
    assert ids(E.AWAITING, end) == set()
    assert ids(E.EXPIRED, end) == {reg.id}
    # A declined request past its date is declined, not expired.
    endorsement.status = E.DECLINED
    assert ids(E.EXPIRED, end) == set()
    assert ids(E.DECLINED, end) == {reg.id}
