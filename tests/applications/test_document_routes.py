"""Documents through the pages: the file field of the application, RSVP and "My answers"
forms, hostile uploads, the download of one document and the ZIP of many."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from werkzeug.test import encode_multipart

from app.accounts.models import Role
from app.applications import answering
from app.applications.models import QuestionKind
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.storage.models import StoredFile
from tests.applications.conftest import add_question, files_in, upload
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.registration.conftest import open_event
from tests.registration.test_apply_routes import form_data
from tests.registration.test_rsvp import rsvp_data
from tests.storage.samples import docx, pdf

K = QuestionKind
A_DOCX = docx()  # built once: a ZIP package carries the time it was made
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def cv(course, organiser):
    question = add_question(
        course, K.FILE, "Curriculum vitae", fr="Curriculum vitae (CV)", is_required=True
    )
    db.session.commit()
    return question


@pytest.fixture
def city(course, organiser):
    question = add_question(course, K.SHORT_TEXT, "Which city do you work for?")
    db.session.commit()
    return question


def field(question) -> str:
    return f"question_{question.id}"


def a_file(data: bytes, name: str = "cv.pdf"):  # type: ignore[no-untyped-def]
    return (io.BytesIO(data), name)


@pytest.fixture
def as_ana(client, ana):
    db.session.commit()
    return login(client, ana)


def post_application(client, course, **answers):  # type: ignore[no-untyped-def]
    return client.post(
        f"/courses/{course.slug}/register",
        data={**form_data(), **answers},
        content_type="multipart/form-data",
    )


def registration_of(user) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))


def nothing_stored(uploads, user) -> None:
    db.session.rollback()
    assert files_in(uploads) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0
    assert registration_of(user) is None


# --- the form ----------------------------------------------------------------------------------


def test_the_apply_form_takes_a_file(as_ana, course, cv):
    html = as_ana.get(f"/courses/{course.slug}/register").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert f'id="{field(cv)}" name="{field(cv)}" required type="file"' in html
    assert 'accept=".pdf,.docx,.odt,.jpg' in html
    assert "PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG, up to 10 MB." in html


def test_an_application_with_its_cv(as_ana, course, cv, city, ana, uploads):
    response = post_application(
        as_ana, course, **{field(cv): a_file(pdf(), "Ana Souza CV.pdf"), field(city): "Recife"}
    )
    assert response.status_code == 302
    registration = registration_of(ana)
    [answer] = [a for a in answering.answers_of(registration).values() if a.file is not None]
    assert answer.file.filename == "Ana Souza CV.pdf"
    assert len(files_in(uploads)) == 1


def test_a_refused_file_is_said_beside_its_field_and_the_rest_is_kept(
    as_ana, course, cv, city, ana, uploads
):
    response = post_application(
        as_ana, course, **{field(cv): a_file(HTML_AS_PDF, "cv.pdf"), field(city): "Recife <centre>"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    message = (
        "This file is an HTML page; accepted: PDF, Word (DOCX), OpenDocument text (ODT), JPEG, PNG."
    )
    assert f'<ul class="errors" id="{field(cv)}-errors"><li>{message}</li>' in html
    assert f'<li><a href="#{field(cv)}">Curriculum vitae</a>: {message}</li>' in html
    assert 'value="Recife &lt;centre&gt;"' in html
    assert 'value="Municipality of Belo Horizonte"' in html
    assert "choose your files again" in html
    nothing_stored(uploads, ana)


def test_the_message_is_in_the_applicant_s_language(client, course, cv, ana, uploads):
    ana.locale = "fr"
    db.session.commit()
    response = post_application(login(client, ana), course, **{field(cv): a_file(b"", "cv.pdf")})
    html = response.get_data(as_text=True)
    assert "Ce fichier est vide." in html
    assert "Curriculum vitae (CV)" in html
    nothing_stored(uploads, ana)


def test_a_missing_required_file_is_said(as_ana, course, cv, ana, uploads):
    html = post_application(as_ana, course).get_data(as_text=True)
    assert f'<ul class="errors" id="{field(cv)}-errors"><li>Add a file.</li>' in html
    nothing_stored(uploads, ana)


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        # The multipart quoting of the test client eats the backslashes (safe_filename's own
        # handling of them is in tests/storage/test_names.py).
        ("..\\..\\windows\\cv.pdf", "windowscv.pdf"),
        ("/absolute/path/cv.pdf", "cv.pdf"),
        ("cv\x00.exe.pdf", "cv.exe.pdf"),
        ("c" * 500 + ".pdf", "c" * 196 + ".pdf"),
        ("cv\u202efdp.exe", None),  # the right-to-left override: shown as cvexe.pdf
        ("cv\u202egnp.pdf", "cvgnp.pdf"),
    ],
)
def test_hostile_file_names(as_ana, course, cv, ana, uploads, name, kept):
    response = post_application(as_ana, course, **{field(cv): a_file(pdf(), name)})
    assert response.status_code in (200, 302)
    db.session.rollback()
    stored = db.session.scalars(sa.select(StoredFile)).all()
    if kept is None:
        # Its real extension is .exe: refused for not matching its content, nothing stored.
        assert response.status_code == 200
        assert "The file name ends in .exe but the file is a PDF document." in response.get_data(
            as_text=True
        )
        nothing_stored(uploads, ana)
        return
    assert response.status_code == 302
    assert [f.filename for f in stored] == [kept]
    # Only random names on disk, inside the folder.
    [path] = files_in(uploads)
    assert path.name == stored[0].storage_key and path.is_relative_to(uploads)


def test_a_pdf_that_is_html_is_never_served_as_html(as_ana, course, cv, ana, uploads):
    post_application(as_ana, course, **{field(cv): a_file(HTML_AS_PDF, "cv.html")})
    nothing_stored(uploads, ana)


def test_an_upload_over_the_request_limit_is_answered_413(
    app, client, course, cv, ana, monkeypatch, uploads
):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_LENGTH", 3 * 1024 * 1024 // 2)
    ana.locale = "es"
    db.session.commit()
    # The body built in memory (the test client would spool a large one to a temporary file
    # that a request refused unread leaves open).
    boundary, body = encode_multipart(
        {**form_data(), field(cv): upload(pdf() + b"0" * 2 * 1024 * 1024)}
    )
    response = login(client, ana).post(
        f"/courses/{course.slug}/register",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Solicitud demasiado grande" in html
    assert "1,5 MB como máximo en un formulario" in html
    nothing_stored(uploads, ana)


def test_the_413_page_is_translated(app, client, course, cv, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_LENGTH", 1000)
    response = client.post(
        f"/courses/{course.slug}/register",
        data={"file": a_file(b"x" * 2000)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Ce que vous avez envoyé dépasse ce que ce site accepte" in html
    assert "Request Entity Too Large" not in html


def test_an_rsvp_takes_a_file(client, ana, organiser, uploads):
    event = open_event()
    event.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    question = add_question(event, K.FILE, "Your badge photo", is_required=True)
    db.session.commit()
    response = login(client, ana).post(
        f"/courses/{event.slug}/register",
        data={**rsvp_data(), field(question): a_file(docx(), "photo.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [stored] = db.session.scalars(sa.select(StoredFile)).all()
    assert stored.filename == "photo.docx"


# --- My answers ---------------------------------------------------------------------------------


@pytest.fixture
def applied(course, cv, ana):
    registration = make_registration(course, ana, status=RegistrationStatus.SUBMITTED)
    answering.update_answers(registration, {cv.id: upload(pdf(), "Ana CV.pdf")}, actor=ana)
    db.session.commit()
    return registration


def test_my_answers_show_the_stored_file_and_keep_it(as_ana, applied, cv, uploads):
    url = f"/my/registrations/{applied.id}/answers"
    html = as_ana.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'Your file: <strong class="file-name">Ana CV.pdf</strong>' in html
    assert "It is kept unless you choose another file to replace it." in html
    assert f'name="{field(cv)}" required' not in html  # the stored file answers it
    response = as_ana.post(url, data={}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(files_in(uploads)) == 1


def test_my_answers_replace_the_file(as_ana, applied, cv, uploads):
    old_key = db.session.scalar(sa.select(StoredFile.storage_key))
    response = as_ana.post(
        f"/my/registrations/{applied.id}/answers",
        data={field(cv): a_file(pdf("2027"), "CV 2027.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [stored] = db.session.scalars(sa.select(StoredFile)).all()
    assert stored.filename == "CV 2027.pdf"
    assert [path.name for path in files_in(uploads)] == [stored.storage_key]
    assert stored.storage_key != old_key


def test_my_answers_refuse_a_bad_replacement_and_keep_the_old(as_ana, applied, cv, uploads):
    before = files_in(uploads)
    response = as_ana.post(
        f"/my/registrations/{applied.id}/answers",
        data={field(cv): a_file(b"MZ\x90\x00" + b"\x00" * 100, "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "This file is a program" in response.get_data(as_text=True)
    db.session.rollback()
    assert files_in(uploads) == before
    assert db.session.scalar(sa.select(StoredFile.filename)) == "Ana CV.pdf"


# --- downloading one ---------------------------------------------------------------------------


def document_url(registration, question) -> str:
    return f"/registrations/{registration.id}/documents/{question.id}"


def download(client, url):  # type: ignore[no-untyped-def]
    """The answer, read whole and closed (as a server would close the stored file)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_the_applicant_downloads_their_document_from_my_courses(as_ana, applied, cv):
    html = as_ana.get("/my/courses").get_data(as_text=True)
    assert f'href="{document_url(applied, cv)}"' in html
    response = download(as_ana, document_url(applied, cv))
    assert response.status_code == 200
    assert response.data == pdf()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Ana CV.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def team(course, organiser):
    reviewer = make_user(name="Rania Reviewer", email="rania@example.org")
    facilitator = make_user(name="Fatou Facilitator", email="fatou@example.org")
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    other_organiser = make_user(Role.ORGANISER, name="Olga Other", email="olga.other@example.org")
    make_course(slug="another-course", organisers=(other_organiser,))
    db.session.commit()
    return {
        "organiser": organiser,
        "reviewer": reviewer,
        "facilitator": facilitator,
        "other course's organiser": other_organiser,
    }


def test_the_desk_page_links_the_document_for_organisers(client, applied, cv, course, team):
    login(client, team["organiser"])
    html = client.get(f"/courses/{course.slug}/participants/{applied.id}").get_data(as_text=True)
    assert f'href="{document_url(applied, cv)}"' in html
    assert download(client, document_url(applied, cv)).data == pdf()


def test_the_selection_page_links_the_document_for_reviewers(client, applied, cv, course, team):
    login(client, team["reviewer"])
    html = client.get(f"/courses/{course.slug}/selection/{applied.id}").get_data(as_text=True)
    assert f'href="{document_url(applied, cv)}"' in html
    assert download(client, document_url(applied, cv)).status_code == 200


@pytest.mark.parametrize(
    "who", ["facilitator", "other course's organiser", "other applicant", None]
)
def test_anyone_else_is_told_there_is_no_document(client, applied, cv, team, ana_sousa, who):
    team["other applicant"] = ana_sousa
    db.session.commit()
    if who is not None:
        login(client, team[who])
    response = client.get(document_url(applied, cv))
    assert response.status_code == 404
    assert pdf() not in response.data


def test_a_question_without_a_document_is_not_found(as_ana, applied, city):
    assert as_ana.get(document_url(applied, city)).status_code == 404


# --- the ZIP -----------------------------------------------------------------------------------


@pytest.fixture
def two_applicants(applied, course, cv, ana_sousa):
    other = make_registration(course, ana_sousa, status=RegistrationStatus.WAITLISTED)
    answering.update_answers(other, {cv.id: upload(A_DOCX, "Ana CV.docx")}, actor=ana_sousa)
    db.session.commit()
    return applied, other


def read_zip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_organisers_download_every_document_as_a_zip(client, course, team, two_applicants):
    login(client, team["organiser"])
    html = client.get(f"/courses/{course.slug}/participants").get_data(as_text=True)
    assert f'href="/courses/{course.slug}/participants/documents.zip"' in html
    response = client.get(f"/courses/{course.slug}/participants/documents.zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert f'filename="{course.slug}-documents.zip"' in response.headers["Content-Disposition"]
    assert read_zip(response) == {
        "Ana Sousa - Curriculum vitae - Ana CV.docx": A_DOCX,
        "Ana Souza - Curriculum vitae - Ana CV.pdf": pdf(),
    }


def test_the_zip_follows_the_desk_s_filters(client, course, team, two_applicants):
    login(client, team["organiser"])
    html = client.get(f"/courses/{course.slug}/participants?status=waitlisted").get_data(
        as_text=True
    )
    assert f'href="/courses/{course.slug}/participants/documents.zip?status=waitlisted"' in html
    response = client.get(f"/courses/{course.slug}/participants/documents.zip?status=waitlisted")
    assert list(read_zip(response)) == ["Ana Sousa - Curriculum vitae - Ana CV.docx"]


@pytest.mark.parametrize("who", ["reviewer", "facilitator", "other course's organiser"])
def test_only_organisers_download_the_zip(client, course, team, two_applicants, who):
    login(client, team[who])
    response = client.get(f"/courses/{course.slug}/participants/documents.zip")
    assert response.status_code == 403
    assert b"PK" not in response.data[:2]


def test_the_zip_link_is_only_shown_where_there_are_file_questions(
    client, course, organiser, neighbour
):
    db.session.commit()
    login(client, organiser)
    html = client.get(f"/courses/{course.slug}/participants").get_data(as_text=True)
    assert "documents.zip" not in html


def test_facilitators_see_the_document_s_name_without_a_link(client, applied, cv, course, team):
    login(client, team["facilitator"])
    html = client.get(f"/courses/{course.slug}/participants/{applied.id}").get_data(as_text=True)
    assert "Ana CV.pdf" in html
    assert document_url(applied, cv) not in html
