"""Downloading, verifying and overseeing certificates, through HTTP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.certificates import services
from app.certificates.models import Certificate
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.certificates.conftest import SLUG, attend
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user


def download_url(registration) -> str:
    return f"/my/registrations/{registration.id}/certificate.pdf"


def certificates() -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Certificate)))


# --- downloading -----------------------------------------------------------------------------


def test_own_download_issues_the_certificate_once(client, eligible, participant):
    login(client, participant)
    response = client.get(download_url(eligible))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=certificate-governing-2017-")
    assert disposition.endswith(".pdf")
    [certificate] = certificates()
    assert client.get(download_url(eligible)).status_code == 200
    assert [c.code for c in certificates()] == [certificate.code]


def test_another_participant_gets_404(client, course, eligible):
    other = make_registration(course)
    db.session.commit()
    login(client, other.user)
    assert client.get(download_url(eligible)).status_code == 404
    assert certificates() == []


def test_an_unknown_registration_is_404(client, participant, eligible):
    login(client, participant)
    assert client.get(f"/my/registrations/{eligible.id + 1000}/certificate.pdf").status_code == 404


def test_the_courses_organiser_may_download(client, eligible, organiser):
    login(client, organiser)
    response = client.get(download_url(eligible))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"


def test_an_administrator_may_download(client, eligible):
    login(client, make_user(Role.ADMIN))
    assert client.get(download_url(eligible)).status_code == 200


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.PARTICIPANT])
def test_an_organiser_of_another_course_or_a_facilitator_gets_404(client, course, eligible, role):
    stranger = make_user(role)
    make_course(organisers=(stranger,))
    db.session.commit()
    login(client, stranger)
    assert client.get(download_url(eligible)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, eligible):
    response = client.get(download_url(eligible))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_not_eligible_gets_403_with_the_reason(client, course, participant):
    registration = make_registration(course, participant)
    attend(registration, 3)
    db.session.commit()
    login(client, participant)
    response = client.get(download_url(registration))
    assert response.status_code == 403
    html = response.text
    assert html.count("<h1") == 1
    assert "No certificate yet" in html
    assert "Attended 3 of the 4 on-site days required (out of 5)." in html
    assert certificates() == []


def test_a_cancelled_registration_gets_no_certificate(client, course, participant):
    registration = make_registration(course, participant, status=RegistrationStatus.CANCELLED)
    attend(registration, 5)
    db.session.commit()
    login(client, participant)
    response = client.get(download_url(registration))
    assert response.status_code == 403
    assert "confirmed participants" in response.text


def test_an_issued_certificate_is_always_downloadable(client, eligible, participant):
    services.issue_certificate(eligible)
    eligible.attendance.clear()
    db.session.commit()
    login(client, participant)
    assert client.get(download_url(eligible)).status_code == 200


# --- verifying -------------------------------------------------------------------------------


@pytest.fixture
def issued(eligible) -> Certificate:
    certificate = services.issue_certificate(eligible)
    db.session.commit()
    return certificate


@pytest.mark.parametrize("form", ["grouped", "plain", "lower", "lower_grouped"])
def test_verify_accepts_the_code_as_typed(client, issued, form):
    grouped = services.format_code(issued.code)
    typed = {
        "grouped": grouped,
        "plain": issued.code,
        "lower": issued.code.lower(),
        "lower_grouped": grouped.lower(),
    }[form]
    response = client.get(f"/certificates/{typed}")
    assert response.status_code == 200
    html = response.text
    assert html.count("<h1") == 1
    assert "Valid certificate of participation" in html
    assert "Ana Sørensen" in html
    assert "Governing migration at the local level" in html
    assert "Nov 20" in html
    assert grouped in html


def test_verify_shows_the_name_escaped(client, course):
    registration = make_registration(course, make_user(name="<b>Ana</b> & co"))
    attend(registration, 4)
    certificate = services.issue_certificate(registration)
    db.session.commit()
    html = client.get(f"/certificates/{certificate.code}").text
    assert "<b>Ana</b>" not in html
    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; co" in html


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "nothing", "<script>"])
def test_an_unknown_code_is_404(client, issued, code):
    response = client.get(f"/certificates/{code}")
    assert response.status_code == 404
    assert "No certificate with this code" in response.text
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_the_lookup_form_sends_to_the_verification_page(client, issued):
    page = client.get("/certificates")
    assert page.status_code == 200
    assert '<label for="code"' in page.text
    response = client.get("/certificates", query_string={"code": " abcd-efgh-jklm "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/certificates/abcd-efgh-jklm")


def test_an_empty_lookup_shows_the_form_again(client):
    response = client.get("/certificates", query_string={"code": ""})
    assert response.status_code == 200
    assert "Check a certificate" in response.text


# --- the organisers' overview ----------------------------------------------------------------


def overview_url() -> str:
    return f"/courses/{SLUG}/certificates"


def test_overview_shows_each_confirmed_participant(client, course, eligible, organiser):
    late = make_registration(course, make_user(name="Bruno Keller"))
    attend(late, 2)
    make_registration(
        course, make_user(name="Carla Cancelled"), status=RegistrationStatus.CANCELLED
    )
    certificate = services.issue_certificate(eligible)
    db.session.commit()
    login(client, organiser)
    response = client.get(overview_url())
    assert response.status_code == 200
    html = response.text
    assert html.count("<h1") == 1
    assert "Ana Sørensen" in html and "Bruno Keller" in html
    assert "Carla Cancelled" not in html
    assert services.format_code(certificate.code) in html
    assert "Attended 2 of the 4 on-site days required (out of 5)." in html
    assert "Required follow-up activities not completed yet: “Local action plan”." in html
    assert "Qualify: 1 of 2 confirmed participants. Certificates issued: 1." in html


@pytest.mark.parametrize("who", ["participant", "facilitator", "organiser of another course"])
def test_overview_is_for_organisers_only(client, course, eligible, who):
    if who == "participant":
        user = eligible.user
    elif who == "facilitator":
        user = make_user()
        course.team.append(CourseTeamMember(user=user, role=TeamRole.FACILITATOR))
    else:
        user = make_user(Role.ORGANISER)
        make_course(organisers=(user,))
    db.session.commit()
    login(client, user)
    assert client.get(overview_url()).status_code == 403


def test_overview_for_administrators(client, eligible):
    login(client, make_user(Role.ADMIN))
    assert client.get(overview_url()).status_code == 200
