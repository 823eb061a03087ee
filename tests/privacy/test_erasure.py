"""Erasure: after it no personal value of the person survives in any table or in the storage,
while the other person's data, the course's statistics, the invoices and the certificate's
verification stay."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.accounts.models import User
from app.audit.models import AuditAction, AuditEvent
from app.extensions import db
from app.invoices.models import Invoice
from app.mail.models import OutboxMessage
from app.privacy import erasure
from app.privacy.models import ErasureRequest
from app.registration.models import Attendance, Registration
from tests.conftest import login
from tests.privacy.conftest import Person, World, files_in

# Issued invoices are kept as issued (tax law; the app refuses any change to one): the only
# place the name may stay. See app/privacy/erasure.py.
KEPT_AS_ISSUED = {("invoice", "participant_name")}


def _text_values() -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every text, JSON and binary column of every table."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [
            column
            for column in table.columns
            if isinstance(column.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary)
        ]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes):
                    text = value.decode("utf-8", errors="replace")
                else:
                    text = str(value)
                found.append((table.name, column.name, text))
    return found


def _personal_values(person: Person) -> list[str]:
    tag = person.email.split("@")[0].split(".")[1]  # alves / alvarez
    return [
        person.name,
        person.name.upper(),
        person.email,
        person.passport,
        person.answer_text,
        person.motivation,
        person.handin_text,
        person.post_text,
        person.diet,
        f"wheelchair-{tag}",
        f"halal-{tag}",
        f"Officer {tag}",
        f"fellowship {tag}",
        f"finance-{tag}@",
        f"Consulate-{tag}",
        f"cv-{tag}.pdf",
        f"plan-{tag}.pdf",
    ]


def _survivors(person: Person) -> list[tuple[str, str, str]]:
    needles = [value.casefold() for value in _personal_values(person)]
    return [
        (table, column, needle)
        for table, column, text in _text_values()
        for needle in needles
        if needle in text.casefold() and (table, column) not in KEPT_AS_ISSUED
    ]


def _erase(world: World) -> None:
    request = erasure.request_erasure(world.alves.user)
    erasure.carry_out(request, actor=world.admin)
    db.session.commit()


def test_the_data_are_there_before(world: World) -> None:
    # The scan finds each value before the erasure: it can fail.
    assert {needle for _t, _c, needle in _survivors(world.alves)} == {
        v.casefold() for v in _personal_values(world.alves)
    }


def test_no_personal_value_survives_in_any_table(world: World) -> None:
    _erase(world)
    assert _survivors(world.alves) == []


def test_the_other_persons_data_are_intact(world: World) -> None:
    before = {v.casefold() for v in _personal_values(world.alvarez)}
    _erase(world)
    assert {needle for _t, _c, needle in _survivors(world.alvarez)} == before
    other = db.session.get(User, world.alvarez.user.id)
    assert other.name == "Ana Álvarez"
    assert other.check_password("correct horse battery")


def test_files_leave_the_storage_and_the_others_stay(world: World, uploads: Path) -> None:
    _erase(world)
    contents = [path.read_bytes() for path in files_in(uploads)]
    assert world.alves.cv_bytes not in contents
    assert world.alves.handin_bytes not in contents
    assert world.alvarez.cv_bytes in contents
    assert world.alvarez.handin_bytes in contents
    assert len(contents) == 2


def test_the_account_keeps_only_its_id(world: World) -> None:
    user_id = world.alves.user.id
    _erase(world)
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.name == f"Erased person #{user_id}"
    assert user.email == f"erased-{user_id}@erased.invalid"
    assert user.password_hash is None
    assert not user.check_password("correct horse battery")
    assert user.is_active is False
    assert erasure.is_erased(user)


def test_statistics_and_invoices_stay(world: World) -> None:
    course_id = world.course.id
    counted = sa.select(sa.func.count()).select_from(Registration)
    attended = sa.select(sa.func.count()).select_from(Attendance)
    before = (db.session.scalar(counted), db.session.scalar(attended))
    _erase(world)
    assert (db.session.scalar(counted), db.session.scalar(attended)) == before
    registration = db.session.get(Registration, world.alves.registration.id)
    assert registration.course_id == course_id
    assert registration.status.value == "confirmed"
    assert registration.country == "BR"
    invoice = db.session.scalars(
        sa.select(Invoice).where(Invoice.registration_id == registration.id)
    ).one()
    assert (invoice.number_text, str(invoice.total), invoice.billing_name) == (
        "INV-2017-0001",
        "1200.00",
        "Câmara Municipal de Alves",
    )
    assert invoice.issued_on.isoformat() == "2017-11-01"


def test_mail_naming_the_person_is_deleted_and_the_others_kept(world: World) -> None:
    _erase(world)
    subjects = db.session.scalars(sa.select(OutboxMessage.subject)).all()
    assert "New application from Ana Álvarez" in subjects
    assert not [s for s in subjects if "Ana Alves" in s]


def test_both_steps_are_audited_and_recorded(world: World) -> None:
    user_id = world.alves.user.id
    _erase(world)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.action.in_([AuditAction.ERASURE_REQUESTED, AuditAction.ERASURE_CARRIED_OUT])
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.subject_id) for e in events] == [
        (AuditAction.ERASURE_REQUESTED, user_id, user_id),
        (AuditAction.ERASURE_CARRIED_OUT, world.admin.id, user_id),
    ]
    request = db.session.scalars(sa.select(ErasureRequest)).one()
    assert request.carried_out_by_id == world.admin.id
    assert request.carried_out_at is not None
    assert request.carried_out_at >= request.requested_at


def test_the_administrators_are_told_without_the_name(world: World) -> None:
    erasure.request_erasure(world.alves.user)
    db.session.commit()
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "admin@example.org")
    ).one()
    assert mail.subject == (f"Erasure of personal data requested (account #{world.alves.user.id})")
    assert b"Alves" not in mail.raw
    assert b"/admin/privacy" in mail.raw


def test_a_second_request_or_erasure_is_refused(world: World) -> None:
    request = erasure.request_erasure(world.alves.user)
    try:
        erasure.request_erasure(world.alves.user)
    except erasure.ErasureError as exc:
        assert "already" in str(exc.message)
    else:
        raise AssertionError("a second pending request was taken")
    erasure.carry_out(request, actor=world.admin)
    db.session.commit()
    for attempt in (
        lambda: erasure.carry_out(request, actor=world.admin),
        lambda: erasure.request_erasure(world.alves.user),
    ):
        try:
            attempt()
        except erasure.ErasureError:
            pass
        else:
            raise AssertionError("accepted after the erasure")


def test_the_certificate_page_says_erased(client: FlaskClient, world: World) -> None:
    _erase(world)
    page = client.get(f"/certificates/{world.alves.certificate_code}")
    assert page.status_code == 200
    assert "A person whose data was erased at their request" in page.text
    assert "Ana Alves" not in page.text
    other = client.get(f"/certificates/{world.alvarez.certificate_code}")
    assert "Ana Álvarez" in other.text


def test_the_person_and_the_admin_through_the_pages(client: FlaskClient, world: World) -> None:
    login(client, world.alves.user)
    refused = client.post("/account/privacy/erasure", data={})
    assert refused.status_code == 400
    assert "Tick the box to confirm your request." in refused.text
    assert db.session.scalars(sa.select(ErasureRequest)).all() == []
    asked = client.post("/account/privacy/erasure", data={"confirm": "y"})
    assert asked.status_code == 302
    page = client.get("/account/privacy")
    assert "You asked for erasure on" in page.text

    login(client, world.admin)
    listing = client.get("/admin/privacy")
    assert "Ana Alves" in listing.text
    request = db.session.scalars(sa.select(ErasureRequest)).one()
    not_confirmed = client.post(f"/admin/privacy/requests/{request.id}/erase", data={})
    assert not_confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.alves.user.id).name == "Ana Alves"
    done = client.post(
        f"/admin/privacy/requests/{request.id}/erase", data={f"r{request.id}-confirm": "y"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert erasure.is_erased(db.session.get(User, world.alves.user.id))
    assert "No erasure request is waiting." in client.get("/admin/privacy").text


def test_former_addresses_and_pending_links_go_too(world: World) -> None:
    from app.accounts import identity
    from app.audit.services import record
    from tests.factories import PASSWORD

    user = world.alves.user
    record(
        AuditAction.EMAIL_CHANGED,
        actor=user,
        old_email="ana.alves@old.example.org",
        new_email=user.email,
    )
    identity.request_email_change(
        user, new_email="ana.alves@next.example.org", password=PASSWORD, actor=user
    )
    db.session.commit()
    _erase(world)
    texts = " ".join(text for _t, _c, text in _text_values()).casefold()
    assert "ana.alves@old.example.org" not in texts
    assert "ana.alves@next.example.org" not in texts


def test_the_sessions_and_their_browsers_go(world: World) -> None:
    from app.sessions.models import UserSession
    from app.sessions.services import start_session

    start_session(world.alves.user, remember=True, user_agent="Ana Alves's phone")
    start_session(world.alvarez.user, remember=False, user_agent="Firefox")
    db.session.commit()
    _erase(world)
    owners = db.session.scalars(sa.select(UserSession.user_id)).all()
    assert owners == [world.alvarez.user.id]


def test_the_two_factor_secret_and_recovery_codes_go(world: World) -> None:
    import pyotp

    from app.twofactor import services as twofactor
    from app.twofactor.models import RecoveryCode, TwoFactorCredential

    for person in (world.alves, world.alvarez):
        found = twofactor.begin_setup(person.user, actor=person.user)
        twofactor.confirm_setup(person.user, pyotp.TOTP(found.secret).now(), actor=person.user)
    db.session.commit()
    _erase(world)
    assert db.session.scalars(sa.select(TwoFactorCredential.user_id)).all() == [
        world.alvarez.user.id
    ]
    assert set(db.session.scalars(sa.select(RecoveryCode.user_id))) == {world.alvarez.user.id}
