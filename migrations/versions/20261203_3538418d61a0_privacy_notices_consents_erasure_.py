"""Data protection: the privacy notice's versions, consents, erasure requests, retention.

Adds four tables: ``privacy_notice`` (each published version of the notice, numbered),
``privacy_consent`` (who accepted which consent text, under which notice version, when),
``erasure_request`` (a person's request and when an administrator carried it out) and
``course_retention`` (a course's own retention periods and when the deletions were applied).
No existing table changes. Downgrade drops the four tables, and with them the notice texts,
the consent records and the erasure requests (the erasures themselves are not undone).

Revision ID: 3538418d61a0
Revises: 1760df7aeaaa
Create Date: 2026-12-03 16:06:07.972097

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3538418d61a0"
down_revision = "1760df7aeaaa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "erasure_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carried_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carried_out_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["carried_out_by_id"],
            ["user.id"],
            name=op.f("fk_erasure_request_carried_out_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_erasure_request_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_request")),
    )
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_request_user_id"), ["user_id"], unique=False)

    op.create_table(
        "privacy_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["user.id"],
            name=op.f("fk_privacy_notice_published_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice")),
        sa.UniqueConstraint("version", name=op.f("uq_privacy_notice_version")),
    )
    op.create_table(
        "course_retention",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("document_days", sa.Integer(), nullable=True),
        sa.Column("special_needs_days", sa.Integer(), nullable=True),
        sa.Column("documents_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("special_needs_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_retention_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_course_retention_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_course_retention")),
    )
    op.create_table(
        "privacy_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "context",
            sa.Enum("signup", "application", name="consentcontext", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_privacy_consent_course_id_course"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["privacy_notice.id"],
            name=op.f("fk_privacy_consent_notice_id_privacy_notice"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_privacy_consent_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_consent")),
    )
    with op.batch_alter_table("privacy_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_consent_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("privacy_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_consent_user_id"))

    op.drop_table("privacy_consent")
    op.drop_table("course_retention")
    op.drop_table("privacy_notice")
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_request_user_id"))

    op.drop_table("erasure_request")
