"""Revoking a certificate with a reason: recorded (who, when, why), shown on the public
verification page, and the end of downloads; reinstating it only when an organiser does so."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.certificates import services
from app.certificates.models import Certificate
from app.core.rules import FieldErrors
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from tests.certificates.conftest import SLUG
from tests.conftest import login
from tests.factories import make_course, make_user

ISSUED = datetime(2017, 11, 27, 9, 0, tzinfo=UTC)
# 23:40 UTC on 15 January 2018 is already the 16th in Turin.
REVOKED = datetime(2018, 1, 15, 23, 40, tzinfo=UTC)
REASON = "Attendance sheet for Thursday was signed by a colleague"


@pytest.fixture
def certificate(eligible) -> Certificate:
    issued = services.issue_certificate(eligible, now=ISSUED)
    db.session.commit()
    return issued


def reload(certificate: Certificate) -> Certificate:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Certificate, certificate.id)


def revoke_url(certificate: Certificate) -> str:
    return f"/courses/{SLUG}/certificates/{certificate.id}/revoke"


def reinstate_url(certificate: Certificate) -> str:
    return f"/courses/{SLUG}/certificates/{certificate.id}/reinstate"


# --- the rules -------------------------------------------------------------------------------


def test_revoking_records_who_when_and_why(certificate, organiser, caplog):
    with caplog.at_level(logging.INFO, logger=services.logger.name):
        services.revoke_certificate(certificate, f"  {REASON}\n ", actor=organiser, now=REVOKED)
    stored = reload(certificate)
    assert stored.is_revoked
    assert stored.revoked_at == REVOKED
    assert stored.revoked_by_id == organiser.id
    assert stored.revocation_reason == REASON
    assert stored.code == certificate.code
    assert [r.getMessage() for r in caplog.records] == [
        f"certificate {certificate.id} revoked by {organiser.id}: {REASON}"
    ]


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reason_is_required(certificate, organiser, reason):
    with pytest.raises(FieldErrors) as caught:
        services.revoke_certificate(certificate, reason, actor=organiser, now=REVOKED)
    assert caught.value.errors == {"reason": [caught.value.errors["reason"][0]]}
    assert str(caught.value) == "Give the reason for revoking this certificate."
    assert not reload(certificate).is_revoked


def test_a_reason_of_500_characters_is_kept_501_refused(certificate, organiser):
    with pytest.raises(FieldErrors) as caught:
        services.revoke_certificate(certificate, "x" * 501, actor=organiser, now=REVOKED)
    assert str(caught.value) == "At most 500 characters."
    assert list(caught.value.errors) == ["reason"]
    services.revoke_certificate(certificate, "x" * 500, actor=organiser, now=REVOKED)
    assert reload(certificate).revocation_reason == "x" * 500


def test_revoking_twice_keeps_the_first_revocation(certificate, organiser):
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    other = make_user(Role.ADMIN)
    with pytest.raises(FieldErrors) as caught:
        services.revoke_certificate(certificate, "Another reason", actor=other, now=ISSUED)
    assert str(caught.value) == "This certificate is revoked already."
    assert list(caught.value.errors) == ["reason"]
    stored = reload(certificate)
    assert (stored.revoked_at, stored.revoked_by_id, stored.revocation_reason) == (
        REVOKED,
        organiser.id,
        REASON,
    )


def test_issuing_again_gives_back_the_revoked_certificate(certificate, eligible, organiser):
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    again = services.issue_certificate(eligible, now=REVOKED)
    assert again.id == certificate.id and again.is_revoked
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_reinstating_makes_it_valid_again_with_its_code_and_date(certificate, organiser, caplog):
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    administrator = make_user(Role.ADMIN)
    later = datetime(2018, 2, 1, 10, 0, tzinfo=UTC)
    with caplog.at_level(logging.INFO, logger=services.logger.name):
        services.reinstate_certificate(certificate, actor=administrator, now=later)
    stored = reload(certificate)
    assert not stored.is_revoked
    assert (stored.revoked_at, stored.revoked_by_id, stored.revocation_reason) == (None, None, "")
    assert (stored.reinstated_at, stored.reinstated_by_id) == (later, administrator.id)
    assert (stored.code, stored.issued_on) == (certificate.code, certificate.issued_on)
    assert [r.getMessage() for r in caplog.records] == [
        f"certificate {certificate.id} reinstated by {administrator.id} (revoked on "
        f"{REVOKED.isoformat()} by {organiser.id}: {REASON})"
    ]


def test_a_valid_certificate_cannot_be_reinstated(certificate, organiser):
    with pytest.raises(FieldErrors) as caught:
        services.reinstate_certificate(certificate, actor=organiser, now=REVOKED)
    assert str(caught.value) == "This certificate is not revoked."
    assert reload(certificate).reinstated_at is None


# --- what people see -------------------------------------------------------------------------


def test_the_verification_page_says_revoked_on_the_venues_date_with_the_reason(
    client, certificate, organiser
):
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    db.session.commit()
    response = client.get(f"/certificates/{services.format_code(certificate.code)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Revoked certificate" in page
    assert "This certificate was revoked on January 16, 2018. It is no longer valid." in page
    assert REASON in page
    assert "Valid certificate" not in page


def test_a_valid_certificate_says_valid(client, certificate):
    page = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "Valid certificate of participation" in page and "revoked" not in page.lower()


def test_the_participant_can_no_longer_download_it(client, certificate, eligible, organiser):
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    db.session.commit()
    login(client, eligible.user)
    response = client.get(f"/my/registrations/{eligible.id}/certificate.pdf")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "This certificate was revoked on January 16, 2018" in page
    assert REASON in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_the_organiser_revokes_from_the_overview(client, certificate, organiser):
    login(client, organiser)
    response = client.post(revoke_url(certificate), data={"reason": REASON})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/courses/{SLUG}/certificates#registration-{certificate.registration_id}"
    )
    stored = reload(certificate)
    assert stored.is_revoked and stored.revoked_by_id == organiser.id
    page = client.get(f"/courses/{SLUG}/certificates").get_data(as_text=True)
    assert "Revoked" in page and REASON in page and organiser.name in page


def test_revoking_without_a_reason_says_why_and_changes_nothing(client, certificate, organiser):
    login(client, organiser)
    response = client.post(revoke_url(certificate), data={"reason": " "}, follow_redirects=True)
    assert response.status_code == 200
    assert "Give the reason for revoking this certificate" in response.get_data(as_text=True)
    assert not reload(certificate).is_revoked


def test_the_organiser_reinstates_from_the_overview(client, certificate, organiser):
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    db.session.commit()
    login(client, organiser)
    response = client.post(reinstate_url(certificate), follow_redirects=True)
    assert "is valid again" in response.get_data(as_text=True)
    assert not reload(certificate).is_revoked


def test_reinstating_a_valid_one_says_so(client, certificate, organiser):
    login(client, organiser)
    response = client.post(reinstate_url(certificate), follow_redirects=True)
    assert "This certificate is not revoked." in response.get_data(as_text=True)


def test_a_certificate_of_another_course_is_404(client, certificate, organiser):
    """Organising another course gives no hold on this one's certificates."""
    other = make_course(slug="governing-2018", start=date(2018, 11, 19), organisers=(organiser,))
    db.session.commit()
    login(client, organiser)
    elsewhere = f"/courses/{other.slug}/certificates/{certificate.id}/revoke"
    assert client.post(elsewhere, data={"reason": REASON}).status_code == 404
    assert client.post(f"/courses/{SLUG}/certificates/999999/revoke").status_code == 404
    assert not reload(certificate).is_revoked


@pytest.mark.parametrize("who", ["participant", "facilitator", "other organiser"])
def test_only_the_courses_organisers_may_revoke(client, certificate, eligible, course, who):
    if who == "participant":
        user = eligible.user
    elif who == "facilitator":
        user = make_user(name="Fatou Facilitator")
        course.team.append(CourseTeamMember(user=user, role=TeamRole.FACILITATOR))
    else:
        user = make_user(Role.ORGANISER)
    db.session.commit()
    login(client, user)
    assert client.post(revoke_url(certificate), data={"reason": REASON}).status_code == 403
    assert not reload(certificate).is_revoked


@pytest.mark.parametrize("path", ["/my/courses", f"/courses/{SLUG}/followup/mine"])
def test_my_pages_say_revoked_instead_of_offering_the_download(
    client, certificate, eligible, organiser, path
):
    login(client, eligible.user)
    download = f"/my/registrations/{eligible.id}/certificate.pdf"
    assert download in client.get(path).get_data(as_text=True)
    services.revoke_certificate(certificate, REASON, actor=organiser, now=REVOKED)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "This certificate was revoked on January 16, 2018" in page
    assert download not in page
