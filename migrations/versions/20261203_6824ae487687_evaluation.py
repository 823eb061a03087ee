"""End-of-course evaluation.

One ``evaluation`` per course with its settings, its questions and their texts per language;
``evaluation_completion`` records who completed it; ``evaluation_response`` and
``evaluation_answer`` hold the answers with random UUID keys, no date and no link to the
person (``WITHOUT ROWID`` on SQLite, so no hidden insert counter either). The completion points
at the response only for evaluations that are not anonymous. Downgrade drops all six.

Revision ID: 6824ae487687
Revises: a7f3c2d91e05
Create Date: 2026-12-03 05:07:35.857877

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "6824ae487687"
down_revision = "a7f3c2d91e05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("required_for_certificate", sa.Boolean(), nullable=False),
        sa.Column("opens_at_time", sa.Time(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("reminder_days_before_close", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user.id"],
            name=op.f("fk_evaluation_closed_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_evaluation_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_evaluation_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user.id"],
            name=op.f("fk_evaluation_opened_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
        sa.UniqueConstraint("course_id", name=op.f("uq_evaluation_course_id")),
    )
    op.create_table(
        "evaluation_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("rating", "text", name="questionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "area",
            sa.Enum(
                "overall",
                "relevance",
                "module",
                "facilitation",
                "organisation",
                "change",
                "custom",
                name="questionarea",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("course_module_id", sa.Integer(), nullable=True),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_module_id"],
            ["course_module.id"],
            name=op.f("fk_evaluation_question_course_module_id_course_module"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_evaluation_question_evaluation_id_evaluation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_question")),
    )
    with op.batch_alter_table("evaluation_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_question_course_module_id"),
            ["course_module_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_evaluation_question_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "evaluation_response",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_evaluation_response_evaluation_id_evaluation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_response")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("evaluation_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_response_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "evaluation_answer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("response_id", sa.String(length=36), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)",
            name=op.f("ck_evaluation_answer_rating_range"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["evaluation_question.id"],
            name=op.f("fk_evaluation_answer_question_id_evaluation_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["evaluation_response.id"],
            name=op.f("fk_evaluation_answer_response_id_evaluation_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_answer")),
        sa.UniqueConstraint(
            "response_id", "question_id", name=op.f("uq_evaluation_answer_response_id_question_id")
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("evaluation_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_answer_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evaluation_answer_response_id"), ["response_id"], unique=False
        )

    op.create_table(
        "evaluation_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_evaluation_completion_evaluation_id_evaluation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_evaluation_completion_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["evaluation_response.id"],
            name=op.f("fk_evaluation_completion_response_id_evaluation_response"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_completion")),
        sa.UniqueConstraint(
            "evaluation_id",
            "registration_id",
            name=op.f("uq_evaluation_completion_evaluation_id_registration_id"),
        ),
        sa.UniqueConstraint("response_id", name=op.f("uq_evaluation_completion_response_id")),
    )
    with op.batch_alter_table("evaluation_completion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_completion_registration_id"),
            ["registration_id"],
            unique=False,
        )

    op.create_table(
        "evaluation_question_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("help_text", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["evaluation_question.id"],
            name=op.f("fk_evaluation_question_text_question_id_evaluation_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_question_text")),
        sa.UniqueConstraint(
            "question_id", "locale", name=op.f("uq_evaluation_question_text_question_id_locale")
        ),
    )


def downgrade():
    op.drop_table("evaluation_question_text")
    with op.batch_alter_table("evaluation_completion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_completion_registration_id"))

    op.drop_table("evaluation_completion")
    with op.batch_alter_table("evaluation_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_answer_response_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_answer_question_id"))

    op.drop_table("evaluation_answer")
    with op.batch_alter_table("evaluation_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_response_evaluation_id"))

    op.drop_table("evaluation_response")
    with op.batch_alter_table("evaluation_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_question_evaluation_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_question_course_module_id"))

    op.drop_table("evaluation_question")
    op.drop_table("evaluation")
