"""Two-factor log-in, the rules: setting it up with a first code, codes of the window around now
accepted once each, recovery codes single-use, regenerating them, turning it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.audit.models import AuditAction, AuditEvent
from app.twofactor import services
from app.twofactor.models import RecoveryCode, SecuritySettings, TwoFactorCredential
from tests.factories import PASSWORD, make_user

NOW = datetime(2026, 11, 20, 9, 0, 15, tzinfo=UTC)  # 15 s into a 30-second step


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def enable(user, now: datetime = NOW) -> tuple[str, list[str]]:
    """Turn two-factor log-in on for ``user`` as the set-up page does; the secret and codes."""
    found = services.begin_setup(user, actor=user)
    # The confirming code is of the step before, so that tests may use the current one.
    codes = services.confirm_setup(
        user, code_at(found.secret, now - timedelta(seconds=30)), actor=user, now=now
    )
    return found.secret, codes


def events(db, action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def ana(db):
    return make_user(email="ana@example.org", name="Ana Alves")


# --- Set-up ------------------------------------------------------------------------------------


def test_set_up_needs_a_first_right_code(db, ana):
    found = services.begin_setup(ana, actor=ana)
    assert not services.is_enabled(ana)
    # Reloading the set-up page shows the same secret.
    assert services.begin_setup(ana, actor=ana).secret == found.secret

    with pytest.raises(services.InvalidCode):
        services.confirm_setup(ana, "000000", actor=ana, now=NOW)
    assert not services.is_enabled(ana)

    codes = services.confirm_setup(ana, code_at(found.secret, NOW), actor=ana, now=NOW)

    assert services.is_enabled(ana)
    assert found.confirmed_at == NOW
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 11 and c[5] == "-" for c in codes)
    assert services.recovery_codes_left(ana) == 10
    [enabled] = events(db, AuditAction.TWO_FACTOR_ENABLED)
    assert (enabled.actor_id, enabled.subject_id) == (ana.id, ana.id)
    assert len(events(db, AuditAction.RECOVERY_CODES_GENERATED)) == 1


def test_recovery_codes_are_stored_hashed(db, ana):
    _, codes = enable(ana)
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(stored) & set(codes)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)


def test_set_up_cannot_start_again_once_on(db, ana):
    enable(ana)
    with pytest.raises(services.AlreadyEnabled):
        services.begin_setup(ana, actor=ana)


def test_nobody_sets_up_someone_elses(db, ana):
    other = make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    with pytest.raises(services.NotAllowed):
        services.begin_setup(ana, actor=other)


def test_the_qr_code_is_an_svg_data_uri_of_the_otpauth_address(app, db, ana):
    found = services.begin_setup(ana, actor=ana)
    assert services.qr_svg_data_uri(found).startswith("data:image/svg+xml")
    uri = services.provisioning_uri(found)
    assert uri.startswith("otpauth://totp/Atelier:ana%40example.org?secret=")
    assert f"secret={found.secret}" in uri
    assert services.grouped_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"


# --- Codes and their window --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-60, False), (-30, True), (0, True), (30, True), (60, False)],
)
def test_codes_of_the_previous_and_next_step_are_accepted_not_further(db, ana, offset, accepted):
    secret, _ = enable(ana, now=NOW - timedelta(minutes=10))
    code = code_at(secret, NOW + timedelta(seconds=offset))
    if accepted:
        assert services.verify_login(ana, code, now=NOW) == "totp"
    else:
        with pytest.raises(services.InvalidCode):
            services.verify_login(ana, code, now=NOW)


def test_a_code_is_accepted_once(db, ana):
    secret, _ = enable(ana)
    code = code_at(secret, NOW)
    assert services.verify_login(ana, code, now=NOW) == "totp"
    with pytest.raises(services.InvalidCode):
        services.verify_login(ana, code, now=NOW + timedelta(seconds=10))
    [failed] = events(db, AuditAction.TWO_FACTOR_FAILED)
    assert (failed.actor_id, failed.subject_id, failed.detail) == (None, ana.id, {"step": "login"})


def test_an_earlier_code_after_a_later_one_is_refused(db, ana):
    secret, _ = enable(ana)
    assert services.verify_login(ana, code_at(secret, NOW + timedelta(seconds=30)), now=NOW)
    with pytest.raises(services.InvalidCode):
        services.verify_login(ana, code_at(secret, NOW), now=NOW)
    # The next step's code is fine half a minute later.
    later = NOW + timedelta(seconds=60)
    assert services.verify_login(ana, code_at(secret, later), now=later) == "totp"


def test_the_last_used_step_is_stored(db, ana):
    secret, _ = enable(ana)
    services.verify_login(ana, code_at(secret, NOW), now=NOW)
    found = db.session.scalar(sa.select(TwoFactorCredential))
    assert found.last_used_step == pyotp.TOTP(secret).timecode(NOW)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_malformed_codes_are_refused(db, ana, code):
    enable(ana)
    with pytest.raises(services.InvalidCode):
        services.verify_login(ana, code, now=NOW)


def test_a_code_with_spaces_is_read(db, ana):
    secret, _ = enable(ana)
    code = code_at(secret, NOW)
    assert services.verify_login(ana, f" {code[:3]} {code[3:]} ", now=NOW) == "totp"


# --- Recovery codes ----------------------------------------------------------------------------


def test_a_recovery_code_logs_in_once(db, ana):
    _, codes = enable(ana)
    assert services.verify_login(ana, codes[3].upper(), now=NOW) == "recovery"
    assert services.recovery_codes_left(ana) == 9
    with pytest.raises(services.InvalidCode):
        services.verify_login(ana, codes[3], now=NOW)
    [used] = events(db, AuditAction.RECOVERY_CODE_USED)
    assert (used.actor_id, used.subject_id, used.detail) == (ana.id, ana.id, {"left": 9})
    used_row = db.session.scalar(sa.select(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))
    assert used_row.used_at == NOW


def test_one_persons_recovery_code_does_not_open_anothers_account(db, ana):
    other = make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    _, codes = enable(ana)
    enable(other)
    with pytest.raises(services.InvalidCode):
        services.verify_login(other, codes[0], now=NOW)


def test_new_recovery_codes_replace_the_old_ones(db, ana):
    _, old = enable(ana)
    with pytest.raises(services.InvalidCode):
        services.regenerate_recovery_codes(ana, "not the password", actor=ana)
    new = services.regenerate_recovery_codes(ana, PASSWORD, actor=ana)
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(services.InvalidCode):
        services.verify_login(ana, old[0], now=NOW)
    assert services.verify_login(ana, new[0], now=NOW) == "recovery"
    assert len(events(db, AuditAction.RECOVERY_CODES_GENERATED)) == 2


# --- Turning it off ----------------------------------------------------------------------------


def test_turning_off_needs_the_password_or_a_code(db, ana):
    secret, _ = enable(ana)
    with pytest.raises(services.InvalidCode):
        services.disable(ana, "not the password", actor=ana)
    assert services.is_enabled(ana)
    [failed] = events(db, AuditAction.TWO_FACTOR_FAILED)
    assert failed.detail == {"step": "confirm"}

    services.disable(ana, pyotp.TOTP(secret).now(), actor=ana)

    assert not services.is_enabled(ana)
    assert services.recovery_codes_left(ana) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TwoFactorCredential)) == 0
    [disabled] = events(db, AuditAction.TWO_FACTOR_DISABLED)
    assert (disabled.actor_id, disabled.subject_id) == (ana.id, ana.id)


def test_turning_off_with_the_password(db, ana):
    enable(ana)
    services.disable(ana, PASSWORD, actor=ana)
    assert not services.is_enabled(ana)


def test_turning_off_what_is_off(db, ana):
    with pytest.raises(services.NotEnabled):
        services.disable(ana, PASSWORD, actor=ana)


# --- The administrators' rule ------------------------------------------------------------------


def test_staff_must_use_it_only_when_the_rule_is_on(db, ana):
    from app.accounts.models import Role

    admin = make_user(Role.ADMIN, email="boss@example.org")
    organiser = make_user(Role.ORGANISER, email="org@example.org")
    assert services.settings().is_staff_two_factor_required is False
    assert not services.must_use_two_factor(admin)

    with pytest.raises(services.NotAllowed):
        services.set_staff_requirement(True, actor=organiser)
    row = services.set_staff_requirement(True, actor=admin)

    assert row.is_staff_two_factor_required is True
    assert row.updated_by_id == admin.id and row.updated_at is not None
    assert services.must_use_two_factor(admin)
    assert services.must_use_two_factor(organiser)
    assert not services.must_use_two_factor(ana)
    [changed] = events(db, AuditAction.SECURITY_SETTINGS_CHANGED)
    assert changed.detail == {"staff_two_factor_required": True}
    # Saving the same value again records nothing.
    services.set_staff_requirement(True, actor=admin)
    assert len(events(db, AuditAction.SECURITY_SETTINGS_CHANGED)) == 1


# --- From the command line ---------------------------------------------------------------------


def test_the_command_turns_it_off_for_a_lost_phone(app, db, ana):
    other = make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    enable(ana)
    enable(other)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["two-factor-off", "ANA@example.org"])

    assert result.exit_code == 0, result.output
    assert "Two-factor log-in is off for ana@example.org" in result.output
    db.session.expire_all()
    assert not services.is_enabled(ana)
    assert services.recovery_codes_left(ana) == 0
    assert services.is_enabled(other) and services.recovery_codes_left(other) == 10
    [event] = events(db, AuditAction.TWO_FACTOR_DISABLED)
    assert (event.actor_id, event.subject_id, event.detail) == (None, ana.id, {"via": "command"})


def test_the_command_says_when_there_is_nothing_to_turn_off(app, db, ana):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["two-factor-off", "ana@example.org"])
    assert result.exit_code == 0
    assert "Two-factor log-in was not on for ana@example.org." in result.output
    unknown = app.test_cli_runner().invoke(args=["two-factor-off", "nobody@example.org"])
    assert unknown.exit_code != 0
    assert "No account uses nobody@example.org." in unknown.output


# --- Edges of each rule ------------------------------------------------------------------------


def test_each_step_refuses_the_wrong_state(db, ana):
    with pytest.raises(services.NotEnabled):
        services.confirm_setup(ana, "123456", actor=ana, now=NOW)
    with pytest.raises(services.NotEnabled):
        services.verify_login(ana, "123456", now=NOW)
    with pytest.raises(services.NotEnabled):
        services.regenerate_recovery_codes(ana, PASSWORD, actor=ana)
    # Begun but not confirmed: still off for log-in, regenerating and turning off.
    services.begin_setup(ana, actor=ana)
    assert not services.is_enabled(ana)
    with pytest.raises(services.NotEnabled):
        services.verify_login(ana, "123456", now=NOW)
    with pytest.raises(services.NotEnabled):
        services.disable(ana, PASSWORD, actor=ana)
    secret, _ = enable_confirming(ana)
    with pytest.raises(services.AlreadyEnabled):
        services.confirm_setup(ana, code_at(secret, NOW), actor=ana, now=NOW)


def enable_confirming(user):
    found = services.credential(user)
    codes = services.confirm_setup(user, code_at(found.secret, NOW), actor=user, now=NOW)
    return found.secret, codes


def test_only_the_owner_manages_it(db, ana):
    other = make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    enable(ana)
    with pytest.raises(services.NotAllowed):
        services.regenerate_recovery_codes(ana, PASSWORD, actor=other)
    with pytest.raises(services.NotAllowed):
        services.disable(ana, PASSWORD, actor=other)
    fresh = make_user(email="ana.alves2@example.org", name="Ana Alves")
    found = services.begin_setup(fresh, actor=fresh)
    with pytest.raises(services.NotAllowed):
        services.confirm_setup(fresh, code_at(found.secret, NOW), actor=other, now=NOW)
    assert services.is_enabled(ana) and not services.is_enabled(fresh)


def test_recovery_codes_are_read_without_dash_case_or_spaces(db, ana):
    _, codes = enable(ana)
    assert services.verify_login(ana, " " + codes[0].replace("-", " ").upper(), now=NOW) == (
        "recovery"
    )
    assert services.verify_login(ana, codes[1].replace("-", ""), now=NOW) == "recovery"
    assert services.recovery_codes_left(ana) == 8


def test_a_recovery_code_leaves_the_last_used_step_alone(db, ana):
    _, codes = enable(ana)
    found = services.credential(ana)
    step = found.last_used_step
    services.verify_login(ana, codes[0], now=NOW)
    db.session.refresh(found)
    assert found.last_used_step == step


def test_the_settings_default_to_not_required(db):
    row = services.settings()
    assert row.id == 1 and row.is_staff_two_factor_required is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SecuritySettings)) == 0


def test_the_recovery_alphabet_has_no_look_alikes():
    assert not set("0o1li") & set(services.RECOVERY_ALPHABET)
    assert len(services.RECOVERY_ALPHABET) == 31
    assert (services.RECOVERY_CODE_COUNT, services.VALID_WINDOW, services.CODE_DIGITS) == (10, 1, 6)
