"""Issuing a certificate: once per registration, at the moment given, and logged for operators."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.certificates import services
from app.certificates.models import Certificate
from app.extensions import db
from app.registration.models import Registration
from tests.certificates.conftest import attend, complete
from tests.factories import make_registration, make_user

MONDAY_AFTER = datetime(2017, 11, 27, 9, 30, tzinfo=UTC)


def stored_certificates() -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))


def issuing_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == services.logger.name]


@pytest.fixture
def colleague(course, required_assignment, organiser) -> Registration:
    """A second eligible participant with a name close to the first one's."""
    registration = make_registration(course, make_user(name="Ana Sorensen"))
    attend(registration, 4)
    complete(registration, required_assignment, organiser)
    return registration


def test_issue_is_idempotent(eligible, organiser):
    first = services.issue_certificate(eligible, actor=organiser)
    db.session.commit()
    second = services.issue_certificate(eligible)
    assert second.id == first.id and second.code == first.code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    db.session.expire_all()
    assert eligible.certificate.id == first.id


def test_the_registration_shows_its_new_certificate_at_once(eligible):
    assert eligible.certificate is None  # as a page would have read it before issuing
    certificate = services.issue_certificate(eligible)
    assert eligible.certificate is certificate


def test_it_is_issued_at_the_moment_given(eligible):
    certificate = services.issue_certificate(eligible, now=MONDAY_AFTER)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).issued_at == MONDAY_AFTER


def test_before_the_course_has_ended_at_the_moment_given_it_is_refused(eligible):
    friday_noon_in_turin = datetime(2017, 11, 24, 11, 0, tzinfo=UTC)
    with pytest.raises(services.NotEligible) as caught:
        services.issue_certificate(eligible, now=friday_noon_in_turin)
    assert str(caught.value) == "The course has not ended yet."
    assert stored_certificates() == []


def test_the_name_is_a_snapshot(eligible):
    certificate = services.issue_certificate(eligible)
    db.session.commit()
    eligible.certificate_name = "Ana Sørensen-Rossi"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).name == "Ana Sørensen"


def test_a_refusal_gives_every_reason_and_what_is_missing(course, participant, required_assignment):
    registration = make_registration(course, participant)
    attend(registration, 2)
    with pytest.raises(services.NotEligible) as caught:
        services.issue_certificate(registration)
    assert str(caught.value) == (
        "Attended 2 of the 4 on-site days required (out of 5).; "
        "Required follow-up activities not completed yet: “Local action plan”."
    )
    assert caught.value.eligibility.days_attended == 2
    assert caught.value.eligibility.missing_activities == [required_assignment]
    assert stored_certificates() == []


def test_an_issued_certificate_stays_issued(eligible):
    """Attendance corrected afterwards does not take a certificate back."""
    certificate = services.issue_certificate(eligible)
    eligible.attendance.clear()
    assert services.issue_certificate(eligible).id == certificate.id


def test_when_no_free_code_can_be_drawn_it_gives_up_and_stores_nothing(
    eligible, colleague, monkeypatch
):
    taken = services.issue_certificate(eligible).code
    drawn: list[str] = []
    monkeypatch.setattr(services, "new_code", lambda: drawn.append(taken) or taken)
    with pytest.raises(RuntimeError) as caught:
        services.issue_certificate(colleague)
    assert str(caught.value) == "could not find a free certificate code"
    assert len(drawn) == 5
    assert [c.registration_id for c in stored_certificates()] == [eligible.id]


# --- the log ---------------------------------------------------------------------------------


def test_issuing_is_logged_with_the_certificate_the_registration_and_who(eligible, caplog):
    administrator = make_user(Role.ADMIN, name="Site administrator")
    with caplog.at_level(logging.INFO, logger=services.logger.name):
        certificate = services.issue_certificate(eligible, actor=administrator)
    assert len({certificate.id, eligible.id, administrator.id}) == 3
    assert issuing_log(caplog) == [
        f"certificate {certificate.id} issued for registration {eligible.id} by {administrator.id}"
    ]


@pytest.mark.parametrize(("actor", "logged"), [(None, "None"), ("import script", "import script")])
def test_an_actor_without_an_account_is_logged_as_given(eligible, caplog, actor, logged):
    with caplog.at_level(logging.INFO, logger=services.logger.name):
        certificate = services.issue_certificate(eligible, actor=actor)
    assert issuing_log(caplog) == [
        f"certificate {certificate.id} issued for registration {eligible.id} by {logged}"
    ]


def test_a_certificate_already_issued_is_not_logged_again(eligible, organiser, caplog):
    services.issue_certificate(eligible, actor=organiser)
    with caplog.at_level(logging.INFO, logger=services.logger.name):
        services.issue_certificate(eligible, actor=organiser)
    assert issuing_log(caplog) == []
