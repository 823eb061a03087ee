"""What a person's export holds, exactly: every key and value of the JSON a participant or a
data-protection officer reads, the lists in their order, the files under their folders with
safe, distinct names, and nothing at all of the other Ana on the same courses."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.accounts.models import User
from app.applications.models import (
    Answer,
    ApplicationQuestion,
    OptionText,
    QuestionKind,
    QuestionOption,
    QuestionText,
)
from app.certificates.models import Certificate
from app.courses.models import Course, CourseTranslation
from app.discussions.models import DiscussionPost
from app.endorsement.models import Endorsement, EndorsementStatus
from app.evaluation.models import Evaluation, EvaluationCompletion
from app.evaluation.rating_models import SessionRatingDone
from app.extensions import db
from app.finance.models import FinanceRequest, PayerKind
from app.followup.models import (
    ActivityKind,
    Feedback,
    FeedbackDecision,
    FollowupActivity,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from app.invoices.models import DocumentKind, Invoice, InvoiceLine, LineKind, Payment, PaymentMethod
from app.mail.models import OutboxMessage, OutboxStatus
from app.privacy import export
from app.privacy.models import ConsentContext, ConsentRecord, ErasureRequest, PrivacyNotice
from app.registration.models import (
    Attendance,
    Funding,
    Gender,
    OrganisationType,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)
from app.schedule.models import CourseSession
from app.storage.models import StoredFile
from app.storage.services import store_upload
from app.visas.models import VisaLetterRequest, VisaRequestStatus
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.storage.conftest import upload

PDF = b"%PDF-1.4\n%% "


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2017, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Courses:
    main: Course
    other: Course
    text_q: ApplicationQuestion
    choice_q: ApplicationQuestion
    file_q: ApplicationQuestion
    activity: FollowupActivity
    evaluation: Evaluation
    opening: CourseSession
    field_visit: CourseSession
    notice: PrivacyNotice


@dataclass
class Person:
    user: User
    main: Registration
    other: Registration
    data: dict[str, bytes]  # each file's bytes, by name


def _courses() -> Courses:
    main = make_course(slug="governing-migration", start=date(2017, 11, 20))
    main.translations.append(
        CourseTranslation(locale="pt", title="Governar a migração a nível local", summary="")
    )
    other = make_course(
        slug="mainstreaming-migration",
        title="Mainstreaming migration into local planning",
        start=date(2018, 3, 5),
    )
    other.translations.append(
        CourseTranslation(locale="pt", title="Integrar a migração no planeamento", summary="")
    )

    def question(kind: QuestionKind, position: int, en: str, pt: str) -> ApplicationQuestion:
        q = ApplicationQuestion(
            course=main,
            kind=kind,
            position=position,
            texts=[QuestionText(locale="en", label=en), QuestionText(locale="pt", label=pt)],
        )
        db.session.add(q)
        return q

    text_q = question(
        QuestionKind.SHORT_TEXT, 0, "Which city do you work for?", "Para que cidade trabalha?"
    )
    choice_q = question(
        QuestionKind.MULTIPLE_CHOICE, 1, "Which topics interest you?", "Que temas lhe interessam?"
    )
    for position, (en, pt) in enumerate(
        [("Housing", "Habitação"), ("Labour markets", "Mercado de trabalho"), ("Health", "Saúde")]
    ):
        choice_q.options.append(
            QuestionOption(
                position=position,
                texts=[OptionText(locale="en", label=en), OptionText(locale="pt", label=pt)],
            )
        )
    file_q = question(QuestionKind.FILE, 2, "Your CV", "O seu CV")
    activity = FollowupActivity(course=main, kind=ActivityKind.ASSIGNMENT, title="Action plan")
    evaluation = Evaluation(course=main)
    opening = CourseSession(
        course=main,
        title="Opening plenary",
        starts_at=at(11, 20, 9),
        ends_at=at(11, 20, 10),
    )
    field_visit = CourseSession(
        course=main,
        title="Field visit to a reception centre",
        starts_at=at(11, 21, 14),
        ends_at=at(11, 21, 17),
    )
    notice = PrivacyNotice(version=3, body="How Atelier uses your data.")
    db.session.add_all([activity, evaluation, opening, field_visit, notice])
    db.session.flush()
    return Courses(
        main=main,
        other=other,
        text_q=text_q,
        choice_q=choice_q,
        file_q=file_q,
        activity=activity,
        evaluation=evaluation,
        opening=opening,
        field_visit=field_visit,
        notice=notice,
    )


def _file(user: User, data: bytes, filename: str, when: datetime) -> StoredFile:
    stored = store_upload(upload(data, "upload.pdf"), actor=user)
    assert stored is not None
    stored.filename = filename
    stored.created_at = when
    return stored


def _person(c: Courses, *, tag: str, name: str, email: str, work_email: str, locale: str) -> Person:
    """Everything Atelier keeps about one person; ``tag`` makes each value theirs."""
    m = 0 if tag == "alves" else 7  # her own minutes where a time alone could tell them apart
    user = make_user(email=email, name=name, locale=locale)
    user.timezone = "Europe/Lisbon"
    user.created_at = at(9, 1, 8)
    user.last_login_at = at(11, 30, 18, 5)
    # The main course's registration is made first (a lower id) but dated after the other's.
    main = make_registration(
        c.main,
        user,
        status=RegistrationStatus.CONFIRMED,
        organisation=f"Câmara Municipal de {tag.title()}",
        organisation_type=OrganisationType.LOCAL_GOVERNMENT,
        job_title=f"Migration officer {tag}",
        country="PT",
        nationality="BR",
        gender=Gender.WOMAN,
        language="pt",
        diet=f"vegetarian-{tag}",
        accessibility=f"step-free room {tag}",
        motivation=f"Welcoming cities {tag}",
        funding=Funding.EMPLOYER,
        consent_data=True,
        consent_listing=False,
        consent_alumni=True,
    )
    main.certificate_name = f"{name} ({tag})"
    main.created_at = at(10, 2, 11)
    main.decided_at = at(10, 20, 15, 30)
    other = make_registration(
        c.other,
        user,
        status=RegistrationStatus.WAITLISTED,
        organisation=f"Junta de Freguesia {tag}",
        organisation_type=None,
        job_title="",
        country=None,
        nationality=None,
        gender=None,
        language="en",
        funding=None,
        motivation=f"Planning {tag}",
        consent_data=True,
        consent_listing=True,
    )
    other.email = work_email
    other.created_at = at(9, 15, 10)
    other.waitlist_position = None

    db.session.add_all(
        [
            RegistrationEvent(
                registration=main,
                action="applied",
                from_status=None,
                to_status=RegistrationStatus.SUBMITTED,
                created_at=at(10, 2, 11),
            ),
            RegistrationEvent(
                registration=main,
                action="confirmed",
                from_status=RegistrationStatus.SUBMITTED,
                to_status=RegistrationStatus.CONFIRMED,
                created_at=at(10, 20, 15, 30),
            ),
        ]
    )

    data: dict[str, bytes] = {}

    def stored(key: str, content: str, filename: str, when: datetime) -> StoredFile:
        data[key] = PDF + content.encode() * 20
        return _file(user, data[key], filename, when)

    cv = stored("cv", f"curriculum {tag}", f"cv: {tag}?.pdf", at(10, 2, 10))
    choice = Answer(registration=main, question=c.choice_q, value="", updated_at=at(10, 2, 11, 1))
    choice.options = [c.choice_q.options[2], c.choice_q.options[0]]
    # Stored in the opposite order to the questions': listed as stored.
    db.session.add(
        Answer(registration=main, question=c.file_q, file=cv, updated_at=at(10, 2, 10, 59))
    )
    db.session.flush()
    db.session.add(choice)
    db.session.flush()
    db.session.add(
        Answer(
            registration=main,
            question=c.text_q,
            value=f"Lisboa {tag}",
            updated_at=at(10, 2, 11, 2),
        )
    )
    # Recorded out of order: the day after first, the last day absent.
    for day, present in ((21, True), (20, True), (22, False)):
        db.session.add(Attendance(registration=main, day=date(2017, 11, day), is_present=present))

    plan = stored("plan", f"plan one {tag}", "plan.v2.pdf", at(12, 1, 9))
    plan_again = stored("plan_again", f"plan two {tag}", "Plan.V2.pdf", at(12, 1, 9))
    plan_third = stored("plan_third", f"plan three {tag}", "PLAN.v2.pdf", at(12, 1, 9))
    notes = stored("notes", f"notes {tag}", "read me", at(12, 1, 9, 1))
    notes_again = stored("notes_again", f"notes two {tag}", "READ ME", at(12, 1, 9, 2))
    final = stored("final", f"final plan {tag}", "plan.v2.pdf", at(12, 8, 9))
    submission = Submission(
        activity=c.activity,
        registration=main,
        text=f"My plan {tag}",
        completed_at=at(12, 10, 16),
    )
    first = SubmissionVersion(
        number=1,
        text=f"First draft {tag}",
        link="",
        submitted_at=at(12, 1, 9, 5),
        submitted_by_id=user.id,
        is_late=False,
        files=[
            SubmissionFile(position=0, stored_file=plan),
            SubmissionFile(position=1, stored_file=plan_again),
            SubmissionFile(position=2, stored_file=plan_third),
            SubmissionFile(position=3, stored_file=notes),
            SubmissionFile(position=4, stored_file=notes_again),
        ],
        feedback=[
            Feedback(
                decision=FeedbackDecision.RETURNED,
                comment=f"Add a budget, {tag}",
                created_at=at(12, 3, 14),
            )
        ],
    )
    second = SubmissionVersion(
        number=2,
        text=f"Final plan {tag}",
        link=f"https://plans.example.pt/{tag}",
        submitted_at=at(12, 8, 9, 5),
        submitted_by_id=user.id,
        is_late=True,
        files=[SubmissionFile(position=0, stored_file=final)],
        feedback=[
            Feedback(
                decision=FeedbackDecision.COMPLETE,
                comment="Well done",
                created_at=at(12, 10, 16),
            )
        ],
    )
    submission.versions.extend([first, second])
    db.session.add(submission)

    db.session.add_all(
        [
            EvaluationCompletion(
                evaluation=c.evaluation, registration=main, completed_at=at(11, 24, 17, 40 + m)
            ),
            # Rated out of order: the field visit (made second) on the first day.
            SessionRatingDone(session=c.opening, registration=main, done_on=date(2017, 11, 21)),
            SessionRatingDone(session=c.field_visit, registration=main, done_on=date(2017, 11, 20)),
            Certificate(
                registration=main,
                code=f"C{tag.upper()[:6]}",
                name=f"{name} ({tag})",
                issued_on=date(2017, 11, 24),
                revoked_at=at(11, 27, 10),
                revocation_reason=f"Name misspelt ({tag})",
            ),
        ]
    )
    db.session.add_all(
        [
            VisaLetterRequest(
                registration=main,
                status=VisaRequestStatus.ISSUED,
                passport_name=name.upper(),
                passport_number=f"P-{tag}",
                nationality="BR",
                birth_date=date(1985, 4, 2),
                passport_expires_on=date(2030, 1, 1),
                consulate_city=f"Brasília {tag}",
                consulate_country="BR",
                language="en",
                requested_at=at(10, 21, 8),
                decided_at=at(10, 23, 12),
                reference=f"V-{tag[:8]}",
                issued_on=date(2017, 10, 23),
                passport_erased_at=None,
            ),
            # Withdrawn for the other course; its passport details since erased.
            VisaLetterRequest(
                registration=other,
                status=VisaRequestStatus.WITHDRAWN,
                nationality="BR",
                birth_date=None,
                passport_expires_on=None,
                consulate_city=f"São Paulo {tag}",
                consulate_country="BR",
                language="fr",
                requested_at=at(9, 16, 8, m),
                passport_erased_at=at(12, 30, 0, m),
            ),
            FinanceRequest(
                registration=main,
                wants_fellowship=True,
                justification=f"A fellowship please {tag}",
                payer_kind=PayerKind.EMPLOYER,
                billing_name=f"Câmara Municipal de {tag.title()}",
                billing_address=f"Praça do Município 1, {tag}",
                billing_email=f"finance@{tag}.example.pt",
                billing_tax_id=f"PT-{tag}",
                billing_reference=f"PO-{tag}",
            ),
            Endorsement(
                registration=main,
                status=EndorsementStatus.ENDORSED,
                endorser_name=f"Director Rui {tag}",
                endorser_position="Director",
                endorser_email=f"director@{tag}.example.pt",
                token_hash=f"{tag:0<64}"[:64],
                requested_at=at(10, 2, 11, 5),
                expires_at=at(11, 1),
                responded_at=at(10, 4, 16),
                comment=f"{name} is our best officer",
            ),
        ]
    )
    number = 10 if tag == "alves" else 20
    credit = Invoice(
        registration=main,
        kind=DocumentKind.CREDIT_NOTE,
        series="CN",
        year=2017,
        number=number,
        issued_on=date(2017, 11, 5),
        due_on=None,
        reason="Billed to the wrong payer",
        currency="EUR",
        total=Decimal("-1200.00"),
        language="en",
        participant_name=name,
        course_title="Governing migration at the local level",
        payer_kind=PayerKind.EMPLOYER,
        billing_name=f"Câmara Municipal de {tag.title()}",
        billing_address=f"Praça do Município 1, {tag}",
        billing_email=f"finance@{tag}.example.pt",
        issued_at=at(11, 5, 10),
        lines=[
            InvoiceLine(position=0, kind=LineKind.TUITION, detail="", amount=Decimal("-1200.00"))
        ],
    )
    first_invoice = Invoice(
        registration=main,
        kind=DocumentKind.INVOICE,
        series="INV",
        year=2017,
        number=number,
        issued_on=date(2017, 11, 1),
        due_on=date(2017, 11, 15),
        currency="EUR",
        total=Decimal("1200.00"),
        language="en",
        participant_name=name,
        course_title="Governing migration at the local level",
        payer_kind=PayerKind.EMPLOYER,
        billing_name=f"Câmara Municipal de {tag.title()}",
        billing_address=f"Praça do Município 1, {tag}",
        billing_email=f"finance@{tag}.example.pt",
        issued_at=at(11, 1, 10),
        lines=[InvoiceLine(position=0, kind=LineKind.TUITION, amount=Decimal("1200.00"))],
    )
    second_invoice = Invoice(
        registration=main,
        kind=DocumentKind.INVOICE,
        series="INV",
        year=2017,
        number=number + 1,
        issued_on=date(2017, 11, 5),
        due_on=date(2017, 11, 19),
        currency="EUR",
        total=Decimal("700.00"),
        language="en",
        participant_name=name,
        course_title="Governing migration at the local level",
        payer_kind=PayerKind.EMPLOYER,
        billing_name=f"Câmara Municipal de {tag.title()}",
        billing_address=f"Praça do Município 1, {tag}",
        billing_email=f"finance@{tag}.example.pt",
        issued_at=at(11, 5, 11),
        lines=[
            InvoiceLine(position=0, kind=LineKind.TUITION, amount=Decimal("1200.00")),
            InvoiceLine(
                position=1,
                kind=LineKind.FELLOWSHIP,
                detail=f"City fund {tag}",
                amount=Decimal("-500.00"),
            ),
        ],
    )
    # Issued in this order (ids), dated otherwise.
    db.session.add(second_invoice)
    db.session.flush()
    db.session.add(first_invoice)
    db.session.flush()
    credit.credits_id = first_invoice.id
    db.session.add(credit)
    db.session.flush()
    db.session.add_all(
        [
            Payment(
                invoice=second_invoice,
                paid_on=date(2017, 11, 10),
                amount=Decimal("400.00"),
                method=PaymentMethod.BANK_TRANSFER,
                reference=f"TRF-{tag}",
            ),
            Payment(
                invoice=second_invoice,
                paid_on=date(2017, 11, 20),
                amount=Decimal("300.00"),
                method=PaymentMethod.CARD,
                reference="",
            ),
        ]
    )
    db.session.add_all(
        [
            ConsentRecord(
                user_id=user.id,
                context=ConsentContext.APPLICATION,
                course=c.main,
                notice=None,
                text=f"I agree to the course's terms ({tag})",
                accepted_at=at(10, 2, 11),
            ),
            ConsentRecord(
                user_id=user.id,
                context=ConsentContext.SIGNUP,
                course=None,
                notice=c.notice,
                text=f"I have read the privacy notice ({tag})",
                accepted_at=at(9, 1, 8),
            ),
            ErasureRequest(
                user=user, requested_at=at(12, 20, 9, m), carried_out_at=at(12, 22, 10, m)
            ),
            ErasureRequest(user=user, requested_at=at(12, 28, 9, m), carried_out_at=None),
        ]
    )
    db.session.flush()
    # Written in this order (ids), dated otherwise: a later topic first, then one and its reply.
    later = DiscussionPost(
        activity=c.activity,
        author_id=user.id,
        body=f"A question on the budget {tag}",
        created_at=at(12, 5, 10),
        edited_at=at(12, 5, 11),
    )
    topic = DiscussionPost(
        activity=c.activity,
        author_id=user.id,
        body=f"Hello from {tag} city hall",
        created_at=at(12, 1, 10),
    )
    db.session.add_all([later, topic])
    db.session.flush()
    db.session.add(
        DiscussionPost(
            activity=c.activity,
            author_id=user.id,
            parent_id=topic.id,
            body=f"Our first plan {tag}",
            created_at=at(12, 2, 10),
            is_hidden=True,
        )
    )
    # Queued in this order (ids), dated otherwise; one to the work address she applied with.
    for recipient, subject, created, status, sent in (
        (email, f"Confirmed {tag}", at(10, 20, 15, 31), OutboxStatus.PENDING, None),
        (email, f"Welcome {tag}", at(9, 1, 8, 1), OutboxStatus.SENT, at(9, 1, 8, 2)),
        (work_email, f"Waiting list {tag}", at(9, 15, 10, 1), OutboxStatus.FAILED, None),
    ):
        db.session.add(
            OutboxMessage(
                recipient=recipient,
                subject=subject,
                raw=f"To: {recipient}\r\nSubject: {subject}\r\n\r\nDear {name}\r\n".encode(),
                status=status,
                created_at=created,
                sent_at=sent,
            )
        )
    # A message to the organisers naming the person is not hers.
    db.session.add(
        OutboxMessage(
            recipient="organiser@example.org",
            subject=f"New application from {name}",
            raw=f"Subject: New application from {name}\r\n\r\n.\r\n".encode(),
            created_at=at(10, 2, 11),
        )
    )
    db.session.flush()
    return Person(
        user=user,
        main=main,
        other=other,
        data=data,
    )


@dataclass
class Full:
    c: Courses
    alves: Person
    alvarez: Person


@pytest.fixture
def full() -> Full:
    c = _courses()
    # The other Ana's rows come first, so a query that forgets whose they are finds hers.
    alvarez = _person(
        c,
        tag="alvarez",
        name="Ana Álvarez",
        email="ana.alvarez@example.es",
        work_email="a.alvarez@sevilla.example.es",
        locale="es",
    )
    alves = _person(
        c,
        tag="alves",
        name="Ana Alves",
        email="ana.alves@example.pt",
        work_email="a.alves@lisboa.example.pt",
        locale="pt",
    )
    db.session.commit()
    return Full(c=c, alves=alves, alvarez=alvarez)


NOW = datetime(2018, 1, 15, 12, 30, tzinfo=UTC)


def _zip(full: Full) -> zipfile.ZipFile:
    stream = export.archive(full.alves.user, now=NOW)
    body = b"".join(stream)
    assert len(body) == len(stream)
    return zipfile.ZipFile(io.BytesIO(body))


def _file_entry(person: Person, key: str, path: str, filename: str, uploaded: str) -> dict:
    content = person.data[key]
    return {
        "path": path,
        "filename": filename,
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "uploaded_at": uploaded,
    }


def _main_registration(full: Full) -> dict[str, Any]:
    alves = full.alves
    handins = f"files/governing-migration/handins/{full.c.activity.id}"
    return {
        "course": {
            "slug": "governing-migration",
            "title": "Governar a migração a nível local",
            "start_date": "2017-11-20",
            "end_date": "2017-11-24",
        },
        "status": "confirmed",
        "certificate_name": "Ana Alves (alves)",
        "email": "ana.alves@example.pt",
        "organisation": "Câmara Municipal de Alves",
        "organisation_type": "local_government",
        "job_title": "Migration officer alves",
        "country": "PT",
        "nationality": "BR",
        "gender": "woman",
        "language": "pt",
        "diet": "vegetarian-alves",
        "accessibility": "step-free room alves",
        "motivation": "Welcoming cities alves",
        "funding": "employer",
        "consent_data": True,
        "consent_listing": False,
        "consent_alumni": True,
        "applied_at": "2017-10-02T11:00:00+00:00",
        "decided_at": "2017-10-20T15:30:00+00:00",
        # As she answered them (not in the order of the questions).
        "answers": [
            {
                "question": "O seu CV",
                "value": "",
                "options": [],
                "file": _file_entry(
                    alves,
                    "cv",
                    "files/governing-migration/application/cv_ alves_.pdf",
                    "cv: alves?.pdf",
                    "2017-10-02T10:00:00+00:00",
                ),
                "answered_at": "2017-10-02T10:59:00+00:00",
            },
            {
                "question": "Que temas lhe interessam?",
                "value": "",
                "options": ["Habitação", "Saúde"],
                "file": None,
                "answered_at": "2017-10-02T11:01:00+00:00",
            },
            {
                "question": "Para que cidade trabalha?",
                "value": "Lisboa alves",
                "options": [],
                "file": None,
                "answered_at": "2017-10-02T11:02:00+00:00",
            },
        ],
        "history": [
            {
                "action": "applied",
                "from_status": None,
                "to_status": "submitted",
                "at": "2017-10-02T11:00:00+00:00",
            },
            {
                "action": "confirmed",
                "from_status": "submitted",
                "to_status": "confirmed",
                "at": "2017-10-20T15:30:00+00:00",
            },
        ],
        "attendance": [
            {"day": "2017-11-20", "present": True},
            {"day": "2017-11-21", "present": True},
            {"day": "2017-11-22", "present": False},
        ],
        "handins": [
            {
                "activity": "Action plan",
                "completed_at": "2017-12-10T16:00:00+00:00",
                "versions": [
                    {
                        "number": 1,
                        "submitted_at": "2017-12-01T09:05:00+00:00",
                        "is_late": False,
                        "text": "First draft alves",
                        "link": "",
                        "files": [
                            _file_entry(
                                alves,
                                "plan",
                                f"{handins}/v1/plan.v2.pdf",
                                "plan.v2.pdf",
                                "2017-12-01T09:00:00+00:00",
                            ),
                            _file_entry(
                                alves,
                                "plan_again",
                                f"{handins}/v1/Plan.V2 (2).pdf",
                                "Plan.V2.pdf",
                                "2017-12-01T09:00:00+00:00",
                            ),
                            _file_entry(
                                alves,
                                "plan_third",
                                f"{handins}/v1/PLAN.v2 (3).pdf",
                                "PLAN.v2.pdf",
                                "2017-12-01T09:00:00+00:00",
                            ),
                            _file_entry(
                                alves,
                                "notes",
                                f"{handins}/v1/read me",
                                "read me",
                                "2017-12-01T09:01:00+00:00",
                            ),
                            _file_entry(
                                alves,
                                "notes_again",
                                f"{handins}/v1/READ ME (2)",
                                "READ ME",
                                "2017-12-01T09:02:00+00:00",
                            ),
                        ],
                        "feedback": [
                            {
                                "decision": "returned",
                                "comment": "Add a budget, alves",
                                "at": "2017-12-03T14:00:00+00:00",
                            }
                        ],
                    },
                    {
                        "number": 2,
                        "submitted_at": "2017-12-08T09:05:00+00:00",
                        "is_late": True,
                        "text": "Final plan alves",
                        "link": "https://plans.example.pt/alves",
                        "files": [
                            # The same name as in version 1, in its own folder: no number.
                            _file_entry(
                                alves,
                                "final",
                                f"{handins}/v2/plan.v2.pdf",
                                "plan.v2.pdf",
                                "2017-12-08T09:00:00+00:00",
                            )
                        ],
                        "feedback": [
                            {
                                "decision": "complete",
                                "comment": "Well done",
                                "at": "2017-12-10T16:00:00+00:00",
                            }
                        ],
                    },
                ],
            }
        ],
        "evaluations_completed": [{"completed_at": "2017-11-24T17:40:00+00:00"}],
        "sessions_rated": [
            {"session": "Field visit to a reception centre", "rated_on": "2017-11-20"},
            {"session": "Opening plenary", "rated_on": "2017-11-21"},
        ],
        "certificate": {
            "code": "CALVES",
            "name": "Ana Alves (alves)",
            "issued_on": "2017-11-24",
            "revoked_at": "2017-11-27T10:00:00+00:00",
            "revocation_reason": "Name misspelt (alves)",
        },
        "visa_letter": {
            "status": "issued",
            "passport_name": "ANA ALVES",
            "passport_number": "P-alves",
            "nationality": "BR",
            "birth_date": "1985-04-02",
            "passport_expires_on": "2030-01-01",
            "consulate_city": "Brasília alves",
            "consulate_country": "BR",
            "language": "en",
            "requested_at": "2017-10-21T08:00:00+00:00",
            "decided_at": "2017-10-23T12:00:00+00:00",
            "reference": "V-alves",
            "issued_on": "2017-10-23",
            "passport_erased_at": None,
        },
        "finance_request": {
            "wants_fellowship": True,
            "justification": "A fellowship please alves",
            "payer_kind": "employer",
            "billing_name": "Câmara Municipal de Alves",
            "billing_address": "Praça do Município 1, alves",
            "billing_email": "finance@alves.example.pt",
            "billing_tax_id": "PT-alves",
            "billing_reference": "PO-alves",
        },
        "endorsement": {
            "status": "endorsed",
            "endorser_name": "Director Rui alves",
            "requested_at": "2017-10-02T11:05:00+00:00",
            "responded_at": "2017-10-04T16:00:00+00:00",
        },
        "invoices": _invoices(),
    }


def _invoices() -> list[dict[str, Any]]:
    billed = {
        "participant_name": "Ana Alves",
        "billing_name": "Câmara Municipal de Alves",
        "billing_address": "Praça do Município 1, alves",
        "billing_email": "finance@alves.example.pt",
    }
    # By when they were issued: the invoice, its credit note, the invoice that replaced it.
    return [
        {
            "kind": "invoice",
            "number": "INV-2017-0010",
            "issued_on": "2017-11-01",
            "due_on": "2017-11-15",
            "currency": "EUR",
            "total": "1200.00",
            **billed,
            "lines": [{"kind": "tuition", "detail": "", "amount": "1200.00"}],
            "payments": [],
        },
        {
            "kind": "credit_note",
            "number": "CN-2017-0010",
            "issued_on": "2017-11-05",
            "due_on": None,
            "currency": "EUR",
            "total": "-1200.00",
            **billed,
            "lines": [{"kind": "tuition", "detail": "", "amount": "-1200.00"}],
            "payments": [],
        },
        {
            "kind": "invoice",
            "number": "INV-2017-0011",
            "issued_on": "2017-11-05",
            "due_on": "2017-11-19",
            "currency": "EUR",
            "total": "700.00",
            **billed,
            "lines": [
                {"kind": "tuition", "detail": "", "amount": "1200.00"},
                {"kind": "fellowship", "detail": "City fund alves", "amount": "-500.00"},
            ],
            "payments": [
                {
                    "paid_on": "2017-11-10",
                    "amount": "400.00",
                    "method": "bank_transfer",
                    "reference": "TRF-alves",
                },
                {"paid_on": "2017-11-20", "amount": "300.00", "method": "card", "reference": ""},
            ],
        },
    ]


OTHER_REGISTRATION = {
    "course": {
        "slug": "mainstreaming-migration",
        "title": "Integrar a migração no planeamento",
        "start_date": "2018-03-05",
        "end_date": "2018-03-09",
    },
    "status": "waitlisted",
    "certificate_name": "Ana Alves",
    "email": "a.alves@lisboa.example.pt",
    "organisation": "Junta de Freguesia alves",
    "organisation_type": None,
    "job_title": "",
    "country": None,
    "nationality": None,
    "gender": None,
    "language": "en",
    "diet": "",
    "accessibility": "",
    "motivation": "Planning alves",
    "funding": None,
    "consent_data": True,
    "consent_listing": True,
    "consent_alumni": False,
    "applied_at": "2017-09-15T10:00:00+00:00",
    "decided_at": None,
    "answers": [],
    "history": [],
    "attendance": [],
    "handins": [],
    "evaluations_completed": [],
    "sessions_rated": [],
    "certificate": None,
    "visa_letter": {
        "status": "withdrawn",
        "passport_name": "",
        "passport_number": "",
        "nationality": "BR",
        "birth_date": None,
        "passport_expires_on": None,
        "consulate_city": "São Paulo alves",
        "consulate_country": "BR",
        "language": "fr",
        "requested_at": "2017-09-16T08:00:00+00:00",
        "decided_at": None,
        "reference": None,
        "issued_on": None,
        "passport_erased_at": "2017-12-30T00:00:00+00:00",
    },
    "finance_request": None,
    "endorsement": None,
    "invoices": [],
}


def _expected(full: Full) -> dict[str, Any]:
    return {
        "format": "atelier-personal-data",
        "format_version": 1,
        "exported_at": "2018-01-15T12:30:00+00:00",
        "account": {
            "id": full.alves.user.id,
            "name": "Ana Alves",
            "email": "ana.alves@example.pt",
            "role": "participant",
            "locale": "pt",
            "timezone": "Europe/Lisbon",
            "is_active": True,
            "created_at": "2017-09-01T08:00:00+00:00",
            "last_login_at": "2017-11-30T18:05:00+00:00",
        },
        # By when they were given, not by when they were stored.
        "consents": [
            {
                "context": "signup",
                "text": "I have read the privacy notice (alves)",
                "notice_version": 3,
                "course": None,
                "accepted_at": "2017-09-01T08:00:00+00:00",
            },
            {
                "context": "application",
                "text": "I agree to the course's terms (alves)",
                "notice_version": None,
                "course": "governing-migration",
                "accepted_at": "2017-10-02T11:00:00+00:00",
            },
        ],
        "erasure_requests": [
            {
                "requested_at": "2017-12-20T09:00:00+00:00",
                "carried_out_at": "2017-12-22T10:00:00+00:00",
            },
            {"requested_at": "2017-12-28T09:00:00+00:00", "carried_out_at": None},
        ],
        # The course she applied to first comes first, whatever the order they were stored in.
        "registrations": [OTHER_REGISTRATION, _main_registration(full)],
        "discussion_posts": [
            {
                "course": "governing-migration",
                "activity": "Action plan",
                "is_reply": False,
                "body": "Hello from alves city hall",
                "created_at": "2017-12-01T10:00:00+00:00",
                "edited_at": None,
                "is_hidden": False,
            },
            {
                "course": "governing-migration",
                "activity": "Action plan",
                "is_reply": True,
                "body": "Our first plan alves",
                "created_at": "2017-12-02T10:00:00+00:00",
                "edited_at": None,
                "is_hidden": True,
            },
            {
                "course": "governing-migration",
                "activity": "Action plan",
                "is_reply": False,
                "body": "A question on the budget alves",
                "created_at": "2017-12-05T10:00:00+00:00",
                "edited_at": "2017-12-05T11:00:00+00:00",
                "is_hidden": False,
            },
        ],
        # To her account's address and to the one she applied with, by when they were queued.
        "mail": [
            {
                "to": "ana.alves@example.pt",
                "subject": "Welcome alves",
                "queued_at": "2017-09-01T08:01:00+00:00",
                "sent_at": "2017-09-01T08:02:00+00:00",
                "status": "sent",
                "path": "mail/0001.eml",
            },
            {
                "to": "a.alves@lisboa.example.pt",
                "subject": "Waiting list alves",
                "queued_at": "2017-09-15T10:01:00+00:00",
                "sent_at": None,
                "status": "failed",
                "path": "mail/0002.eml",
            },
            {
                "to": "ana.alves@example.pt",
                "subject": "Confirmed alves",
                "queued_at": "2017-10-20T15:31:00+00:00",
                "sent_at": None,
                "status": "pending",
                "path": "mail/0003.eml",
            },
        ],
    }


def test_the_account_consents_requests_posts_and_mail_are_exact(full: Full) -> None:
    data, _entries = export.build(full.alves.user, now=NOW)
    expected = _expected(full)
    assert list(data) == list(expected)
    for key in ("format", "format_version", "exported_at", "account", "consents"):
        assert data[key] == expected[key], key
    assert data["erasure_requests"] == expected["erasure_requests"]
    assert data["discussion_posts"] == expected["discussion_posts"]
    assert data["mail"] == expected["mail"]


def test_each_registration_is_exact_and_in_the_order_she_applied(full: Full) -> None:
    data, _entries = export.build(full.alves.user, now=NOW)
    other, main = data["registrations"]
    assert other == OTHER_REGISTRATION
    expected = _main_registration(full)
    # Part by part first, to say which part is wrong; then the whole.
    for key in expected:
        assert main[key] == expected[key], key
    assert main == expected


def test_the_whole_json_is_exact(full: Full) -> None:
    data, _entries = export.build(full.alves.user, now=NOW)
    assert data == _expected(full)


def _mail(recipient: str, subject: str, name: str) -> bytes:
    return f"To: {recipient}\r\nSubject: {subject}\r\n\r\nDear {name}\r\n".encode()


def test_the_zip_holds_the_json_the_readme_and_each_file_under_its_path(full: Full) -> None:
    archive = _zip(full)
    alves = full.alves
    handins = f"files/governing-migration/handins/{full.c.activity.id}"
    files = {
        "files/governing-migration/application/cv_ alves_.pdf": alves.data["cv"],
        f"{handins}/v1/plan.v2.pdf": alves.data["plan"],
        f"{handins}/v1/Plan.V2 (2).pdf": alves.data["plan_again"],
        f"{handins}/v1/PLAN.v2 (3).pdf": alves.data["plan_third"],
        f"{handins}/v1/read me": alves.data["notes"],
        f"{handins}/v1/READ ME (2)": alves.data["notes_again"],
        f"{handins}/v2/plan.v2.pdf": alves.data["final"],
        "mail/0001.eml": _mail("ana.alves@example.pt", "Welcome alves", "Ana Alves"),
        "mail/0002.eml": _mail("a.alves@lisboa.example.pt", "Waiting list alves", "Ana Alves"),
        "mail/0003.eml": _mail("ana.alves@example.pt", "Confirmed alves", "Ana Alves"),
    }
    assert archive.namelist() == ["atelier-data.json", "README-export.txt", *files]
    for name, content in files.items():
        assert archive.read(name) == content, name
    assert archive.read("README-export.txt") == export.README.encode()
    assert archive.testzip() is None

    text = archive.read("atelier-data.json").decode("utf-8")
    assert json.loads(text) == _expected(full)
    # Readable as it is: indented by two, accents written as they are (not \u escapes).
    assert text.startswith('{\n  "format": "atelier-personal-data",\n  "format_version": 1,\n')
    assert '\n      "organisation": "Câmara Municipal de Alves",\n' in text


class _Recording:
    """The storage, noting each file opened and each read's size."""

    def __init__(self, storage: Any, opened: list[str], reads: list[Any]) -> None:
        self.storage, self.opened, self.reads = storage, opened, reads

    def open(self, key: str) -> Any:
        self.opened.append(key)
        fh = self.storage.open(key)
        reads = self.reads

        class File:
            def __enter__(self) -> File:
                return self

            def __exit__(self, *exc: object) -> None:
                fh.close()

            def read(self, size: Any = -1) -> bytes:
                reads.append(size)
                return fh.read(size)

        return File()


def test_files_are_read_one_chunk_at_a_time_while_the_zip_is_sent(
    full: Full, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person with large hand-ins must not fill the server's memory: nothing is read before
    the download starts, then each file in chunks."""
    opened: list[str] = []
    reads: list[Any] = []
    storage = export.get_storage()
    monkeypatch.setattr(export, "get_storage", lambda: _Recording(storage, opened, reads))
    monkeypatch.setattr(export, "CHUNK_SIZE", 100)
    stream = export.archive(full.alves.user, now=NOW)
    assert opened == []
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream)))
    assert len(opened) == 7
    assert reads and set(reads) == {100}
    handins = f"files/governing-migration/handins/{full.c.activity.id}"
    assert archive.read(f"{handins}/v1/PLAN.v2 (3).pdf") == full.alves.data["plan_third"]


def test_the_zip_can_be_downloaded_whole(client: FlaskClient, full: Full) -> None:
    login(client, full.alves.user)
    response = client.post("/account/privacy/export")
    body = response.get_data()
    assert response.status_code == 200
    assert response.content_length == len(body)
    assert response.headers["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist()[:2] == ["atelier-data.json", "README-export.txt"]
    assert (
        archive.read(f"files/governing-migration/handins/{full.c.activity.id}/v2/plan.v2.pdf")
        == (full.alves.data["final"])
    )


def test_nothing_of_the_other_ana_is_anywhere_in_it(full: Full) -> None:
    archive = _zip(full)
    names = "\n".join(archive.namelist()).casefold()
    everything = b"\n".join(archive.read(name) for name in archive.namelist())
    text = everything.decode("utf-8", errors="replace").casefold()
    her = full.alvarez
    for value in (
        "alvarez",
        "álvarez",
        "ana.alvarez@example.es",
        "a.alvarez@sevilla.example.es",
        "17:47",  # the minute she completed the evaluation
        "2017-09-16T08:07",  # her withdrawn visa request
        "2017-12-20T09:07",  # her request for erasure
    ):
        assert value.casefold() not in names, value
        assert value.casefold() not in text, value
    for content in her.data.values():
        assert content not in everything
        assert hashlib.sha256(content).hexdigest() not in text
    # And hers holds hers alone in turn.
    data, _entries = export.build(her.user, now=NOW)
    dumped = json.dumps(data, ensure_ascii=False).casefold()
    assert "alves" not in dumped.replace("alvarez", "")
    assert [r["email"] for r in data["registrations"]] == [
        "a.alvarez@sevilla.example.es",
        "ana.alvarez@example.es",
    ]
