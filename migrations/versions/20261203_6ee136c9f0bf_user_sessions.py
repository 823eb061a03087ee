"""Signed-in sessions kept on the server: one new table, user_session, a row per log-in with
the hashes of its session key and remember-me validator (and of the validator it replaced
last, with when), its times (created, last seen, absolute end), browser, address and how it
ended. Existing browsers are signed out once: their cookies name no row.

Downgrade drops the table (everyone signed in is signed out again).

Revision ID: 6ee136c9f0bf
Revises: 96ebd611d235
Create Date: 2026-12-03 16:05:50.325477

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "6ee136c9f0bf"
down_revision = '96ebd611d235'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_remembered", sa.Boolean(), nullable=False),
        sa.Column("remember_selector", sa.String(length=32), nullable=True),
        sa.Column("remember_hash", sa.String(length=64), nullable=True),
        sa.Column("previous_remember_hash", sa.String(length=64), nullable=True),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "logged_out",
                "self",
                "admin",
                "password_changed",
                "password_reset",
                "deactivated",
                "remember_reused",
                name="endreason",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_session_key_hash")),
        sa.UniqueConstraint("remember_selector", name=op.f("uq_user_session_remember_selector")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_session_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_session_expires_at"))

    op.drop_table("user_session")
