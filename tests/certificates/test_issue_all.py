"""Issuing all eligible certificates for the closing ceremony: one PDF to print (a page each)
or a ZIP of one PDF each, named by participant."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.certificates import services
from app.certificates.models import Certificate
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.certificates.conftest import SLUG, attend, complete
from tests.certificates.test_pdf import pdf_text
from tests.conftest import login
from tests.factories import make_registration, make_user

URL = f"/courses/{SLUG}/certificates/issue-all"
AFTER = datetime(2017, 12, 21, 9, 0, tzinfo=UTC)


def certificates() -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))


@pytest.fixture
def group(course, required_assignment, organiser, eligible):
    """Three who qualify (two with close names), one who missed days, one who has not handed
    in, one who cancelled."""
    people = {"eligible": [eligible], "not": []}
    for name in ("Ana Sorensen", "Nguyễn Thị Minh Khai"):
        registration = make_registration(course, make_user(name=name))
        attend(registration, 5)
        complete(registration, required_assignment, organiser)
        people["eligible"].append(registration)
    absent = make_registration(course, make_user(name="Bruno Absent"))
    attend(absent, 2)
    complete(absent, required_assignment, organiser)
    no_hand_in = make_registration(course, make_user(name="Carla Late"))
    attend(no_hand_in, 5)
    cancelled = make_registration(
        course, make_user(name="Dora Cancelled"), status=RegistrationStatus.CANCELLED
    )
    attend(cancelled, 5)
    complete(cancelled, required_assignment, organiser)
    people["not"] = [absent, no_hand_in, cancelled]
    db.session.commit()
    return people


def test_issuing_all_creates_the_missing_ones_once(course, group, organiser):
    first = group["eligible"][0]
    existing = services.issue_certificate(first, now=AFTER)
    db.session.commit()
    issued = services.issue_all(course, actor=organiser, now=AFTER)
    db.session.commit()
    assert [c.name for c in issued] == ["Ana Sorensen", "Ana Sørensen", "Nguyễn Thị Minh Khai"]
    assert existing.id in {c.id for c in issued}
    assert {c.registration_id for c in certificates()} == {r.id for r in group["eligible"]}
    again = services.issue_all(course, actor=organiser, now=AFTER)
    assert [c.id for c in again] == [c.id for c in issued]
    assert len(certificates()) == 3


def test_nobody_qualifying_gives_nothing(course, organiser, required_assignment):
    registration = make_registration(course, make_user(name="Bruno Absent"))
    attend(registration, 1)
    assert services.issue_all(course, actor=organiser, now=AFTER) == []
    assert certificates() == []


def test_before_the_course_has_ended_nobody_gets_one(course, group, organiser):
    friday_noon = datetime(2017, 11, 24, 11, 0, tzinfo=UTC)
    assert services.issue_all(course, actor=organiser, now=friday_noon) == []
    assert certificates() == []


def test_revoked_certificates_are_left_out_and_stay_revoked(course, group, organiser):
    first = services.issue_certificate(group["eligible"][0], now=AFTER)
    services.revoke_certificate(first, "Attendance sheet was forged", actor=organiser, now=AFTER)
    db.session.commit()
    issued = services.issue_all(course, actor=organiser, now=AFTER)
    assert first.id not in {c.id for c in issued}
    assert len(issued) == 2
    assert db.session.get(Certificate, first.id).is_revoked


def test_an_issued_certificate_of_someone_no_longer_qualifying_is_kept(course, group, organiser):
    """Attendance corrected after issuing does not take it back (as for one download)."""
    first = group["eligible"][0]
    services.issue_certificate(first, now=AFTER)
    first.attendance.clear()
    db.session.commit()
    names = [c.name for c in services.issue_all(course, actor=organiser, now=AFTER)]
    assert "Ana Sørensen" in names and len(names) == 3


def _issue_all_in_a_thread(app, course_id, organiser_id, results, barrier):
    with app.app_context():
        from app.accounts.models import User
        from app.courses.models import Course

        course = db.session.get(Course, course_id)
        organiser = db.session.get(User, organiser_id)
        services.course_certificates(course, now=AFTER)  # read before the other writes
        barrier.wait()
        try:
            issued = services.issue_all(course, actor=organiser, now=AFTER)
            db.session.commit()
            results.append(sorted(c.code for c in issued))
        finally:
            db.session.remove()


def test_two_organisers_at_the_same_moment_make_each_certificate_once(
    app, course, group, organiser
):
    results: list[list[str]] = []
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(
            target=_issue_all_in_a_thread, args=(app, course.id, organiser.id, results, barrier)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert results[0] == results[1]
    assert len(certificates()) == 3


# --- through HTTP ----------------------------------------------------------------------------


def test_one_pdf_with_a_page_for_each_eligible_participant(client, course, group, organiser):
    login(client, organiser)
    response = client.post(URL, data={"as_pdf": "1"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificates-{SLUG}.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    pages = [page.extract_text() for page in reader.pages]
    assert "Ana Sorensen" in pages[0]
    assert "Ana Sørensen" in pages[1]
    assert "Nguyễn Thị Minh Khai" in pages[2]
    for stored, page in zip(certificates(), pages, strict=True):
        assert services.format_code(stored.code) in page
    assert not {"Bruno Absent", "Carla Late", "Dora Cancelled"} & set(" ".join(pages).split(", "))
    assert "Bruno" not in " ".join(pages) and "Carla" not in " ".join(pages)


def test_each_page_is_in_the_participants_language(client, course, group, organiser):
    group["eligible"][2].language = "fr"
    db.session.commit()
    login(client, organiser)
    reader = PdfReader(io.BytesIO(client.post(URL, data={"as_pdf": "1"}).data))
    assert "Certificate of participation" in reader.pages[0].extract_text()
    assert "Certificat de participation" in reader.pages[2].extract_text()


def test_a_zip_of_one_pdf_each_named_by_participant(client, course, group, organiser):
    login(client, organiser)
    response = client.post(URL, data={"as_zip": "1"})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificates-{SLUG}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(
            ["Ana Sorensen.pdf", "Ana Sørensen.pdf", "Nguyễn Thị Minh Khai.pdf"]
        )
        text = pdf_text(archive.read("Nguyễn Thị Minh Khai.pdf"))
    assert "Nguyễn Thị Minh Khai" in text and "Ana" not in text


def test_namesakes_get_numbered_files(client, course, group, organiser, required_assignment):
    namesake = make_registration(course, make_user(name="ana sørensen"))
    attend(namesake, 5)
    complete(namesake, required_assignment, organiser)
    db.session.commit()
    login(client, organiser)
    with zipfile.ZipFile(io.BytesIO(client.post(URL, data={"as_zip": "1"}).data)) as archive:
        names = archive.namelist()
    assert len(names) == 4
    assert {"Ana Sørensen.pdf", "ana sørensen (2).pdf"} <= set(names) or {
        "ana sørensen.pdf",
        "Ana Sørensen (2).pdf",
    } <= set(names)


def test_nobody_qualifying_says_so_on_the_overview(client, course, organiser):
    login(client, organiser)
    response = client.post(URL, data={"as_pdf": "1"}, follow_redirects=True)
    assert response.status_code == 200
    assert "No participant qualifies for a certificate yet." in response.get_data(as_text=True)
    assert certificates() == []


@pytest.mark.parametrize("role", ["participant", "facilitator", "other organiser"])
def test_only_the_courses_organisers_may_issue_all(client, course, group, role):
    from app.accounts.models import Role
    from app.courses.models import CourseTeamMember, TeamRole

    if role == "participant":
        user = group["eligible"][0].user
    elif role == "facilitator":
        user = make_user(name="Fatou Facilitator")
        course.team.append(CourseTeamMember(user=user, role=TeamRole.FACILITATOR))
    else:
        user = make_user(Role.ORGANISER, name="Olga Elsewhere")
    db.session.commit()
    login(client, user)
    assert client.post(URL, data={"as_pdf": "1"}).status_code == 403
    assert certificates() == []


def test_without_the_csrf_token_nothing_is_issued(csrf_app, course, group, organiser):
    client = csrf_app.test_client()
    login(client, organiser)
    assert client.post(URL, data={"as_pdf": "1"}).status_code == 400
    assert certificates() == []


def test_new_certificates_are_recorded_at_the_moment_given_and_by_whom(
    course, group, organiser, caplog
):
    import logging

    earlier = services.issue_certificate(
        group["eligible"][0], now=datetime(2017, 12, 1, tzinfo=UTC)
    )
    db.session.commit()
    with caplog.at_level(logging.INFO, logger=services.logger.name):
        issued = services.issue_all(course, actor=organiser, now=AFTER)
    new = [c for c in issued if c.id != earlier.id]
    assert [c.issued_at for c in new] == [AFTER, AFTER]
    assert earlier.issued_at == datetime(2017, 12, 1, tzinfo=UTC)
    assert sorted(r.getMessage() for r in caplog.records) == sorted(
        f"certificate {c.id} issued for registration {c.registration_id} by {organiser.id}"
        for c in new
    )
