"""Who did what to whom in two-factor log-in, as the audit log shows it; a code used by one
person moves nobody else's last step; the QR code's drawing (black on a white quiet zone)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pyotp
import pytest
import segno

from app.accounts.models import Role
from app.audit.models import AuditAction
from app.twofactor import services
from app.twofactor.models import TwoFactorCredential
from tests.accounts.test_two_factor import NOW, code_at, enable, events
from tests.factories import PASSWORD, make_user


@pytest.fixture
def ana(db):
    return make_user(email="ana@example.org", name="Ana Alves")


def who(db, action: AuditAction) -> list[tuple[int | None, int | None]]:
    return [(e.actor_id, e.subject_id) for e in events(db, action)]


def test_each_step_names_who_did_it_and_whose_account(db, ana):
    bruno = make_user(email="bruno@example.org", name="Ana Alvares")  # a similar name
    enable(ana)
    assert who(db, AuditAction.TWO_FACTOR_ENABLED) == [(ana.id, ana.id)]
    assert who(db, AuditAction.RECOVERY_CODES_GENERATED) == [(ana.id, ana.id)]

    services.regenerate_recovery_codes(ana, PASSWORD, actor=ana)
    assert who(db, AuditAction.RECOVERY_CODES_GENERATED) == [(ana.id, ana.id)] * 2

    fresh = services.regenerate_recovery_codes(ana, PASSWORD, actor=ana)
    services.verify_login(ana, fresh[0], now=NOW)
    assert who(db, AuditAction.RECOVERY_CODE_USED) == [(ana.id, ana.id)]

    with pytest.raises(services.InvalidCode):
        services.disable(ana, "not the password", actor=ana)
    assert who(db, AuditAction.TWO_FACTOR_FAILED) == [(ana.id, ana.id)]

    services.disable(ana, PASSWORD, actor=ana)
    assert who(db, AuditAction.TWO_FACTOR_DISABLED) == [(ana.id, ana.id)]
    assert all(bruno.id not in pair for pair in who(db, AuditAction.TWO_FACTOR_DISABLED))


def test_the_staff_rule_is_audited_only_when_it_changes(db):
    admin = make_user(Role.ADMIN, name="Ada Admin")
    # Off by default: turning it "off" changes nothing and records nothing.
    services.set_staff_requirement(False, actor=admin)
    assert events(db, AuditAction.SECURITY_SETTINGS_CHANGED) == []
    services.set_staff_requirement(True, actor=admin)
    [changed] = events(db, AuditAction.SECURITY_SETTINGS_CHANGED)
    assert changed.actor_id == admin.id


def test_a_code_moves_only_its_owners_last_step(db, ana):
    bruno = make_user(email="bruno@example.org", name="Bruno Alves")
    ana_secret, _ = enable(ana)
    enable(bruno)
    before = db.session.get(TwoFactorCredential, services.credential(bruno).id).last_used_step

    later = NOW + timedelta(minutes=5)
    assert services.verify_login(ana, code_at(ana_secret, later), now=later) == "totp"

    db.session.expire_all()
    assert services.credential(bruno).last_used_step == before
    assert services.credential(ana).last_used_step == pyotp.TOTP(ana_secret).timecode(later)


def test_the_qr_code_is_black_on_white_with_a_quiet_zone(db, ana):
    found = services.begin_setup(ana, actor=ana)
    svg = unquote(services.qr_svg_data_uri(found).removeprefix("data:image/svg+xml;charset=utf-8,"))
    width = int(re.search(r"width='(\d+)'", svg).group(1))
    height = int(re.search(r"height='(\d+)'", svg).group(1))
    # Five pixels a module and two modules of quiet zone each side of the symbol.
    # Error correction at least M: a camera still reads a scuffed or glaring screen.
    symbol = segno.make(services.provisioning_uri(found), error="m")
    modules = symbol.symbol_size(scale=1, border=0)[0]
    assert width == height == (modules + 2 * 2) * 5
    assert "scale(5)" in svg
    # A white background under black modules: readable on a dark screen too.
    assert "fill='#fff'" in svg and "stroke='#000'" in svg
