"""Erasure, field by field: what the person's rows hold afterwards is exactly empty (a desk must
not show "XXXX" as a diet, nor keep a consent ticked), and nothing of anybody else changes — not
of Ana Álvarez on the same course, nor of Anabela Alvim on the other, busy course. Also what
the administrators are told, the order of the waiting requests, and the messages people see."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.accounts.models import (
    ConfirmationPurpose,
    EmailConfirmation,
    PasswordResetToken,
    Role,
    User,
)
from app.audit.models import AuditAction, AuditEvent
from app.audit.services import record
from app.discussions.models import DiscussionPost
from app.endorsement.models import Endorsement, EndorsementStatus
from app.evaluation.models import Evaluation, EvaluationCompletion, EvaluationResponse
from app.extensions import db
from app.finance.models import FinanceRequest, PayerKind
from app.followup.models import (
    ActivityKind,
    FollowupActivity,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from app.mail.models import OutboxMessage
from app.messages.models import CourseMessage, CourseMessageRecipient, MessageStatus
from app.privacy import erasure
from app.privacy.models import ErasureRequest
from app.registration.models import Registration, RegistrationEvent
from app.selection.models import CriterionText, Review, ReviewScore, SelectionCriterion
from app.storage.models import StoredFile
from app.storage.services import store_upload
from app.visas.models import VisaLetterRequest, VisaRequestStatus
from tests.factories import make_registration, make_user
from tests.privacy.conftest import PDF, World
from tests.storage.conftest import upload

EARLIER_ERASURE = datetime(2017, 10, 2, 9, tzinfo=UTC)
HIDDEN_BY_MODERATOR = datetime(2017, 12, 3, 15, tzinfo=UTC)


@dataclass
class Busy:
    world: World
    anabela: User
    anabela_registration: int
    outsiders: list[int]  # registrations of everybody but Ana Alves
    alves_ids: list[int]
    visible_post: int
    hidden_post: int


def _criterion(course: Any, label: str) -> SelectionCriterion:
    criterion = SelectionCriterion(course=course, texts=[CriterionText(locale="en", label=label)])
    db.session.add(criterion)
    db.session.flush()
    return criterion


def _evaluation(course: Any) -> Evaluation:
    evaluation = db.session.query(Evaluation).filter_by(course_id=course.id).first()
    if evaluation is None:
        evaluation = Evaluation(course=course)
        db.session.add(evaluation)
    evaluation.is_anonymous = False
    db.session.flush()
    return evaluation


def _answered(registration: Registration, evaluation: Evaluation) -> None:
    response = EvaluationResponse(evaluation_id=evaluation.id)
    db.session.add(response)
    db.session.flush()
    completion = db.session.scalar(
        sa.select(EvaluationCompletion).where(
            EvaluationCompletion.registration_id == registration.id
        )
    )
    if completion is None:
        completion = EvaluationCompletion(evaluation=evaluation, registration=registration)
        db.session.add(completion)
    completion.response_id = response.id


def _reviewed(registration: Registration, reviewer: User, criterion: Any, who: str) -> None:
    review = Review(
        registration=registration, reviewer_id=reviewer.id, comment=f"Strong profile, {who}"
    )
    review.scores.append(
        ReviewScore(criterion=criterion, score=4, comment=f"{who} runs the welcome desk")
    )
    db.session.add(review)
    db.session.add(
        RegistrationEvent(
            registration=registration,
            actor_id=reviewer.id,
            action="note",
            note=f"{who} phoned about the dates",
        )
    )


@pytest.fixture
def busy(world: World) -> Busy:
    admin = world.admin
    reviewer = make_user(Role.ORGANISER, email="committee@example.org", name="Committee Chair")
    relevance = _criterion(world.course, "Relevance of the job")
    experience = _criterion(world.other, "Experience")
    evaluation = _evaluation(world.course)
    other_evaluation = _evaluation(world.other)

    alves, alvarez = world.alves, world.alvarez
    # Ana Alves: everything filled in, so that an erased value can be told from a kept one.
    alves_reg = alves.registration
    alves.user.timezone = "Europe/Lisbon"
    alves_reg.consent_alumni = True
    alves_reg.gender = None
    finance = db.session.scalars(
        sa.select(FinanceRequest).where(FinanceRequest.registration_id == alves_reg.id)
    ).one()
    finance.billing_address = "Praça do Município 1, Lisboa"
    finance.billing_tax_id = "PT501306099"
    finance.billing_reference = "PO-2017-alves"
    submission = db.session.scalars(
        sa.select(Submission).where(Submission.registration_id == alves_reg.id)
    ).one()
    submission.link = "https://camara.example.pt/plan-alves"
    for person in (alves, alvarez):
        _reviewed(person.registration, reviewer, relevance, person.name)
        _reviewed(person.registration, admin, relevance, f"{person.name} (admin)")
        _answered(person.registration, evaluation)
    # Her other course: a visa request withdrawn earlier, its passport erased then.
    alves_other = db.session.scalars(
        sa.select(Registration).where(
            Registration.user_id == alves.user.id, Registration.course_id == world.other.id
        )
    ).one()
    db.session.add(
        VisaLetterRequest(
            registration=alves_other,
            status=VisaRequestStatus.WITHDRAWN,
            passport_name="",
            passport_number="",
            nationality="PT",
            consulate_city="Lisboa",
            consulate_country="PT",
            language="en",
            passport_erased_at=EARLIER_ERASURE,
        )
    )

    # Anabela Alvim, on the other (busy) course, with every kind of row.
    anabela = make_user(email="anabela.alvim@example.pt", name="Anabela Alvim")
    reg = make_registration(
        world.other,
        anabela,
        organisation="Câmara Municipal do Porto",
        diet="vegan",
        accessibility="hearing loop",
        motivation="Porto welcomes",
        consent_alumni=True,
        gender=alves_reg.gender,
    )
    _reviewed(reg, reviewer, experience, "Anabela Alvim")
    _answered(reg, other_evaluation)
    activity = FollowupActivity(course=world.other, kind=ActivityKind.ASSIGNMENT, title="Plan")
    db.session.add(activity)
    db.session.flush()
    handin = store_upload(upload(PDF + b"porto plan" * 30, "plan-porto.pdf"), actor=anabela)
    theirs = Submission(
        activity=activity,
        registration=reg,
        text="Porto action plan",
        link="https://porto.example.pt/plan",
        completed_at=datetime(2017, 12, 1, 10, tzinfo=UTC),
    )
    theirs.versions.append(
        SubmissionVersion(
            number=1,
            text="Porto action plan",
            submitted_by_id=anabela.id,
            files=[SubmissionFile(stored_file=handin)],
        )
    )
    db.session.add(theirs)
    db.session.add_all(
        [
            VisaLetterRequest(
                registration=reg,
                status=VisaRequestStatus.REQUESTED,
                passport_name="ANABELA ALVIM",
                passport_number="C9988776",
                nationality="PT",
                birth_date=date(1980, 1, 5),
                passport_expires_on=date(2029, 1, 1),
                consulate_city="Porto",
                consulate_country="PT",
                language="en",
            ),
            FinanceRequest(
                registration=reg,
                justification="Porto cannot pay the travel",
                payer_kind=PayerKind.EMPLOYER,
                billing_name="Câmara Municipal do Porto",
                billing_address="Praça General Humberto Delgado, Porto",
                billing_email="finance@cm-porto.example.pt",
                billing_tax_id="PT501306100",
                billing_reference="PO-porto",
            ),
            Endorsement(
                registration=reg,
                status=EndorsementStatus.AWAITING,
                endorser_name="Director Rita",
                endorser_position="Director",
                endorser_email="director@cm-porto.example.pt",
                token_hash="p" * 64,
                expires_at=datetime(2017, 11, 1, tzinfo=UTC),
                comment="Anabela leads our migrant desk",
            ),
        ]
    )
    # A course message sent to both courses' people: each copy in the outbox.
    for person_reg, address in (
        (alves_reg, alves.email),
        (alvarez.registration, alvarez.email),
        (reg, anabela.email),
    ):
        outbox = OutboxMessage(
            recipient=address,
            subject="Welcome to Turin",
            raw=f"To: {address}\r\nSubject: Welcome to Turin\r\n\r\nSee you.\r\n".encode(),
        )
        message = CourseMessage(
            course_id=person_reg.course_id, status=MessageStatus.SENT, default_locale="en"
        )
        db.session.add_all(
            [outbox, message, CourseMessageRecipient(message=message, registration=person_reg)]
        )
        db.session.flush()
        message.recipients[0].outbox_id = outbox.id
    # Password reset links and pending sign-ups / address changes, for both.
    for user, tag in ((alves.user, "a"), (alvarez.user, "b"), (anabela, "c")):
        db.session.add(
            PasswordResetToken(
                user_id=user.id, token_hash=tag * 64, expires_at=datetime(2030, 1, 1, tzinfo=UTC)
            )
        )
    db.session.add_all(
        [
            # Somebody signing up again with her address (no account linked yet).
            EmailConfirmation(
                purpose=ConfirmationPurpose.SIGNUP,
                email=alves.email,
                token_hash="s" * 64,
                name="Ana Alves",
                expires_at=datetime(2030, 1, 1, tzinfo=UTC),
            ),
            EmailConfirmation(
                purpose=ConfirmationPurpose.SIGNUP,
                email="anabela.alvim@porto.example.pt",
                token_hash="t" * 64,
                name="Anabela Alvim",
                expires_at=datetime(2030, 1, 1, tzinfo=UTC),
            ),
        ]
    )
    # Discussion: a post of hers hidden earlier by a moderator, one visible.
    hidden = DiscussionPost(
        activity=activity,
        author_id=alves.user.id,
        body="A post the moderator hid",
        is_hidden=True,
        hidden_at=HIDDEN_BY_MODERATOR,
    )
    db.session.add(hidden)
    db.session.add(DiscussionPost(activity=activity, author_id=anabela.id, body="Porto says hi"))
    # Anabela changed her address once: the notice went to her old one.
    record(
        AuditAction.EMAIL_CHANGED,
        actor=anabela,
        old_email="anabela@old-porto.example.pt",
        new_email=anabela.email,
    )
    db.session.add(
        OutboxMessage(
            recipient="anabela@old-porto.example.pt",
            subject="Your address was changed",
            raw=b"To: anabela@old-porto.example.pt\r\nSubject: Your address was changed\r\n\r\n"
            b"Your sign-in address is now anabela.alvim@example.pt.\r\n",
        )
    )
    db.session.commit()
    alves_ids = list(
        db.session.scalars(sa.select(Registration.id).where(Registration.user_id == alves.user.id))
    )
    outsiders = list(
        db.session.scalars(sa.select(Registration.id).where(Registration.id.not_in(alves_ids)))
    )
    visible = db.session.scalars(
        sa.select(DiscussionPost.id).where(
            DiscussionPost.author_id == alves.user.id, DiscussionPost.is_hidden.is_(False)
        )
    ).one()
    return Busy(
        world=world,
        anabela=anabela,
        anabela_registration=reg.id,
        outsiders=outsiders,
        alves_ids=alves_ids,
        visible_post=visible,
        hidden_post=hidden.id,
    )


def _rows(model: Any, where: Any) -> list[dict[str, Any]]:
    table = model.__table__
    return [
        dict(row._mapping)
        for row in db.session.execute(sa.select(table).where(where).order_by(*table.primary_key))
    ]


def _everybody_elses(busy: Busy) -> dict[str, list[dict[str, Any]]]:
    """Every row of the others' registrations, reviews, hand-ins, mail, links and log."""
    ids = busy.outsiders
    alves = busy.world.alves.user.id
    their_reviews = sa.select(Review.id).where(Review.registration_id.in_(ids))
    their_versions = (
        sa.select(SubmissionVersion.id).join(Submission).where(Submission.registration_id.in_(ids))
    )
    their_files = sa.select(SubmissionFile.stored_file_id).where(
        SubmissionFile.version_id.in_(their_versions)
    )
    return {
        "registration": _rows(Registration, Registration.id.in_(ids)),
        "events": _rows(RegistrationEvent, RegistrationEvent.registration_id.in_(ids)),
        "reviews": _rows(Review, Review.registration_id.in_(ids)),
        "scores": _rows(ReviewScore, ReviewScore.review_id.in_(their_reviews)),
        "completions": _rows(EvaluationCompletion, EvaluationCompletion.registration_id.in_(ids)),
        "submissions": _rows(Submission, Submission.registration_id.in_(ids)),
        "versions": _rows(SubmissionVersion, SubmissionVersion.id.in_(their_versions)),
        "files": _rows(StoredFile, StoredFile.id.in_(their_files)),
        "visas": _rows(VisaLetterRequest, VisaLetterRequest.registration_id.in_(ids)),
        "finance": _rows(FinanceRequest, FinanceRequest.registration_id.in_(ids)),
        "endorsements": _rows(Endorsement, Endorsement.registration_id.in_(ids)),
        "course_mail": _rows(
            CourseMessageRecipient, CourseMessageRecipient.registration_id.in_(ids)
        ),
        "resets": _rows(PasswordResetToken, PasswordResetToken.user_id != alves),
        "audit": _rows(AuditEvent, AuditEvent.subject_id != alves),
        "posts": _rows(DiscussionPost, DiscussionPost.author_id != alves),
        "confirmations": _rows(
            EmailConfirmation, EmailConfirmation.email != busy.world.alves.email
        ),
        "outbox": _rows(
            OutboxMessage,
            OutboxMessage.recipient.not_in(
                [busy.world.alves.email, "organiser@example.org", "admin@example.org"]
            ),
        ),
    }


def _erase(busy: Busy) -> ErasureRequest:
    request = erasure.request_erasure(busy.world.alves.user)
    erasure.carry_out(request, actor=busy.world.admin)
    db.session.commit()
    db.session.expire_all()
    return request


def test_nothing_of_anybody_else_changes(busy: Busy) -> None:
    before = _everybody_elses(busy)
    # The comparison is worth something: every kind of row is there, filled in.
    assert all(before.values()), [k for k, v in before.items() if not v]
    assert {r["note"] for r in before["events"]} >= {"Ana Álvarez phoned about the dates"}
    answered = {c["registration_id"] for c in before["completions"] if c["response_id"]}
    assert {busy.world.alvarez.registration.id, busy.anabela_registration} <= answered
    _erase(busy)
    assert _everybody_elses(busy) == before


def test_her_registrations_hold_nothing_but_the_statistics(busy: Busy) -> None:
    user_id = busy.world.alves.user.id
    _erase(busy)
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.id.in_(busy.alves_ids))
    ).all()
    assert len(registrations) == 2
    for registration in registrations:
        assert (
            registration.certificate_name,
            registration.email,
            registration.organisation,
            registration.nationality,
            registration.job_title,
            registration.gender,
            registration.diet,
            registration.accessibility,
            registration.motivation,
            registration.consent_listing,
            registration.consent_alumni,
        ) == (
            f"Erased person #{user_id}",
            f"erased-{user_id}@erased.invalid",
            "",
            None,
            "",
            None,
            "",
            "",
            "",
            False,
            False,
        )
        assert registration.country == "BR"


def test_her_requests_reviews_and_hand_ins_are_emptied(busy: Busy) -> None:
    ids = busy.alves_ids
    _erase(busy)
    finance = db.session.scalars(
        sa.select(FinanceRequest).where(FinanceRequest.registration_id.in_(ids))
    ).one()
    assert (
        finance.justification,
        finance.billing_name,
        finance.billing_address,
        finance.billing_email,
        finance.billing_tax_id,
        finance.billing_reference,
    ) == ("", "", "", "", "", "")
    assert finance.payer_kind == PayerKind.EMPLOYER
    endorsement = db.session.scalars(
        sa.select(Endorsement).where(Endorsement.registration_id.in_(ids))
    ).one()
    assert endorsement.comment == ""
    reviews = db.session.scalars(sa.select(Review).where(Review.registration_id.in_(ids))).all()
    assert [r.comment for r in reviews] == ["", ""]
    assert [(s.score, s.comment) for r in reviews for s in r.scores] == [(4, ""), (4, "")]
    notes = db.session.scalars(
        sa.select(RegistrationEvent.note).where(RegistrationEvent.registration_id.in_(ids))
    ).all()
    assert notes and set(notes) == {""}
    submission = db.session.scalars(
        sa.select(Submission).where(Submission.registration_id.in_(ids))
    ).one()
    assert (submission.text, submission.link, submission.versions) == ("", "", [])
    assert submission.completed_at is not None
    completion = db.session.scalars(
        sa.select(EvaluationCompletion).where(EvaluationCompletion.registration_id.in_(ids))
    ).one()
    assert completion.response_id is None


def test_her_visa_requests_lose_the_passport_and_keep_the_first_erasure_date(
    busy: Busy,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    _erase(busy)
    visas = db.session.scalars(
        sa.select(VisaLetterRequest)
        .where(VisaLetterRequest.registration_id.in_(busy.alves_ids))
        .order_by(VisaLetterRequest.id)
    ).all()
    for visa in visas:
        assert (visa.consulate_city, visa.passport_name, visa.passport_number) == ("", "", "")
        assert (visa.birth_date, visa.passport_expires_on) == (None, None)
    current, withdrawn = visas
    assert current.passport_erased_at is not None
    assert current.passport_erased_at >= started
    assert withdrawn.passport_erased_at == EARLIER_ERASURE


def test_her_posts_are_emptied_and_hidden_keeping_a_moderators_date(busy: Busy) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    _erase(busy)
    visible = db.session.get(DiscussionPost, busy.visible_post)
    hidden = db.session.get(DiscussionPost, busy.hidden_post)
    for post in (visible, hidden):
        assert (post.body, post.is_hidden) == ("", True)
    assert visible.hidden_at is not None
    assert visible.hidden_at >= started
    assert hidden.hidden_at == HIDDEN_BY_MODERATOR


def test_her_links_go_and_the_others_still_work(busy: Busy) -> None:
    alves = busy.world.alves
    _erase(busy)
    owners = set(db.session.scalars(sa.select(PasswordResetToken.user_id)))
    assert owners == {busy.world.alvarez.user.id, busy.anabela.id}
    addresses = db.session.scalars(sa.select(EmailConfirmation.email)).all()
    assert addresses == ["anabela.alvim@porto.example.pt"]
    user = db.session.get(User, alves.user.id)
    assert user.timezone is None
    assert user.reset_tokens == []


def test_her_copy_of_a_course_message_is_unlinked_and_deleted(busy: Busy) -> None:
    _erase(busy)
    copies = db.session.scalars(
        sa.select(CourseMessageRecipient).order_by(CourseMessageRecipient.id)
    ).all()
    linked = {c.registration_id: c.outbox_id for c in copies}
    assert linked[busy.world.alves.registration.id] is None
    assert all(linked[i] is not None for i in linked if i not in busy.alves_ids)
    recipients = db.session.scalars(
        sa.select(OutboxMessage.recipient).where(OutboxMessage.subject == "Welcome to Turin")
    ).all()
    assert sorted(recipients) == ["ana.alvarez@example.es", "anabela.alvim@example.pt"]


def test_a_mail_naming_her_only_in_its_to_line_or_a_later_part_goes(busy: Busy) -> None:
    work_address = "ana.alves@camara.example.pt"  # an address Atelier never knew as hers
    db.session.add_all(
        [
            OutboxMessage(
                recipient=work_address,
                subject="Your certificate",
                raw=(
                    f"To: Ana Alves <{work_address}>\r\nSubject: Your certificate\r\n\r\n"
                    "Attached.\r\n"
                ).encode(),
            ),
            OutboxMessage(
                recipient="desk@example.org",
                subject="Forwarded",
                raw=(
                    b"To: desk@example.org\r\nSubject: Forwarded\r\nMIME-Version: 1.0\r\n"
                    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
                    b"--b\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
                    b"garbled\r\n"
                    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                    b"Call Ana Alves back.\r\n"
                    b"--b--\r\n"
                ),
            ),
            OutboxMessage(
                recipient="desk@example.org",
                subject="Weekly digest",
                raw=b"To: Desk <desk@example.org>\r\nSubject: Weekly digest\r\n\r\nQuiet.\r\n",
            ),
        ]
    )
    db.session.commit()
    _erase(busy)
    subjects = set(db.session.scalars(sa.select(OutboxMessage.subject)))
    assert "Your certificate" not in subjects
    assert "Forwarded" not in subjects
    assert "Weekly digest" in subjects


def test_audit_details_lose_only_the_values_naming_her(busy: Busy) -> None:
    alves = busy.world.alves
    event = record(
        AuditAction.EMAIL_CHANGED,
        actor=busy.world.admin,
        subject=alves.user,
        old_email=alves.email,
        new_email="ana.alves@new.example.pt",
        course="governing-migration",
        rows=3,
    )
    db.session.commit()
    event_id = event.id
    _erase(busy)
    assert db.session.get(AuditEvent, event_id).detail == {
        "old_email": "",
        "new_email": "",
        "course": "governing-migration",
        "rows": 3,
    }


def test_both_audit_events_name_the_request(busy: Busy) -> None:
    request = _erase(busy)
    details = db.session.scalars(
        sa.select(AuditEvent.detail)
        .where(
            AuditEvent.action.in_([AuditAction.ERASURE_REQUESTED, AuditAction.ERASURE_CARRIED_OUT])
        )
        .order_by(AuditEvent.id)
    ).all()
    assert details == [{"request": request.id}, {"request": request.id}]


def test_the_log_says_which_account_was_erased(
    busy: Busy, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = busy.world.alves.user.id
    with caplog.at_level(logging.INFO, logger="app.privacy.erasure"):
        _erase(busy)
    assert f"personal data of account {user_id} erased" in [
        r.getMessage() for r in caplog.records if r.name == "app.privacy.erasure"
    ]


def test_only_the_active_administrators_are_told(busy: Busy) -> None:
    second = make_user(
        Role.ADMIN, email="second.admin@example.org", name="Second Admin", locale="fr"
    )
    gone = make_user(Role.ADMIN, email="former.admin@example.org", name="Former Admin")
    gone.is_active = False
    db.session.commit()
    before = set(db.session.scalars(sa.select(OutboxMessage.id)))
    request = erasure.request_erasure(busy.world.alves.user)
    db.session.commit()
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.not_in(before)).order_by(OutboxMessage.id)
    ).all()
    assert [m.recipient for m in mails] == ["admin@example.org", second.email]
    assert f"#{request.user_id}" in mails[0].subject
    assert "Ana Alves" not in mails[0].raw.decode()


def test_the_request_keeps_the_time_it_was_made(busy: Busy) -> None:
    asked = datetime(2018, 3, 1, 8, 30, tzinfo=UTC)
    request = erasure.request_erasure(busy.world.alves.user, now=asked)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ErasureRequest, request.id).requested_at == asked


def test_waiting_requests_oldest_first_each_persons_own(busy: Busy) -> None:
    world = busy.world
    late = erasure.request_erasure(world.alvarez.user, now=datetime(2018, 3, 5, tzinfo=UTC))
    # Ana Alves's request, recorded after Ana Álvarez's, was made earlier (kept from a form).
    early = erasure.request_erasure(world.alves.user, now=datetime(2018, 3, 1, tzinfo=UTC))
    middle = erasure.request_erasure(busy.anabela, now=datetime(2018, 3, 3, tzinfo=UTC))
    db.session.commit()
    assert erasure.pending_requests() == [early, middle, late]
    assert erasure.pending_request(world.alves.user) == early
    assert erasure.pending_request(busy.anabela) == middle
    erasure.carry_out(middle, actor=world.admin)
    db.session.commit()
    assert erasure.pending_requests() == [early, late]
    assert erasure.pending_request(busy.anabela) is None


def test_another_persons_pending_request_does_not_block_hers(busy: Busy) -> None:
    erasure.request_erasure(busy.world.alvarez.user)
    request = erasure.request_erasure(busy.world.alves.user)
    assert request.user_id == busy.world.alves.user.id


def _refusal(attempt: Any) -> erasure.ErasureError:
    with pytest.raises(erasure.ErasureError) as caught:
        attempt()
    return caught.value


def test_the_refusals_say_why(busy: Busy) -> None:
    world = busy.world
    request = erasure.request_erasure(world.alves.user)
    twice = _refusal(lambda: erasure.request_erasure(world.alves.user))
    assert str(twice) == "You have asked for erasure already; an administrator will act."
    erasure.carry_out(request, actor=world.admin)
    db.session.commit()
    again = _refusal(lambda: erasure.carry_out(request, actor=world.admin))
    assert str(again) == "This request was carried out already."
    erased = _refusal(lambda: erasure.request_erasure(world.alves.user))
    assert str(erased) == "This account's data has been erased already."
    assert str(erased.message) == "This account's data has been erased already."
