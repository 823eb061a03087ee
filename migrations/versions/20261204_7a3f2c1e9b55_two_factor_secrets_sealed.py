"""Authenticator secrets sealed at rest: two_factor_credential.secret widened to hold a Fernet
token, and every secret stored in plain text until now sealed under a key derived from the
site's SECRET_KEY (app/twofactor/sealing.py), so that a copied database gives no one's second
factor away.

Downgrade opens them again (with SECRET_KEY or SECRET_KEY_FALLBACKS) and narrows the column; a
secret no configured key opens cannot be kept for the older code, so that account's two-factor
log-in is turned off (its credential and recovery codes deleted).

Revision ID: 7a3f2c1e9b55
Revises: 5e0c7a1b9d42
Create Date: 2026-12-04 15:20:00

"""
import base64

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


# revision identifiers, used by Alembic.
revision = '7a3f2c1e9b55'
down_revision = '5e0c7a1b9d42'
branch_labels = None
depends_on = None

# The sealing as app/twofactor/sealing.py had it when this migration was written (a migration
# must not change with the app's code).
PREFIX = "fernet:"


def _fernet(secret_key):
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"atelier two-factor secrets"
    ).derive(raw)
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys():
    config = current_app.config
    return [config["SECRET_KEY"], *(k for k in config.get("SECRET_KEY_FALLBACKS") or () if k)]


credential = sa.table(
    'two_factor_credential',
    sa.column('id', sa.Integer),
    sa.column('user_id', sa.Integer),
    sa.column('secret', sa.String),
)
recovery_code = sa.table('recovery_code', sa.column('user_id', sa.Integer))


def upgrade():
    with op.batch_alter_table('two_factor_credential', schema=None) as batch_op:
        batch_op.alter_column(
            'secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
            existing_nullable=False,
        )
    conn = op.get_bind()
    rows = conn.execute(sa.select(credential.c.id, credential.c.secret)).all()
    plain = [(id_, secret) for id_, secret in rows if not secret.startswith(PREFIX)]
    if not plain:
        return
    fernet = _fernet(_keys()[0])
    for id_, secret in plain:
        sealed = PREFIX + fernet.encrypt(secret.encode()).decode()
        conn.execute(credential.update().where(credential.c.id == id_).values(secret=sealed))


def downgrade():
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(credential.c.id, credential.c.user_id, credential.c.secret)
    ).all()
    sealed = [row for row in rows if row.secret.startswith(PREFIX)]
    if sealed:
        fernet = MultiFernet([_fernet(key) for key in _keys()])
        for id_, user_id, secret in sealed:
            try:
                plain = fernet.decrypt(secret.removeprefix(PREFIX).encode()).decode()
            except InvalidToken:
                conn.execute(recovery_code.delete().where(recovery_code.c.user_id == user_id))
                conn.execute(credential.delete().where(credential.c.id == id_))
                continue
            conn.execute(credential.update().where(credential.c.id == id_).values(secret=plain))
    with op.batch_alter_table('two_factor_credential', schema=None) as batch_op:
        batch_op.alter_column(
            'secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
            existing_nullable=False,
        )
