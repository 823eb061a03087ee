"""Decisions from the selection list: through the registration rules, singly or in bulk, with
an optional message that reaches the applicant's mail (in their language) and the history."""

from __future__ import annotations

from email import message_from_bytes
from email import policy as email_policy

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import RegistrationEvent, RegistrationStatus
from app.selection import listing
from app.selection.listing import Decision, decide, decision_order
from app.selection.services import NotAllowed, SelectionError, create_criterion
from tests.factories import make_registration
from tests.selection.conftest import criterion_data, review

S = RegistrationStatus
MESSAGE = "We look forward to your case study on Belo Horizonte."


def mails_to(address: str) -> list[str]:
    """The plain text of every message queued for ``address``, oldest first."""
    raws = db.session.scalars(
        sa.select(OutboxMessage.raw)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id)
    )
    texts = []
    for raw in raws:
        message = message_from_bytes(raw, policy=email_policy.default)
        texts.append(message.get_body(preferencelist=("plain",)).get_content())
    return texts


def last_event(registration) -> RegistrationEvent:
    return registration.events[-1]


def test_confirming_records_the_organiser_and_the_message_in_the_history(organiser, applicants):
    outcome = decide(
        applicants[0].course, [applicants[0]], Decision.CONFIRM, actor=organiser, message=MESSAGE
    )
    assert outcome.done == [applicants[0]]
    event = last_event(applicants[0])
    assert (event.action, event.actor_id, event.note) == ("confirmed", organiser.id, MESSAGE)
    assert (event.from_status, event.to_status) == (S.SUBMITTED, S.CONFIRMED)
    assert applicants[0].decided_at is not None


def test_the_message_is_in_the_confirmation_mail(organiser, applicants):
    decide(
        applicants[0].course, [applicants[0]], Decision.CONFIRM, actor=organiser, message=MESSAGE
    )
    [text] = mails_to(applicants[0].email)
    assert "A word from the course team:" in text
    assert MESSAGE in text


def test_the_message_is_in_the_rejection_mail_and_the_history(organiser, applicants):
    note = "This year we gave priority to cities that have not attended yet."
    decide(applicants[0].course, [applicants[0]], Decision.REJECT, actor=organiser, message=note)
    [text] = mails_to(applicants[0].email)
    assert "we cannot offer you a place" in text
    assert note in text
    assert (applicants[0].status, last_event(applicants[0]).note) == (S.REJECTED, note)


def test_the_message_is_in_the_waiting_list_mail(organiser, applicants):
    decide(
        applicants[0].course, [applicants[0]], Decision.WAITLIST, actor=organiser, message=MESSAGE
    )
    [text] = mails_to(applicants[0].email)
    assert "waiting list" in text
    assert MESSAGE in text
    assert last_event(applicants[0]).note == MESSAGE


def test_a_message_of_spaces_is_no_message(organiser, applicants):
    decide(applicants[0].course, [applicants[0]], Decision.CONFIRM, actor=organiser, message="  ")
    [text] = mails_to(applicants[0].email)
    assert "A word from" not in text
    assert last_event(applicants[0]).note == ""


def test_the_message_is_kept_without_surrounding_spaces(organiser, applicants):
    decide(
        applicants[0].course,
        [applicants[0]],
        Decision.CONFIRM,
        actor=organiser,
        message=f"\n  {MESSAGE}  \n",
    )
    assert last_event(applicants[0]).note == MESSAGE


def test_the_rejection_mail_in_french_introduces_the_message_in_french(organiser, applicants):
    ana = applicants[1]  # Ana Sousa writes in French
    message = "Nous avons privilégié cette année les villes qui n'ont pas encore participé."
    decide(ana.course, [ana], Decision.REJECT, actor=organiser, message=message)
    [text] = mails_to(ana.email)
    assert "Bonjour Ana Sousa," in text
    assert "nous ne pouvons pas vous proposer de place pour ce cours" in text
    assert "Un mot de l'équipe du cours :\n" + message in text.replace("\r\n", "\n")


def test_the_confirmation_mail_in_spanish_introduces_the_message_in_spanish(organiser, applicants):
    lucia = applicants[4]  # Lucía Pérez writes in Spanish
    message = "Le pediremos una presentación de diez minutos sobre Medellín."
    decide(lucia.course, [lucia], Decision.CONFIRM, actor=organiser, message=message)
    [text] = mails_to(lucia.email)
    assert "Hola, Lucía Pérez:" in text
    assert "Su plaza en el curso «Governing migration at the local level» está confirmada." in text
    assert "Unas palabras del equipo del curso:\n" + message in text.replace("\r\n", "\n")


# --- in bulk --------------------------------------------------------------------------------------


def test_a_bulk_confirmation_beyond_the_free_seats_confirms_up_to_the_limit_and_says_why_not(
    organiser, applicants
):
    course = applicants[0].course
    make_registration(course, status=S.CONFIRMED)  # one of the three seats is taken

    outcome = decide(course, applicants[:4], Decision.CONFIRM, actor=organiser)

    assert [r.certificate_name for r in outcome.done] == ["Ana Souza", "Ana Sousa"]
    assert [(r.certificate_name, reason) for r, reason in outcome.refused] == [
        ("Anna Souza", "The course is full: no seat is left to confirm."),
        ("Tesfaye Bekele", "The course is full: no seat is left to confirm."),
    ]
    assert [r.status for r in applicants[:4]] == [
        S.CONFIRMED,
        S.CONFIRMED,
        S.SUBMITTED,
        S.SUBMITTED,
    ]
    assert mails_to(applicants[2].email) == []
    # No message was written: the confirmations say nothing more.
    [text] = mails_to(applicants[0].email)
    assert "A word from" not in text
    assert applicants[0].events[-1].note == ""


def test_a_bulk_confirmation_takes_the_best_scored_first(
    organiser, reviewer, second_reviewer, criteria, applicants
):
    course = applicants[0].course
    review(applicants[0], reviewer, 2, 2, 2)
    review(applicants[1], reviewer, 4, 4, 4)
    review(applicants[2], reviewer, 5, 5, 5)
    review(applicants[2], second_reviewer, 1, 1, 1)  # 3.0
    review(applicants[3], reviewer, 5, 5, 4)

    outcome = decide(course, applicants[:5], Decision.CONFIRM, actor=organiser)

    assert [r.certificate_name for r in outcome.done] == [
        "Tesfaye Bekele",
        "Ana Sousa",
        "Anna Souza",
    ]
    assert [r.certificate_name for r, _ in outcome.refused] == ["Ana Souza", "Lucía Pérez"]


def test_decisions_take_the_unscored_last_and_ties_in_the_order_they_applied(
    organiser, reviewer, criteria, applicants
):
    review(applicants[4], reviewer, 3, 3, 3)
    review(applicants[1], reviewer, 3, 3, 3)
    review(applicants[3], reviewer, 4, 4, 4)
    given = [applicants[5], applicants[4], applicants[0], applicants[3], applicants[1]]
    ordered = decision_order(applicants[0].course, given)
    assert [r.certificate_name for r in ordered] == [
        "Tesfaye Bekele",
        "Ana Sousa",
        "Lucía Pérez",
        "Ana Souza",
        "Jean-Pierre Mbala",
    ]


def test_the_order_follows_the_mean_whatever_the_number_of_criteria_scored(
    organiser, reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 4, 4)  # scored on three criteria: 4.0
    create_criterion(applicants[0].course, criterion_data("Languages"), actor=organiser)
    review(applicants[1], reviewer, 3, 3, 3, 3)  # on four: 3.0, a larger sum
    ordered = decision_order(applicants[0].course, applicants[:2])
    assert [r.certificate_name for r in ordered] == ["Ana Souza", "Ana Sousa"]


def test_a_retired_criterion_does_not_weigh_in_the_order(organiser, reviewer, criteria, applicants):
    from app.selection.services import retire_criterion

    review(applicants[0], reviewer, 3, 3, 5)
    review(applicants[1], reviewer, 4, 4, 1)
    retire_criterion(criteria[2], actor=organiser)
    ordered = decision_order(applicants[0].course, applicants[:2])
    assert [r.certificate_name for r in ordered] == ["Ana Sousa", "Ana Souza"]


def test_a_decision_the_state_does_not_allow_is_refused_and_the_others_go_on(organiser, applicants):
    applicants[0].status = S.WAITLISTED
    applicants[0].waitlist_position = 1
    outcome = decide(applicants[0].course, applicants[:2], Decision.WAITLIST, actor=organiser)
    assert outcome.done == [applicants[1]]
    assert [(r.id, reason) for r, reason in outcome.refused] == [
        (applicants[0].id, "This change is not possible in the registration's current state.")
    ]


def test_a_waitlisted_application_confirmed_from_the_list_gets_the_seat(organiser, applicants):
    applicants[0].status = S.WAITLISTED
    applicants[0].waitlist_position = 1
    decide(applicants[0].course, [applicants[0]], Decision.CONFIRM, actor=organiser)
    assert (applicants[0].status, applicants[0].waitlist_position) == (S.CONFIRMED, None)


def test_reviewers_do_not_decide(reviewer, applicants):
    with pytest.raises(NotAllowed) as refused:
        decide(applicants[0].course, [applicants[0]], Decision.CONFIRM, actor=reviewer)
    assert str(refused.value.message) == "Only the course's organisers decide on applications."
    assert applicants[0].status == S.SUBMITTED


def test_applications_of_another_course_are_refused(organiser, applicants, neighbour):
    waiting = neighbour.registrations[5]
    with pytest.raises(SelectionError) as refused:
        decide(applicants[0].course, [applicants[0], waiting], Decision.REJECT, actor=organiser)
    assert str(refused.value.message) == (
        "Some of the selected applications are not of this course."
    )
    assert applicants[0].status == S.SUBMITTED


def test_decision_labels_name_what_they_do():
    assert [str(d.label) for d in Decision] == [
        "Confirm",
        "Put on the waiting list",
        "Reject",
    ]


def test_the_message_fits_the_history_whole():
    note = RegistrationEvent.__table__.c.note.type.length
    assert note >= listing.MESSAGE_MAX
