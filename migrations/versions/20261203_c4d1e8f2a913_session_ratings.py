"""Session ratings.

Quick ratings (1 to 5 and a comment) of a course's sessions: the course's switch, the record
that a registration rated a session (with the day only), and the ratings themselves, which
hold no person, registration or time, and whose key is a random UUID (app/evaluation/
rating_models.py). Downgrade drops the three tables.

Revision ID: c4d1e8f2a913
Revises: 6824ae487687
Create Date: 2026-12-03 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d1e8f2a913'
down_revision = '6824ae487687'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_rating_switch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_session_rating_switch_changed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_session_rating_switch_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_rating_switch')),
    sa.UniqueConstraint('course_id', name=op.f('uq_session_rating_switch_course_id'))
    )
    op.create_table('session_rating_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_session_rating_done_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['course_session.id'], name=op.f('fk_session_rating_done_session_id_course_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_rating_done')),
    sa.UniqueConstraint('session_id', 'registration_id', name=op.f('uq_session_rating_done_session_id_registration_id'))
    )
    with op.batch_alter_table('session_rating_done', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_rating_done_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_rating_done_session_id'), ['session_id'], unique=False)

    op.create_table('session_rating',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_session_rating_score_on_scale')),
    sa.ForeignKeyConstraint(['session_id'], ['course_session.id'], name=op.f('fk_session_rating_session_id_course_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_rating')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('session_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_rating_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('session_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_rating_session_id'))

    op.drop_table('session_rating')
    with op.batch_alter_table('session_rating_done', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_rating_done_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_rating_done_registration_id'))

    op.drop_table('session_rating_done')
    op.drop_table('session_rating_switch')
