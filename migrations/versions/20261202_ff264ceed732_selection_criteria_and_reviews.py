"""Selection criteria and reviews.

Each course's selection criteria (texts per language), the reviews of its applications (one
per reviewer and application) and their scores, 1 to 5, one per criterion. A criterion with
scores cannot be deleted (no ON DELETE rule on the score's criterion): it is retired.
Reviewers are course-team members with the new role "reviewer" (the role column is a plain
string, so it needs no change). Downgrade drops the four tables and takes the reviewers off
the teams, as the code before knows no such role.

Revision ID: ff264ceed732
Revises: 5c0e7a1d9b34
Create Date: 2026-12-02 18:35:18.525835

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ff264ceed732'
down_revision = '5c0e7a1d9b34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('selection_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_retired', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_selection_criterion_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_criterion'))
    )
    with op.batch_alter_table('selection_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_criterion_course_id'), ['course_id'], unique=False)

    op.create_table('selection_criterion_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('help_text', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['selection_criterion.id'], name=op.f('fk_selection_criterion_text_criterion_id_selection_criterion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_criterion_text')),
    sa.UniqueConstraint('criterion_id', 'locale', name=op.f('uq_selection_criterion_text_criterion_id_locale'))
    )
    op.create_table('selection_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_selection_review_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user.id'], name=op.f('fk_selection_review_reviewer_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_review')),
    sa.UniqueConstraint('registration_id', 'reviewer_id', name=op.f('uq_selection_review_registration_id_reviewer_id'))
    )
    with op.batch_alter_table('selection_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_review_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_review_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('selection_review_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.CheckConstraint('score >= 1 AND score <= 5', name=op.f('ck_selection_review_score_score_range')),
    sa.ForeignKeyConstraint(['criterion_id'], ['selection_criterion.id'], name=op.f('fk_selection_review_score_criterion_id_selection_criterion')),
    sa.ForeignKeyConstraint(['review_id'], ['selection_review.id'], name=op.f('fk_selection_review_score_review_id_selection_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_review_score')),
    sa.UniqueConstraint('review_id', 'criterion_id', name=op.f('uq_selection_review_score_review_id_criterion_id'))
    )
    with op.batch_alter_table('selection_review_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_review_score_criterion_id'), ['criterion_id'], unique=False)


def downgrade():
    team = sa.table('course_team_member', sa.column('role', sa.String))
    op.execute(team.delete().where(team.c.role == 'reviewer'))
    with op.batch_alter_table('selection_review_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_review_score_criterion_id'))

    op.drop_table('selection_review_score')
    with op.batch_alter_table('selection_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_review_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_selection_review_registration_id'))

    op.drop_table('selection_review')
    op.drop_table('selection_criterion_text')
    with op.batch_alter_table('selection_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_criterion_course_id'))

    op.drop_table('selection_criterion')
