"""Discussions of the follow-up phase.

``discussion_post``: topics and replies of a discussion activity, with who hid or showed each
again and when; ``discussion_digest_state``: when each person's last daily digest went out;
``discussion_digest_preference``: a person's choice (on or off) for one course's digest.
Downgrade drops the three.

Revision ID: d15c0551a7e1
Revises: c4d1e8f2a913
Create Date: 2026-12-03 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd15c0551a7e1'
down_revision = 'c4d1e8f2a913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discussion_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('unhidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unhidden_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['followup_activity.id'], name=op.f('fk_discussion_post_activity_id_followup_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_discussion_post_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user.id'], name=op.f('fk_discussion_post_hidden_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['discussion_post.id'], name=op.f('fk_discussion_post_parent_id_discussion_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unhidden_by_id'], ['user.id'], name=op.f('fk_discussion_post_unhidden_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_post'))
    )
    with op.batch_alter_table('discussion_post', schema=None) as batch_op:
        batch_op.create_index('ix_discussion_post_activity_created', ['activity_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_post_parent_id'), ['parent_id'], unique=False)

    op.create_table('discussion_digest_state',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_discussion_digest_state_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_discussion_digest_state'))
    )
    op.create_table('discussion_digest_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_discussion_digest_preference_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_discussion_digest_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'course_id', name=op.f('pk_discussion_digest_preference'))
    )


def downgrade():
    op.drop_table('discussion_digest_preference')
    op.drop_table('discussion_digest_state')
    op.drop_table('discussion_post')
