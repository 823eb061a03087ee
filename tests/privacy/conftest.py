"""Two people with close names, each with every kind of data Atelier keeps about a person, in
two courses (the other busy): what the export must carry and the erasure must remove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.accounts.models import Role, User
from app.applications.models import Answer, ApplicationQuestion, QuestionKind, QuestionText
from app.audit.models import AuditAction
from app.audit.services import record
from app.certificates.models import Certificate
from app.courses.models import Course
from app.discussions.models import DiscussionPost
from app.endorsement.models import Endorsement, EndorsementStatus
from app.evaluation.models import Evaluation, EvaluationCompletion
from app.extensions import db
from app.finance.models import FinanceRequest, PayerKind
from app.followup.models import (
    ActivityKind,
    FollowupActivity,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from app.invoices.models import DocumentKind, Invoice, InvoiceLine, LineKind, Payment, PaymentMethod
from app.mail.models import OutboxMessage
from app.mail.services import queue_mail
from app.registration.models import Attendance, Registration
from app.storage.services import store_upload
from app.visas.models import VisaLetterRequest, VisaRequestStatus
from tests.factories import make_course, make_registration, make_user
from tests.security.test_rate_limits import make_limited_app
from tests.storage.conftest import files_in, upload, uploads

PDF = b"%PDF-1.4\n%% the cv of "


@dataclass
class Person:
    user: User
    name: str
    email: str
    passport: str
    answer_text: str
    motivation: str
    handin_text: str
    post_text: str
    diet: str
    cv_bytes: bytes
    handin_bytes: bytes
    registration: Registration
    certificate_code: str


def _question(course: Course, kind: QuestionKind, label: str) -> ApplicationQuestion:
    question = ApplicationQuestion(
        course=course, kind=kind, texts=[QuestionText(locale="en", label=label)]
    )
    db.session.add(question)
    db.session.flush()
    return question


def make_person(
    course: Course, other: Course, *, name: str, email: str, passport: str, tag: str
) -> Person:
    """``tag`` makes each person's values their own (``"alves"``, ``"alvarez"``)."""
    user = make_user(email=email, name=name)
    registration = make_registration(
        course,
        user,
        organisation=f"Câmara Municipal de {tag.title()}",
        job_title=f"Officer {tag}",
        motivation=f"My motivation {tag}: cities of welcome",
        diet=f"vegetarian-{tag}",
        accessibility=f"wheelchair-{tag}",
    )
    make_registration(other, user, motivation=f"Other course motivation {tag}", diet=f"halal-{tag}")
    text_q = db.session.query(ApplicationQuestion).filter_by(course_id=course.id).first()
    if text_q is None:
        text_q = _question(course, QuestionKind.SHORT_TEXT, "Which city do you work for?")
        _question(course, QuestionKind.FILE, "Your CV")
    file_q = (
        db.session.query(ApplicationQuestion)
        .filter_by(course_id=course.id, kind=QuestionKind.FILE)
        .one()
    )
    cv_bytes = PDF + tag.encode() * 50
    cv = store_upload(upload(cv_bytes, f"cv-{tag}.pdf"), actor=user)
    db.session.add_all(
        [
            Answer(registration=registration, question=text_q, value=f"City of {tag}"),
            Answer(registration=registration, question=file_q, file=cv),
            Attendance(registration=registration, day=course.start_date, is_present=True),
        ]
    )
    activity = db.session.query(FollowupActivity).filter_by(course_id=course.id).first()
    if activity is None:
        activity = FollowupActivity(
            course=course, kind=ActivityKind.ASSIGNMENT, title="Action plan"
        )
        db.session.add(activity)
        db.session.flush()
    handin_bytes = PDF + f"action plan {tag}".encode() * 30
    handin_file = store_upload(upload(handin_bytes, f"plan-{tag}.pdf"), actor=user)
    submission = Submission(
        activity=activity,
        registration=registration,
        text=f"My action plan {tag}",
        completed_at=datetime(2017, 12, 1, 10, tzinfo=UTC),
    )
    submission.versions.append(
        SubmissionVersion(
            number=1,
            text=f"My action plan {tag}",
            submitted_by_id=user.id,
            files=[SubmissionFile(stored_file=handin_file)],
        )
    )
    db.session.add(submission)
    evaluation = db.session.query(Evaluation).filter_by(course_id=course.id).first()
    if evaluation is None:
        evaluation = Evaluation(course=course)
        db.session.add(evaluation)
        db.session.flush()
    db.session.add(EvaluationCompletion(evaluation=evaluation, registration=registration))
    code = f"CERT{tag.upper()[:6]}"
    db.session.add(
        Certificate(registration=registration, code=code, name=name, issued_on=course.end_date)
    )
    db.session.add(
        VisaLetterRequest(
            registration=registration,
            status=VisaRequestStatus.REQUESTED,
            passport_name=name.upper(),
            passport_number=passport,
            nationality="PT",
            birth_date=date(1985, 4, 2),
            passport_expires_on=date(2030, 1, 1),
            consulate_city=f"Consulate-{tag}",
            consulate_country="PT",
            language="en",
        )
    )
    db.session.add(
        FinanceRequest(
            registration=registration,
            justification=f"I need a fellowship {tag}",
            payer_kind=PayerKind.EMPLOYER,
            billing_name=f"Câmara Municipal de {tag.title()}",
            billing_email=f"finance-{tag}@camara.example.pt",
        )
    )
    db.session.add(
        Endorsement(
            registration=registration,
            status=EndorsementStatus.AWAITING,
            endorser_name="Director Rui",
            endorser_position="Director",
            endorser_email=f"director-{tag}@camara.example.pt",
            token_hash=f"{tag:0<64}"[:64],
            expires_at=datetime(2017, 11, 1, tzinfo=UTC),
            comment=f"{name} is our best officer",
        )
    )
    invoice = Invoice(
        registration=registration,
        kind=DocumentKind.INVOICE,
        series="INV",
        year=2017,
        number=1 if tag == "alves" else 2,
        issued_on=date(2017, 11, 1),
        currency="EUR",
        total=Decimal("1200.00"),
        language="en",
        participant_name=name,
        course_title="Governing migration at the local level",
        payer_kind=PayerKind.EMPLOYER,
        billing_name=f"Câmara Municipal de {tag.title()}",
        billing_address="Praça do Município 1, Lisboa",
        lines=[InvoiceLine(position=0, kind=LineKind.TUITION, amount=Decimal("1200.00"))],
    )
    db.session.add(invoice)
    db.session.flush()
    db.session.add(
        Payment(
            invoice=invoice,
            paid_on=date(2017, 11, 10),
            amount=Decimal("1200.00"),
            method=PaymentMethod.BANK_TRANSFER,
            reference=f"TRF-{tag}",
        )
    )
    db.session.add(
        DiscussionPost(activity=activity, author_id=user.id, body=f"Hello from {tag} city hall")
    )
    queue_mail(
        email,
        "privacy_erasure_requested",
        locale="en",
        account_id=user.id,
        requested_at=datetime(2017, 11, 1, tzinfo=UTC),
        link=f"https://atelier.test/for-{tag}",
    )
    # A message to the organisers naming the person (as the desk's notices do).
    db.session.add(
        OutboxMessage(
            recipient="organiser@example.org",
            subject=f"New application from {name}",
            raw=f"Subject: New application from {name}\r\n\r\nSee the desk.\r\n".encode(),
        )
    )
    record(AuditAction.EMAIL_CHANGED, actor=user, subject=user, old=f"old-{email}", new=email)
    db.session.flush()
    return Person(
        user=user,
        name=name,
        email=email,
        passport=passport,
        answer_text=f"City of {tag}",
        motivation=f"My motivation {tag}: cities of welcome",
        handin_text=f"My action plan {tag}",
        post_text=f"Hello from {tag} city hall",
        diet=f"vegetarian-{tag}",
        cv_bytes=cv_bytes,
        handin_bytes=handin_bytes,
        registration=registration,
        certificate_code=code,
    )


@dataclass
class World:
    course: Course
    other: Course
    alves: Person
    alvarez: Person
    admin: User


@pytest.fixture
def world() -> World:
    admin = make_user(Role.ADMIN, email="admin@example.org", name="Site Admin")
    course = make_course(slug="governing-migration", start=date(2017, 11, 20))
    other = make_course(slug="mainstreaming-migration", start=date(2017, 11, 20))
    alves = make_person(
        course,
        other,
        name="Ana Alves",
        email="ana.alves@example.pt",
        passport="P1234567",
        tag="alves",
    )
    alvarez = make_person(
        course,
        other,
        name="Ana Álvarez",
        email="ana.alvarez@example.es",
        passport="X7654321",
        tag="alvarez",
    )
    db.session.commit()
    return World(course=course, other=other, alves=alves, alvarez=alvarez, admin=admin)


__all__ = ["files_in", "make_limited_app", "uploads"]


# Both courses of the world run 20-24 November 2017 in Rome (CET, UTC+1 in winter).
# Special needs: the site's 30 days after 24 November → gone at the start of 25 December.
NEEDS_DUE = datetime(2017, 12, 24, 23, 0, tzinfo=UTC)
# Documents, the course's own 10 days (set by `periods`) → the start of 5 December, Rome time.
DOCUMENTS_DUE = datetime(2017, 12, 4, 23, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def periods(world: World) -> World:
    """The world's retention periods: 10 days of documents for the course; the other course
    keeps everything longer, so nothing of it may go in these tests."""
    from app.privacy import retention

    retention.set_course_days(
        world.course, document_days=10, special_needs_days=None, actor=world.admin
    )
    retention.set_course_days(
        world.other, document_days=400, special_needs_days=100, actor=world.admin
    )
    db.session.commit()
    return world
