"""The desk's search column: each registration's name, email and organisation folded (no case,
no accents), so that "ñúñez", "SØRENSEN" and "sahin" find Ñúñez, Sørensen and Şahin on SQLite
and PostgreSQL alike. Filled here for every existing registration, then by the app on each write.

Downgrade drops the column (the search then compares the raw fields again).

Revision ID: 5e7a1c0d9b42
Revises: c17c928066f0
Create Date: 2026-12-03 20:10:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c0d9b42'
down_revision = 'c17c928066f0'
branch_labels = None
depends_on = None

# The fold as app/core/text.py had it when this migration was written (a migration must not
# change with the app's code).
_LETTERS = str.maketrans({
    "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ŀ": "l", "ħ": "h", "ı": "i", "ŧ": "t", "ƀ": "b",
    "ɨ": "i", "þ": "th", "æ": "ae", "œ": "oe", "ĳ": "ij", "ŋ": "n", "ʼ": "'", "’": "'",
})


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LETTERS)
    return " ".join(plain.split())


registration = sa.table(
    'registration',
    sa.column('id', sa.Integer),
    sa.column('certificate_name', sa.String),
    sa.column('email', sa.String),
    sa.column('organisation', sa.String),
    sa.column('search_text', sa.Text),
)


def upgrade():
    op.add_column(
        'registration', sa.Column('search_text', sa.Text(), server_default='', nullable=False)
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            registration.c.id,
            registration.c.certificate_name,
            registration.c.email,
            registration.c.organisation,
        )
    ).all()
    filled = [
        {
            "row_id": row.id,
            "folded": "\n".join(
                _fold(value) for value in (row.certificate_name, row.email, row.organisation)
            ),
        }
        for row in rows
    ]
    if filled:
        conn.execute(
            registration.update()
            .where(registration.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("folded")),
            filled,
        )


def downgrade():
    # In place, not in batch mode: rebuilding "registration" on SQLite would cascade to the
    # tables that refer to it (see the email-identity migration).
    op.drop_column('registration', 'search_text')
