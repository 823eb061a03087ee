"""Authenticator secrets sealed at rest (ASVS V2.9.1: keys used in verification protected
against disclosure).

The server must read a TOTP secret to check a code, so it cannot be hashed like a password or
a recovery code. It is kept encrypted instead (Fernet: AES-128-CBC and HMAC-SHA256), under a
key derived from ``SECRET_KEY``, which lives in the server's environment and not in the
database: a copied database or backup alone gives no one's second factor away.

Rotating ``SECRET_KEY``: put the old key first in ``SECRET_KEY_FALLBACKS`` (Flask reads it
for sessions too); secrets sealed under it still open, each is sealed again under the new key
at its next accepted code, and ``flask two-factor-reseal`` does them all at once, after which
the old key can go.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# Marks a sealed value; a value without it is a secret stored before sealing existed.
PREFIX = "fernet:"
# Domain separation: the same SECRET_KEY signs sessions; this key only seals secrets.
_PURPOSE = b"atelier two-factor secrets"


class SealBroken(Exception):
    """A sealed secret that none of the configured keys opens (SECRET_KEY changed without the
    old one in SECRET_KEY_FALLBACKS), or that was altered."""


def _fernet(secret_key: str | bytes) -> Fernet:
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(raw)
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> list[str | bytes]:
    config = current_app.config
    fallbacks: Iterable[str | bytes] = config.get("SECRET_KEY_FALLBACKS") or ()
    return [config["SECRET_KEY"], *(key for key in fallbacks if key)]


def seal(secret: str) -> str:
    """``secret`` encrypted under the current key, ready to store."""
    return PREFIX + _fernet(_keys()[0]).encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    """The secret a stored value holds, under the current key or a fallback one. A value
    stored before sealing existed is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    token = stored.removeprefix(PREFIX).encode()
    try:
        return MultiFernet([_fernet(key) for key in _keys()]).decrypt(token).decode()
    except InvalidToken as error:
        raise SealBroken() from error


def is_current(stored: str) -> bool:
    """Whether a stored value is sealed under the current key (not plain, not a fallback's)."""
    if not stored.startswith(PREFIX):
        return False
    try:
        _fernet(_keys()[0]).decrypt(stored.removeprefix(PREFIX).encode())
    except InvalidToken:
        return False
    return True
