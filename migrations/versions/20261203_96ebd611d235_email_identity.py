"""Email addresses as identities: stored addresses normalised, verification, pending links.

Upgrade:
- normalises every account's address with ``app.accounts.emails.normalise_email`` (stripped,
  Unicode NFKC, case-folded). If two accounts would end with the same address, it stops before
  changing anything and lists them (``EmailCollision``): an operator merges or renames them by
  hand, then runs the upgrade again;
- adds ``user.email_verified_at``, set to each existing account's ``created_at`` (accounts made
  before this release count as verified);
- adds ``email_confirmation``: single-use, expiring links (only their SHA-256 is stored) for a
  sign-up, with the answers of an application made at the same time, or a new address.

Downgrade drops the table (pending sign-ups and changes are lost) and the column; addresses
stay normalised.

Revision ID: 96ebd611d235
Revises: 3538418d61a0
Create Date: 2026-12-03 16:06:49.010809

"""
from alembic import op
import sqlalchemy as sa

from app.accounts.emails import normalised_changes


# revision identifiers, used by Alembic.
revision = '96ebd611d235'
down_revision = '3538418d61a0'
branch_labels = None
depends_on = None


user = sa.table(
    "user",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("email_verified_at", sa.DateTime(timezone=True)),
)


def upgrade():
    bind = op.get_bind()
    # First, before any change: a collision stops the upgrade with the list of accounts.
    changes = normalised_changes(bind.execute(sa.select(user.c.id, user.c.email)).all())
    for user_id, email in changes.items():
        bind.execute(sa.update(user).where(user.c.id == user_id).values(email=email))

    op.create_table('email_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('signup', 'email_change', name='confirmationpurpose', native_enum=False, length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('application', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_email_confirmation_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_email_confirmation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_confirmation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_confirmation_token_hash'))
    )
    with op.batch_alter_table('email_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_confirmation_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_confirmation_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))

    bind.execute(sa.update(user).values(email_verified_at=user.c.created_at))


def downgrade():
    # Not batch mode: on SQLite it rebuilds the table, and dropping the old "user" table
    # deletes, through ON DELETE CASCADE, every row that refers to an account (registrations,
    # certificates...). SQLite drops a plain column in place since 3.35, as PostgreSQL does.
    op.execute('ALTER TABLE "user" DROP COLUMN email_verified_at')

    with op.batch_alter_table('email_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_confirmation_user_id'))
        batch_op.drop_index(batch_op.f('ix_email_confirmation_email'))

    op.drop_table('email_confirmation')
