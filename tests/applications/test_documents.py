"""Documents (answers to file questions), as rules: checked and stored with the application,
kept or replaced when answers change, limited per question and per application, read only by
those who judge the application, zipped by participant, gone with their registration or
account, and never left behind by a refusal or a rollback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.applications import answering, documents
from app.applications.checks import InvalidAnswers
from app.applications.models import Answer, QuestionKind, QuestionText
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.registration import services as registration_services
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import ApplicationData
from app.storage.models import StoredFile
from app.storage.services import MB
from tests.applications.conftest import add_question, files_in, upload
from tests.factories import make_course, make_registration, make_user
from tests.storage.samples import jpeg, odt, pdf, png

K = QuestionKind


def application(name: str = "Ana Souza") -> ApplicationData:
    return ApplicationData(
        certificate_name=name,
        email="ana.souza@example.org",
        organisation="Prefeitura de Belo Horizonte",
        language="en",
        consent_data=True,
        country="BR",
        job_title="Planning officer",
    )


@pytest.fixture
def cv(course, organiser):
    question = add_question(course, K.FILE, "Curriculum vitae", is_required=True, max_size_mb=1)
    db.session.commit()
    return question


@pytest.fixture
def letter(course, organiser):
    question = add_question(course, K.FILE, "Nomination letter")
    db.session.commit()
    return question


def stored_files() -> list[StoredFile]:
    return list(db.session.scalars(sa.select(StoredFile).order_by(StoredFile.id)))


def answer_to(registration, question) -> Answer | None:
    return db.session.scalar(
        sa.select(Answer).where(
            Answer.registration_id == registration.id, Answer.question_id == question.id
        )
    )


def refusal(exc: pytest.ExceptionInfo[InvalidAnswers], question) -> str:
    return " ".join(str(message) for message in exc.value.errors[question.id])


@pytest.fixture
def applied(course, cv, letter, ana):
    """Ana applied with her CV (a PDF) and a nomination letter (an ODT)."""
    registration = answering.apply_with_answers(
        course,
        ana,
        application(),
        {cv.id: upload(pdf("Ana Souza, CV"), "Ana CV.pdf"), letter.id: upload(odt(), "letter.odt")},
    )
    db.session.commit()
    return registration


# --- storing with the application ---------------------------------------------------------------


def test_documents_are_stored_with_the_application(applied, cv, letter, ana, uploads):
    document = answer_to(applied, cv).file
    assert (document.filename, document.content_type) == ("Ana CV.pdf", "application/pdf")
    assert document.size == len(pdf("Ana Souza, CV"))
    assert answer_to(applied, cv).value == ""
    assert answer_to(applied, letter).file.content_type == "application/vnd.oasis.opendocument.text"
    assert len(files_in(uploads)) == 2
    assert {f.uploaded_by for f in (document, answer_to(applied, letter).file)} == {ana}


def test_every_refused_document_is_named_even_after_a_text_question(course, ana, uploads):
    city = add_question(course, K.SHORT_TEXT, "Which city do you work for?")
    cv = add_question(course, K.FILE, "Curriculum vitae", max_size_mb=1)
    letter = add_question(course, K.FILE, "Nomination letter")
    photo = add_question(course, K.FILE, "Photograph")
    db.session.commit()
    big = pdf("x" * 10) + b"%" + b"0" * (MB + 10)
    html = b"<!DOCTYPE html><html><body>Nomination</body></html>"
    with pytest.raises(InvalidAnswers) as exc:
        answering.apply_with_answers(
            course,
            ana,
            application(),
            {
                city.id: "Belo Horizonte",
                cv.id: upload(big),
                letter.id: upload(html, "letter.pdf"),
                photo.id: upload(png(), "ana.png"),
            },
        )
    assert set(exc.value.errors) == {cv.id, letter.id}
    db.session.rollback()
    assert files_in(uploads) == []
    # Without the refused ones, the files after the text question are stored.
    registration = answering.apply_with_answers(
        course, ana, application(), {city.id: "Belo Horizonte", photo.id: upload(png(), "ana.png")}
    )
    assert answer_to(registration, photo).file.filename == "ana.png"


def test_a_required_document_must_be_given(course, cv, ana, uploads):
    with pytest.raises(InvalidAnswers) as exc:
        answering.apply_with_answers(course, ana, application(), {cv.id: None})
    assert refusal(exc, cv) == "Add a file."


def test_a_file_input_left_empty_is_no_document(course, cv, ana):
    with pytest.raises(InvalidAnswers) as exc:
        answering.apply_with_answers(course, ana, application(), {cv.id: upload(b"", "")})
    assert refusal(exc, cv) == "Add a file."


def test_an_optional_document_may_be_left_out(course, letter, ana, uploads):
    registration = answering.apply_with_answers(course, ana, application(), {})
    assert answer_to(registration, letter) is None
    assert files_in(uploads) == []


def test_a_refused_document_stores_nothing_once_rolled_back(course, cv, letter, ana, uploads):
    """The letter is fine and stored first; the CV is HTML named .pdf: the whole application
    is refused and the rollback takes the letter's bytes too."""
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    with pytest.raises(InvalidAnswers) as exc:
        answering.apply_with_answers(
            course,
            ana,
            application(),
            {letter.id: upload(odt(), "letter.odt"), cv.id: upload(html, "cv.pdf")},
        )
    assert "This file is an HTML page" in refusal(exc, cv)
    assert letter.id not in exc.value.errors
    db.session.rollback()
    assert files_in(uploads) == []
    assert stored_files() == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(Registration.course_id == course.id)
        )
        == 0
    )


def test_a_rolled_back_application_leaves_no_file(course, cv, ana, uploads, monkeypatch):
    """The documents pass, then the registration itself fails (closed meanwhile)."""

    def closed(*args, **kwargs):
        raise registration_services.RegistrationError("closed")

    monkeypatch.setattr(registration_services, "apply", closed)
    with pytest.raises(registration_services.RegistrationError):
        answering.apply_with_answers(course, ana, application(), {cv.id: upload(pdf())})
    assert len(files_in(uploads)) == 1  # written, not yet committed
    db.session.rollback()
    assert files_in(uploads) == []


@pytest.mark.parametrize(
    ("data", "name"), [(pdf, "cv.pdf"), (odt, "cv.odt"), (jpeg, "photo.jpg"), (png, "scan.png")]
)
def test_each_accepted_kind_is_taken(course, letter, ana, data, name):
    registration = answering.apply_with_answers(
        course, ana, application(), {letter.id: upload(data(), name)}
    )
    assert answer_to(registration, letter).file.filename == name


def test_each_question_has_its_own_size_limit(course, cv, letter, ana, uploads):
    big = pdf("x" * 10) + b"%" + b"0" * (MB + 10)  # a PDF a little over 1 MB
    with pytest.raises(InvalidAnswers) as exc:
        answering.apply_with_answers(course, ana, application(), {cv.id: upload(big)})
    assert refusal(exc, cv) == "This file is larger than 1 MB, the most accepted here."
    db.session.rollback()
    # The letter takes the default 10 MB.
    registration = answering.apply_with_answers(
        course, ana, application(), {cv.id: upload(pdf()), letter.id: upload(big, "letter.pdf")}
    )
    assert answer_to(registration, letter).file.size == len(big)


def test_the_documents_of_an_application_have_a_total_limit(
    app, course, cv, letter, ana, monkeypatch
):
    monkeypatch.setitem(app.config, "APPLICATION_DOCUMENTS_MAX_BYTES", MB + MB // 2)
    big = pdf() + b"%" + b"0" * (MB - 10_000)  # just under 1 MB each
    with pytest.raises(InvalidAnswers) as exc:
        answering.apply_with_answers(
            course, ana, application(), {cv.id: upload(big), letter.id: upload(big, "l.pdf")}
        )
    assert cv.id not in exc.value.errors
    assert "still free for the documents of this application" in refusal(exc, letter)


def test_a_kept_document_counts_towards_the_total_a_replaced_one_does_not(
    app, applied, cv, letter, ana, monkeypatch
):
    kept = answer_to(applied, letter).file.size
    monkeypatch.setitem(app.config, "APPLICATION_DOCUMENTS_MAX_BYTES", kept + len(pdf()) + 10)
    # Replacing the CV with one of the same size fits: the old CV no longer counts.
    answering.update_answers(applied, {cv.id: upload(pdf(), "new cv.pdf")}, actor=ana)
    db.session.commit()
    bigger = pdf() + b"%" + b"0" * 100
    with pytest.raises(InvalidAnswers) as exc:
        answering.update_answers(applied, {cv.id: upload(bigger, "cv2.pdf")}, actor=ana)
    assert "still free" in refusal(exc, cv)
    db.session.rollback()


# --- changing answers ---------------------------------------------------------------------------


def test_a_stored_document_is_kept_when_no_file_is_chosen(applied, cv, letter, ana, uploads):
    before = answer_to(applied, cv).file
    changed = answering.update_answers(applied, {cv.id: None, letter.id: None}, actor=ana)
    db.session.commit()
    assert changed is False
    assert answer_to(applied, cv).file == before
    assert len(files_in(uploads)) == 2


def test_a_required_question_is_answered_by_the_stored_document(applied, cv, ana):
    answering.update_answers(applied, {}, actor=ana)  # raises nothing


def test_replacing_a_document_deletes_the_old_one_after_commit(applied, cv, ana, uploads):
    old = answer_to(applied, cv).file
    old_id, old_path = (
        old.id,
        uploads / old.storage_key[:2] / old.storage_key[2:4] / old.storage_key,
    )
    changed = answering.update_answers(
        applied, {cv.id: upload(pdf("Ana Souza, CV 2027"), "cv 2027.pdf")}, actor=ana
    )
    assert changed is True
    assert old_path.exists()  # not yet committed: a rollback would still need it
    db.session.commit()
    assert not old_path.exists()
    assert db.session.get(StoredFile, old_id) is None
    assert answer_to(applied, cv).file.filename == "cv 2027.pdf"
    assert answer_to(applied, cv).file.uploaded_by == ana
    assert len(files_in(uploads)) == 2
    assert applied.events[-1].action == "answers_updated"


def test_a_replacement_rolled_back_keeps_the_old_document(applied, cv, ana, uploads):
    old = answer_to(applied, cv).file
    old_key = old.storage_key
    answering.update_answers(applied, {cv.id: upload(pdf("new"), "new.pdf")}, actor=ana)
    db.session.rollback()
    assert answer_to(applied, cv).file.storage_key == old_key
    assert [p.name for p in files_in(uploads)].count(old_key) == 1
    assert len(files_in(uploads)) == 2


def test_documents_cannot_change_once_decided(applied, cv, ana, uploads):
    applied.status = RegistrationStatus.CONFIRMED
    db.session.commit()
    with pytest.raises(answering.AnswersLocked):
        answering.update_answers(applied, {cv.id: upload(pdf("late"))}, actor=ana)
    db.session.rollback()
    assert len(files_in(uploads)) == 2


# --- going with their owner ---------------------------------------------------------------------


def test_a_deleted_registration_takes_its_documents(applied, ana_sousa, course, cv, uploads):
    other = answering.apply_with_answers(
        course, ana_sousa, application("Ana Sousa"), {cv.id: upload(pdf(), "cv.pdf")}
    )
    db.session.commit()
    kept = answer_to(other, cv).file.storage_key
    db.session.delete(applied)
    db.session.flush()
    assert len(files_in(uploads)) == 3  # bytes wait for the commit
    db.session.commit()
    assert [path.name for path in files_in(uploads)] == [kept]
    assert [f.storage_key for f in stored_files()] == [kept]


def test_a_deleted_account_takes_its_documents(applied, ana, uploads):
    db.session.delete(ana)
    db.session.commit()
    assert files_in(uploads) == []
    assert stored_files() == []


def test_a_deletion_rolled_back_keeps_the_documents(applied, uploads):
    db.session.delete(applied)
    db.session.flush()
    db.session.rollback()
    assert len(files_in(uploads)) == 2
    assert len(stored_files()) == 2


# --- who reads them -----------------------------------------------------------------------------


@pytest.fixture
def people(course, organiser, ana, ana_sousa):
    reviewer = make_user(name="Rania Reviewer", email="rania@example.org")
    facilitator = make_user(name="Fatou Facilitator", email="fatou@example.org")
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    other_organiser = make_user(Role.ORGANISER, name="Olga Organiser", email="olga2@example.org")
    make_course(slug="another-course", organisers=(other_organiser,))
    db.session.flush()
    return {
        "applicant": ana,
        "organiser": organiser,
        "reviewer": reviewer,
        "admin": make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org"),
        "facilitator": facilitator,
        "other applicant": ana_sousa,
        "other course's organiser": other_organiser,
    }


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("applicant", True),
        ("organiser", True),
        ("reviewer", True),
        ("admin", True),
        ("facilitator", False),
        ("other applicant", False),
        ("other course's organiser", False),
    ],
)
def test_who_reads_a_document(applied, cv, people, who, may):
    found = documents.readable_document(applied.id, cv.id, actor=people[who])
    assert documents.can_read_documents(people[who], applied) is may
    assert (found is not None) is may
    if may:
        assert found == answer_to(applied, cv).file


def test_nobody_signed_out_reads_a_document(applied, cv):
    from flask_login import AnonymousUserMixin

    assert documents.readable_document(applied.id, cv.id, actor=AnonymousUserMixin()) is None


def test_an_answer_without_a_document_is_none(applied, course, ana, organiser):
    text = add_question(course, K.SHORT_TEXT, "City")
    answering.update_answers(applied, {text.id: "Belo Horizonte"}, actor=ana)
    assert documents.readable_document(applied.id, text.id, actor=organiser) is None
    assert documents.readable_document(applied.id + 999, text.id, actor=organiser) is None


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("organiser", True),
        ("admin", True),
        ("reviewer", False),
        ("facilitator", False),
        ("other course's organiser", False),
    ],
)
def test_only_organisers_download_every_document(course, people, who, may):
    assert documents.can_download_all(people[who], course) is may


# --- the ZIP ------------------------------------------------------------------------------------


def test_zip_entries_are_named_by_participant_and_question(
    applied, course, cv, letter, ana_sousa, neighbour
):
    other = answering.apply_with_answers(
        course, ana_sousa, application("Ana Sousa"), {cv.id: upload(pdf(), "Ana CV.pdf")}
    )
    db.session.commit()
    everyone = list(db.session.scalars(sa.select(Registration)))  # the neighbour's too
    entries = documents.zip_entries(course, everyone, "en")
    assert [name for name, _file in entries] == [
        "Ana Sousa - Curriculum vitae - Ana CV.pdf",
        "Ana Souza - Curriculum vitae - Ana CV.pdf",
        "Ana Souza - Nomination letter - letter.odt",
    ]
    assert entries[0][1] == answer_to(other, cv).file
    assert documents.zip_entries(course, [other], "en") == entries[:1]


def test_a_long_question_label_is_cut_in_zip_names(applied, course, cv):
    cv.texts[0].label = "Your curriculum vitae, with your current position and your work " * 3
    entries = documents.zip_entries(course, [applied], "en")
    label = entries[0][0].split(" - ")[1]
    assert len(label) <= documents.LABEL_IN_NAME and label.endswith("your…")


def test_asks_documents(course, organiser, neighbour):
    assert documents.asks_documents(course) is False
    add_question(course, K.FILE, "CV")
    assert documents.asks_documents(course) is True
    assert documents.asks_documents(neighbour.course) is False


def test_nothing_but_a_signed_in_user_reads_a_document(applied):
    assert documents.can_read_documents(None, applied) is False


def test_each_registration_reads_its_own_document(applied, course, cv, ana_sousa, organiser):
    other = answering.apply_with_answers(
        course, ana_sousa, application("Ana Sousa"), {cv.id: upload(pdf("Sousa"), "cv.pdf")}
    )
    db.session.commit()
    assert (
        documents.readable_document(other.id, cv.id, actor=organiser) == answer_to(other, cv).file
    )
    assert documents.readable_document(applied.id, cv.id, actor=organiser) == (
        answer_to(applied, cv).file
    )
    assert documents.readable_document(other.id, cv.id, actor=applied.user) is None


def test_zip_names_are_in_the_organiser_s_language(applied, course, cv):
    cv.texts.append(QuestionText(locale="fr", label="CV détaillé"))
    db.session.flush()
    [(name, _file), _letter] = documents.zip_entries(course, [applied], "fr")
    assert name == "Ana Souza - CV détaillé - Ana CV.pdf"


def test_applicants_without_documents_are_left_out_of_the_zip(applied, course, ana_sousa):
    other = make_registration(course, ana_sousa, status=RegistrationStatus.SUBMITTED)
    names = [name for name, _file in documents.zip_entries(course, [other, applied], "en")]
    assert names == [
        "Ana Souza - Curriculum vitae - Ana CV.pdf",
        "Ana Souza - Nomination letter - letter.odt",
    ]


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("x" * documents.LABEL_IN_NAME, "x" * documents.LABEL_IN_NAME),
        ("x" * (documents.LABEL_IN_NAME + 1), "x" * (documents.LABEL_IN_NAME - 1) + "…"),
    ],
)
def test_a_label_is_cut_only_when_longer_than_the_limit(applied, course, cv, label, shown):
    cv.texts[0].label = label
    [(name, _file), _letter] = documents.zip_entries(course, [applied], "en")
    assert name == f"Ana Souza - {shown} - Ana CV.pdf"
