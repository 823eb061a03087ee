"""Application answers to file questions: each names its stored file.

``application_answer.file_id`` points at the ``stored_file`` holding the applicant's document
(NULL for every other kind of answer). ``ON DELETE SET NULL``: a stored file removed by plain
SQL leaves an answer without a file rather than failing; the app deletes answers and their
files together through the session. Downgrade drops the column; the stored files stay.

Revision ID: a7f3c2d91e05
Revises: e1d0a5e3b7c2
Create Date: 2026-12-02 22:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7f3c2d91e05'
down_revision = 'e1d0a5e3b7c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_application_answer_file_id'), ['file_id'], unique=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_application_answer_file_id_stored_file'),
            'stored_file',
            ['file_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('application_answer', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_application_answer_file_id_stored_file'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_application_answer_file_id'))
        batch_op.drop_column('file_id')
