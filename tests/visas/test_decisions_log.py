"""What the operator's log says about each decision on a letter, a decision taken by another
organiser a moment before, a course title in the participant's language, free letter codes,
and the French word of the list's "All" filter."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.courses.models import CourseTranslation
from app.extensions import db
from app.visas import services
from app.visas.models import VisaLetterRequest
from app.visas.models import VisaRequestStatus as Status
from tests.factories import make_registration, make_user
from tests.visas.conftest import BEFORE, details, mail_text, mail_to

LOGGER = "app.visas.services"


def logged(caplog) -> list[str]:
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    caplog.clear()
    return lines


def test_every_decision_is_logged_with_the_letter_and_who_took_it(
    caplog, course, tesfaye, lucia, organiser
):
    caplog.set_level(logging.INFO, logger=LOGGER)
    third = make_registration(course, make_user(name="Tesfaye Bekele Alemu"))
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    assert logged(caplog) == [f"visa letter {letter.id} requested by {tesfaye.user.id}"]

    services.request_letter(
        tesfaye, details(passport_number="EP7654321"), actor=tesfaye.user, now=BEFORE
    )
    assert logged(caplog) == [f"visa letter {letter.id} corrected by {tesfaye.user.id}"]

    services.decline(letter, "Passport expired", actor=organiser, now=BEFORE)
    assert logged(caplog) == [f"visa letter {letter.id} declined by {organiser.id}"]

    services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    assert logged(caplog) == [f"visa letter {letter.id} requested again by {tesfaye.user.id}"]

    services.issue(letter, actor=organiser, now=BEFORE)
    assert logged(caplog) == [
        f"visa letter {letter.id} issued ({letter.reference}) by {organiser.id}"
    ]

    services.revoke(letter, "Registration cancelled", actor=organiser, now=BEFORE)
    assert logged(caplog) == [
        f"visa letter {letter.id} revoked by {organiser.id}: Registration cancelled"
    ]

    other = services.request_letter(lucia, details(), actor=lucia.user, now=BEFORE)
    logged(caplog)
    services.withdraw(other, actor=lucia.user, now=BEFORE)
    assert logged(caplog) == [f"visa letter {other.id} withdrawn by {lucia.user.id}"]

    services.request_letter(third, details(), actor=third.user, now=BEFORE)
    logged(caplog)
    services.issue_all(course, actor=organiser, now=BEFORE)
    assert logged(caplog) == [f"1 visa letters of course {course.id} issued by {organiser.id}"]
    # Nothing pending: nothing issued, nothing logged.
    assert services.issue_all(course, actor=organiser, now=BEFORE) == []
    assert logged(caplog) == []


def test_issuing_all_dates_each_letter_at_the_venue(course, tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    # 23:30 UTC is already the next day in Rome.
    late = BEFORE.replace(hour=23, minute=30)
    [issued] = services.issue_all(course, actor=organiser, now=late)
    assert issued.id == letter.id
    assert issued.issued_on == late.date() + timedelta(days=1)


def test_a_request_another_organiser_decided_a_moment_ago_is_not_declined(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    db.session.commit()
    # The other organiser's decision, written while this one still sees the request pending.
    db.session.execute(
        sa.update(VisaLetterRequest)
        .where(VisaLetterRequest.id == letter.id)
        .values(status=Status.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    assert letter.status == Status.REQUESTED

    with pytest.raises(services.NotAllowed) as refused:
        services.decline(letter, "Incomplete", actor=organiser, now=BEFORE)

    assert str(refused.value) == "Someone else decided this request a moment ago."
    assert letter.status == Status.WITHDRAWN and letter.decline_reason in (None, "")


def test_a_decline_without_a_reason_is_refused(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    with pytest.raises(FieldErrors) as refused:
        services.decline(letter, None, actor=organiser, now=BEFORE)  # type: ignore[arg-type]
    assert list(refused.value.errors) == ["reason"]
    assert letter.status == Status.REQUESTED


def test_the_mail_names_the_course_in_the_participants_language(course, lucia, organiser):
    course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local", summary="")
    )
    letter = services.request_letter(lucia, details(), actor=lucia.user, now=BEFORE)
    services.issue(letter, actor=organiser, now=BEFORE)
    [mail] = mail_to("lucia@example.org")
    assert "Gestion de la migration au niveau local" in mail_text(mail)


def test_a_taken_code_is_never_given_again(monkeypatch, tesfaye, lucia, organiser):
    first = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    services.issue(first, actor=organiser, now=BEFORE)
    second = services.request_letter(lucia, details(), actor=lucia.user, now=BEFORE)
    drawn = iter([first.code, first.code, "K7M2Q9XH4T3W"])
    monkeypatch.setattr(services, "new_code", lambda: next(drawn))

    services.issue(second, actor=organiser, now=BEFORE)

    assert second.code == "K7M2Q9XH4T3W" != first.code


def test_after_five_taken_codes_issuing_stops(monkeypatch, tesfaye, lucia, organiser):
    first = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    services.issue(first, actor=organiser, now=BEFORE)
    second = services.request_letter(lucia, details(), actor=lucia.user, now=BEFORE)
    monkeypatch.setattr(services, "new_code", lambda: first.code)

    with pytest.raises(RuntimeError, match="could not find a free letter code"):
        services.issue(second, actor=organiser, now=BEFORE)


def test_the_all_filter_reads_in_french(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        from flask_babel import force_locale

        with force_locale("fr"):
            assert services.filter_labels()["all"] == "Toutes"


def test_a_refusal_reads_as_its_message(course, tesfaye):
    course.is_online = True
    with pytest.raises(services.NotAllowed) as refused:
        services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    assert str(refused.value) == (
        "Invitation letters are only for courses held at a venue, not online."
    )
