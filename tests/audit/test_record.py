"""The audit log's writer: what an event keeps, and that no secret gets in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from app.accounts.models import Role
from app.audit import services
from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from app.extensions import db
from tests.factories import make_user


def test_event_keeps_actor_subject_address_time_and_details(app: Flask) -> None:
    admin = make_user(Role.ADMIN, name="Ana Admin")
    ana = make_user(name="Ana Alves")
    before = now_utc()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "2001:db8::7"}):
        services.record(
            AuditAction.ROLE_CHANGED, actor=admin, subject=ana, old="participant", new="organiser"
        )
    db.session.commit()
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.subject_id) == (
        AuditAction.ROLE_CHANGED,
        admin.id,
        ana.id,
    )
    assert event.ip == "2001:db8::7"
    assert event.detail == {"old": "participant", "new": "organiser"}
    assert before <= event.at <= now_utc() + timedelta(seconds=1)
    assert event.action.label == "Role changed"


def test_subject_defaults_to_actor_and_outside_a_request_there_is_no_address(app: Flask) -> None:
    ana = make_user(name="Ana Alves")
    make_user(name="Ana Álvarez")
    event = services.record(AuditAction.PASSWORD_CHANGED, actor=ana)
    db.session.flush()
    assert (event.actor_id, event.subject_id, event.ip) == (ana.id, ana.id, None)


def test_stranger_event_has_no_actor_and_long_details_are_cut(app: Flask) -> None:
    event = services.record(
        AuditAction.LOGIN_FAILED, actor=None, ip="192.0.2.4", email="x" * 500 + "@example.org"
    )
    db.session.flush()
    assert (event.actor_id, event.subject_id, event.ip) == (None, None, "192.0.2.4")
    assert event.detail["email"] == "x" * services.DETAIL_VALUE_MAX


@pytest.mark.parametrize("key", ["password", "new_password", "token", "otp", "recovery_code"])
def test_secrets_are_refused(app: Flask, key: str) -> None:
    ana = make_user()
    with pytest.raises(services.SecretInAuditLog, match=key):
        services.record(AuditAction.LOGGED_IN, actor=ana, **{key: "hunter2"})
    assert db.session.scalars(db.select(AuditEvent)).all() == []


def test_details_read_in_the_readers_language(app: Flask) -> None:
    from flask_babel import force_locale

    from app.audit.models import detail_items

    detail = {"remember": False, "browser": "Firefox", "old": "participant", "custom": 3}
    with app.test_request_context("/"), force_locale("fr"):
        assert detail_items(detail) == [
            ("Navigateur", "Firefox"),
            ("custom", "3"),
            ("Avant", "participant"),
            ("Rester connecté", "Non"),
        ]
    assert detail_items(None) == []


def test_the_filter_reads_wildcards_as_letters_and_lists_newest_first(app: Flask) -> None:
    from datetime import UTC, datetime

    ana = make_user(name="Ana_Alves", email="ana_alves@example.org")
    make_user(name="AnaXAlves", email="anaxalves@example.org")
    first = services.record(AuditAction.LOGGED_IN, actor=ana)
    first.at = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    # Written later, but it happened earlier (the clock is the event's, not the row's).
    earlier = services.record(AuditAction.LOGGED_OUT, actor=ana)
    earlier.at = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    same_time = services.record(AuditAction.LOGGED_IN, actor=ana)
    same_time.at = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    db.session.flush()
    found = db.session.scalars(services.events_query(services.AuditFilter(person="a_a"))).all()
    # "_" is a letter here, not SQL's any-character: only Ana_Alves matches; newest first,
    # ties the later written first.
    assert [e.id for e in found] == [same_time.id, first.id, earlier.id]
    assert db.session.scalars(services.events_query(services.AuditFilter(person="%"))).all() == []


def test_secrets_are_named_in_the_refusal_and_a_missing_address_is_none(app: Flask) -> None:
    ana = make_user()
    with pytest.raises(services.SecretInAuditLog, match=r"^password, token$"):
        services.record(AuditAction.LOGGED_IN, actor=ana, token="t", password="p")
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": ""}):
        assert services.client_ip() is None
