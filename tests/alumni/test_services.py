"""The rules of the alumni, without HTTP: consent, which past courses, who is invited, the
invitations kept with who and when, and the prefilled application."""

from __future__ import annotations

import email
import threading
from datetime import date
from email import policy

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from app.accounts.models import User
from app.alumni import services
from app.alumni.models import AlumniInvitation
from app.courses.models import Course, CourseStatus, CourseTranslation
from app.extensions import db
from app.registration import services as registration_services
from app.registration.models import Gender, OrganisationType, RegistrationStatus
from tests.alumni.conftest import NOW, Alumni, at, make_edition, outbox
from tests.factories import application_data, make_course, make_registration, make_user

S = RegistrationStatus


def invitations() -> list[AlumniInvitation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AlumniInvitation).order_by(AlumniInvitation.id)))


# --- consent ---------------------------------------------------------------------------------


def test_an_application_consents_only_when_ticked(alumni: Alumni):
    course = alumni.edition
    yes, no = make_user(name="Ana Souza Lima"), make_user(name="Ana Souza")
    ticked = registration_services.apply(
        course, yes, application_data(email=yes.email, consent_alumni=True), now=NOW
    )
    unticked = registration_services.apply(course, no, application_data(email=no.email), now=NOW)
    assert (ticked.consent_alumni, ticked.consent_alumni_changed_at) == (True, NOW)
    assert (unticked.consent_alumni, unticked.consent_alumni_changed_at) == (False, None)


def test_a_person_withdraws_and_gives_it_again_with_when(alumni: Alumni):
    cast = alumni.cast
    registration = alumni.registration(cast.ana)
    assert services.set_consent(registration, True, actor=cast.ana, now=at(2018, 1, 5)) is True
    # The same choice again keeps the time of the first.
    assert services.set_consent(registration, True, actor=cast.ana, now=at(2018, 2, 1)) is False
    assert registration.consent_alumni_changed_at == at(2018, 1, 5)
    assert services.set_consent(registration, False, actor=cast.ana, now=at(2018, 3, 1)) is True
    assert (registration.consent_alumni, registration.consent_alumni_changed_at) == (
        False,
        at(2018, 3, 1),
    )


@pytest.mark.parametrize("who", ["lucia", "organiser", "admin"])
def test_nobody_else_changes_someone_s_consent(alumni: Alumni, who):
    registration = alumni.registration(alumni.cast.ana)
    with pytest.raises(services.NotYours):
        services.set_consent(registration, True, actor=getattr(alumni.cast, who), now=NOW)
    assert registration.consent_alumni is False
    with pytest.raises(services.NotYours):
        services.set_consent(registration, True, actor=AnonymousUserMixin(), now=NOW)


# --- which past courses ----------------------------------------------------------------------


def test_a_course_has_ended_after_its_last_day_at_the_venue(alumni: Alumni):
    # Friday 24 November 2017 in Turin (UTC+1) ends at 23:00 UTC.
    assert services.has_ended(alumni.past, at(2017, 11, 24, 22, 59)) is False
    assert services.has_ended(alumni.past, at(2017, 11, 24, 23, 0)) is True


def test_the_earlier_edition_and_the_organiser_s_own_ended_courses(alumni: Alumni):
    cast = alumni.cast
    # A course Olga ran in 2016 that is no edition of this one, one of hers still to come, a
    # draft, and a course run by someone else only.
    own = make_course(slug="habitat-2016", start=date(2016, 10, 17), organisers=(cast.organiser,))
    upcoming = make_course(slug="later-2018", start=date(2018, 9, 3), organisers=(cast.organiser,))
    draft = make_course(
        slug="draft-2016",
        start=date(2016, 5, 2),
        organisers=(cast.organiser,),
        status=CourseStatus.DRAFT,
    )
    # Hers too, more recent than the earlier edition: listed after it (the edition is the
    # usual choice), the others newest first.
    recent = make_course(slug="launch-2018", start=date(2018, 3, 5), organisers=(cast.organiser,))
    sources = services.source_courses(alumni.edition, cast.organiser, now=NOW)
    assert sources == [alumni.past, recent, own]
    assert upcoming not in sources and draft not in sources and cast.other not in sources
    # The organiser of another course sees the edition's earlier edition, not Olga's own.
    assert services.source_courses(alumni.edition, cast.other_organiser, now=NOW) == [
        alumni.past,
        cast.other,
    ]


def test_the_earlier_edition_only_once_it_has_ended(alumni: Alumni):
    cast = alumni.cast
    assert services.source_courses(alumni.edition, cast.organiser, now=at(2017, 11, 24, 22)) == []
    sources = services.source_courses(alumni.edition, cast.organiser, now=at(2017, 11, 24, 23))
    assert sources == [alumni.past]


def test_a_course_is_never_its_own_source(alumni: Alumni):
    later = at(2019, 1, 10)
    assert alumni.edition not in services.source_courses(
        alumni.edition, alumni.cast.organiser, now=later
    )


# --- who would be invited --------------------------------------------------------------------


def test_the_preview_sorts_the_past_participants(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana, cast.lucia, cast.waitlisted, cast.cancelled)
    # Registered last, listed first by name; and a second one who did not consent.
    make_registration(alumni.past, make_user(name="Abebe Girma"), consent_alumni=True)
    make_registration(alumni.past, make_user(name="Tesfaye Bekele Alemu"))
    db.session.commit()
    preview = services.preview(alumni.past, alumni.edition)
    # Confirmed and consenting: Abebe, Ana and Lucía. The two Tesfayes did not consent; the
    # waitlisted and cancelled ones consented but never took part.
    assert [r.certificate_name for r in preview.invitees] == [
        "Abebe Girma",
        "Ana Souza",
        "Lucía Peres",
    ]
    assert (preview.not_consented, preview.already_applied, preview.already_invited) == (2, 0, 0)


def test_who_applied_or_was_invited_already_is_left_out(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana, cast.lucia, cast.tesfaye)
    more = [make_user(name=f"Ana Souza {n}") for n in (2, 3, 4)]
    for user in more:
        make_registration(alumni.past, user, consent_alumni=True)
    # Lucía and one more applied (even if cancelled since); Tesfaye and two more were invited.
    make_registration(alumni.edition, cast.lucia, status=S.CANCELLED)
    make_registration(alumni.edition, more[0])
    for user in (cast.tesfaye, more[1], more[2]):
        db.session.add(
            AlumniInvitation(
                course_id=alumni.edition.id,
                source_course_id=None,
                user_id=user.id,
                email=user.email,
                invited_by_id=cast.organiser.id,
                invited_at=at(2018, 6, 2),
            )
        )
    db.session.commit()
    preview = services.preview(alumni.past, alumni.edition)
    assert [r.user_id for r in preview.invitees] == [cast.ana.id]
    assert (preview.not_consented, preview.already_applied, preview.already_invited) == (0, 2, 3)


def test_a_deactivated_account_is_not_invited(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana, cast.lucia)
    cast.lucia.is_active = False
    db.session.commit()
    assert [r.user_id for r in services.preview(alumni.past, alumni.edition).invitees] == [
        cast.ana.id
    ]


# --- inviting --------------------------------------------------------------------------------


def test_inviting_mails_each_in_their_language_and_keeps_who_and_when(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana, cast.lucia)
    sent = services.invite(alumni.past, alumni.edition, actor=cast.organiser, now=NOW)
    db.session.commit()
    assert len(sent) == 2
    rows = [
        (i.course_id, i.source_course_id, i.user_id, i.email, i.invited_by_id, i.invited_at)
        for i in invitations()
    ]
    assert rows == [
        (
            alumni.edition.id,
            alumni.past.id,
            cast.ana.id,
            "ana.souza@example.org",
            cast.organiser.id,
            NOW,
        ),
        (
            alumni.edition.id,
            alumni.past.id,
            cast.lucia.id,
            "lucia.peres@example.com",
            cast.organiser.id,
            NOW,
        ),
    ]
    mails = outbox()
    assert [m.recipient for m in mails] == ["ana.souza@example.org", "lucia.peres@example.com"]
    parsed = {m.recipient: email.message_from_bytes(m.raw, policy=policy.default) for m in mails}
    french, spanish = parsed["ana.souza@example.org"], parsed["lucia.peres@example.com"]
    assert (french["Content-Language"], spanish["Content-Language"]) == ("fr", "es")
    for message in (french, spanish):
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "http://atelier.test/courses/governing-2018/register" in body
        assert "http://atelier.test/courses/governing-2018\r\n" in body
        assert "http://atelier.test/my/courses" in body
        assert "Governing migration at the local level" in message["Subject"]
        # Greeted by the name they gave; the past course and the new one both named.
        assert body.count("Governing migration at the local level") >= 3
    assert "Bonjour Ana Souza," in french.get_body(preferencelist=("plain",)).get_content()
    assert services.invitations_to(alumni.edition) == invitations()[::-1]


def test_nobody_is_invited_twice(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana)
    services.invite(alumni.past, alumni.edition, actor=cast.organiser, now=NOW)
    db.session.commit()
    again = services.invite(alumni.past, alumni.edition, actor=cast.co_organiser, now=NOW)
    assert again == []
    assert len(outbox()) == 1
    assert [i.invited_by_id for i in invitations()] == [cast.organiser.id]


@pytest.mark.parametrize("who", ["facilitator", "reviewer", "ana", "other_organiser"])
def test_only_the_new_course_s_organisers_invite(alumni: Alumni, who):
    alumni.consent(alumni.cast.ana)
    with pytest.raises(services.NotOrganiser):
        services.invite(alumni.past, alumni.edition, actor=getattr(alumni.cast, who), now=NOW)
    assert invitations() == [] and outbox() == []


def test_an_administrator_invites(alumni: Alumni):
    alumni.consent(alumni.cast.ana)
    assert len(services.invite(alumni.past, alumni.edition, actor=alumni.cast.admin, now=NOW)) == 1


def test_a_course_that_is_not_a_source_is_refused(alumni: Alumni):
    cast = alumni.cast
    make_registration(cast.other, make_user(name="Ana Other"), consent_alumni=True)
    with pytest.raises(services.NotASource) as refused:
        services.invite(cast.other, alumni.edition, actor=cast.organiser, now=NOW)
    assert list(refused.value.errors) == ["source"]
    # Nor a past course that has not ended yet.
    with pytest.raises(services.NotASource):
        services.invite(alumni.past, alumni.edition, actor=cast.organiser, now=at(2017, 11, 22))
    assert invitations() == [] and outbox() == []


@pytest.mark.parametrize(
    ("when", "takes"),
    [
        (at(2018, 5, 1), True),  # not open yet: the link will lead to the form once it opens
        (at(2018, 10, 15, 15, 59), True),  # the last minute before 18:00 in Turin (UTC+2)
        (at(2018, 10, 15, 16, 0), False),  # closed
    ],
)
def test_the_new_course_must_take_applications(alumni: Alumni, when, takes):
    alumni.consent(alumni.cast.ana)
    assert services.takes_applications(alumni.edition, when) is takes
    if takes:
        assert (
            len(services.invite(alumni.past, alumni.edition, actor=alumni.cast.organiser, now=when))
            == 1
        )
    else:
        with pytest.raises(services.NotTakingApplications):
            services.invite(alumni.past, alumni.edition, actor=alumni.cast.organiser, now=when)
        assert invitations() == []


def test_a_cancelled_course_takes_no_invitations(alumni: Alumni):
    alumni.consent(alumni.cast.ana)
    alumni.edition.status = CourseStatus.CANCELLED
    with pytest.raises(services.NotTakingApplications):
        services.invite(alumni.past, alumni.edition, actor=alumni.cast.organiser, now=NOW)


def test_an_event_of_another_organiser_invites_from_its_own_past_course(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana)
    event = make_edition(
        cast.other, date(2018, 11, 26), slug="side-event", organisers=(cast.other_organiser,)
    )
    event.edition_of_id = None
    make_registration(
        cast.other,
        make_user(name="Ana Souza", email="ana.souza@example.net.br"),
        consent_alumni=True,
    )
    db.session.commit()
    sent = services.invite(cast.other, event, actor=cast.other_organiser, now=NOW)
    assert [i.email for i in sent] == ["ana.souza@example.net.br"]
    with pytest.raises(services.NotASource):
        services.invite(alumni.past, event, actor=cast.other_organiser, now=NOW)


# --- prefilling ------------------------------------------------------------------------------


def test_the_latest_full_application_prefills_but_not_motivation_or_consents(alumni: Alumni):
    cast = alumni.cast
    registration = alumni.registration(cast.ana)
    registration.job_title = "Head of migrant services"
    registration.gender = Gender.WOMAN
    registration.diet = "Vegetarian"
    registration.accessibility = "Step-free access"
    registration.motivation = "For the 2017 course."
    db.session.commit()
    previous = services.previous_application(cast.ana)
    assert previous == registration
    values = services.prefill_values(previous)
    assert values == {
        "certificate_name": "Ana Souza",
        "organisation": "Municipality of Belo Horizonte",
        "organisation_type": OrganisationType.LOCAL_GOVERNMENT.value,
        "job_title": "Head of migrant services",
        "country": "BR",
        "nationality": "BR",
        "gender": "woman",
        "diet": "Vegetarian",
        "accessibility": "Step-free access",
    }


def test_the_latest_of_several_and_a_full_one_before_an_rsvp(alumni: Alumni):
    cast = alumni.cast
    first = alumni.registration(cast.ana)
    first.created_at = at(2017, 9, 1)
    later = make_registration(cast.other, cast.ana, country="FR", nationality="BR")
    later.created_at = at(2018, 2, 1)
    rsvp = make_registration(
        make_course(slug="launch-2018", start=date(2018, 3, 5)),
        cast.ana,
        country=None,
        nationality=None,
        organisation_type=None,
        organisation="City of Quito",
    )
    rsvp.created_at = at(2018, 3, 1)
    # Written last, but an application of 2016 (imported from the old system).
    older = make_registration(
        make_course(slug="habitat-2016", start=date(2016, 10, 17)), cast.ana, country="EC"
    )
    older.created_at = at(2016, 6, 1)
    db.session.commit()
    assert services.previous_application(cast.ana) == later
    # Someone who only ever sent an RSVP gets what it gave.
    only_rsvp = make_user(name="Tesfaye B.")
    rsvp_only = make_registration(cast.other, only_rsvp, country=None, organisation_type=None)
    db.session.commit()
    assert services.previous_application(only_rsvp) == rsvp_only
    assert "country" not in services.prefill_values(rsvp_only)
    assert services.previous_application(make_user()) is None
    assert services.previous_application(AnonymousUserMixin()) is None
    assert services.previous_application(None) is None


# --- what each refusal says ------------------------------------------------------------------


def test_each_refusal_says_why(alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana)
    cases = [
        (
            lambda: services.set_consent(alumni.registration(cast.ana), False, actor=cast.lucia),
            [None],
            "You can only change your own choices.",
        ),
        (
            lambda: services.invite(alumni.past, alumni.edition, actor=cast.facilitator, now=NOW),
            [None],
            "Only the organisers of the course invite past participants.",
        ),
        (
            lambda: services.invite(cast.other, alumni.edition, actor=cast.organiser, now=NOW),
            ["source"],
            "Choose a past course from the list: one that has ended and that you manage.",
        ),
        (
            lambda: services.invite(
                alumni.past, alumni.edition, actor=cast.organiser, now=at(2018, 11, 1)
            ),
            [None],
            "This course takes no applications now: nobody could answer the invitation.",
        ),
    ]
    for call, fields, message in cases:
        with pytest.raises(services.AlumniError) as refused:
            call()
        assert (list(refused.value.errors), str(refused.value)) == (fields, message)
    assert invitations() == [] and outbox() == []


def test_the_invitations_newest_first(alumni: Alumni):
    cast = alumni.cast
    # Sent later but written first (the rows' order says nothing).
    alumni.consent(cast.ana)
    services.invite(alumni.past, alumni.edition, actor=cast.admin, now=at(2018, 7, 2))
    alumni.consent(cast.lucia)
    services.invite(alumni.past, alumni.edition, actor=cast.organiser, now=NOW)
    db.session.commit()
    shown = services.invitations_to(alumni.edition)
    assert [(i.user_id, i.invited_by_id) for i in shown] == [
        (cast.ana.id, cast.admin.id),
        (cast.lucia.id, cast.organiser.id),
    ]


def test_two_applications_of_the_same_instant_the_later_one_prefills(alumni: Alumni):
    cast = alumni.cast
    first = alumni.registration(cast.ana)
    second = make_registration(cast.other, cast.ana, job_title="Mayor's adviser")
    second.created_at = first.created_at = at(2018, 2, 1)
    db.session.commit()
    assert services.previous_application(cast.ana) == second


def _invite_in_own_worker(app, ids, barrier, outcomes):
    source_id, target_id, actor_id = ids
    with app.app_context():
        try:
            source, target = db.session.get(Course, source_id), db.session.get(Course, target_id)
            actor = db.session.get(User, actor_id)
            db.session.commit()
            barrier.wait(timeout=30)
            sent = services.invite(source, target, actor=actor, now=NOW)
            db.session.commit()
            outcomes.append(len(sent))
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def test_two_organisers_sending_at_once_invite_each_person_once(app, alumni: Alumni):
    cast = alumni.cast
    alumni.consent(cast.ana, cast.lucia)
    ids = [
        (alumni.past.id, alumni.edition.id, who.id) for who in (cast.organiser, cast.co_organiser)
    ]
    barrier = threading.Barrier(2)
    outcomes: list = []
    threads = [
        threading.Thread(target=_invite_in_own_worker, args=(app, i, barrier, outcomes))
        for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes, key=str) == [0, 2], outcomes
    db.session.expire_all()
    assert len(invitations()) == 2
    assert len(outbox()) == 2


def test_the_invitation_names_both_courses_in_the_reader_s_language(alumni: Alumni):
    cast = alumni.cast
    alumni.past.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local (2017)")
    )
    alumni.edition.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local (2018)")
    )
    alumni.consent(cast.ana, cast.tesfaye)
    services.invite(alumni.past, alumni.edition, actor=cast.organiser, now=NOW)
    db.session.commit()
    bodies = {
        m.recipient: email.message_from_bytes(m.raw, policy=policy.default)
        .get_body(preferencelist=("plain",))
        .get_content()
        for m in outbox()
    }
    french = bodies["ana.souza@example.org"]
    assert "Gestion de la migration au niveau local (2017)" in french
    assert "Gestion de la migration au niveau local (2018)" in french
    english = bodies[cast.tesfaye.email]
    assert "(2017)" not in english and "(2018)" not in english
