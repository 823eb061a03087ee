"""Account rules: creating users, roles, passwords and password resets.

Services flush but never commit: the caller (a route or a command) commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from app.accounts.models import Role, User
from app.extensions import db


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


class EmailTaken(Exception):
    """An account with this email exists already."""


def create_user(
    email: str,
    name: str,
    password: str | None,
    *,
    locale: str = "en",
    role: Role = Role.PARTICIPANT,
) -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=email, name=name.strip(), locale=locale, role=role)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def create_or_promote_admin(
    email: str, *, name: str = "", password: str | None = None
) -> tuple[User, bool]:
    """Returns the administrator and whether the account is new."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    user = find_user_by_email(email)
    if user is not None:
        user.role = Role.ADMIN
        user.is_active = True
        if password:
            user.set_password(password)
        db.session.flush()
        return user, False
    if not password:
        raise ValueError("a new administrator needs a password")
    return create_user(email, name or email.split("@")[0], password, role=Role.ADMIN), True
