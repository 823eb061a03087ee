"""Announcements on a course, and the alumni: their consent and their invitations.

``announcement``: a course's announcements, with who wrote, edited, withdrew and mailed each
and when; ``alumni_invitation``: a past participant invited to a later course, from which
course, by whom and when (once per course); ``registration.consent_alumni`` (false for every
existing registration: nobody consented before the question was asked) and when it changed.
Downgrade drops them.

Revision ID: b3efbce6ec55
Revises: 8c4e2a7d9b13
Create Date: 2026-12-03 09:07:59.695306

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3efbce6ec55'
down_revision = '8c4e2a7d9b13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alumni_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('source_course_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_alumni_invitation_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_alumni_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_course_id'], ['course.id'], name=op.f('fk_alumni_invitation_source_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_alumni_invitation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_invitation')),
    sa.UniqueConstraint('course_id', 'user_id', name=op.f('uq_alumni_invitation_course_id_user_id'))
    )
    with op.batch_alter_table('alumni_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alumni_invitation_user_id'), ['user_id'], unique=False)

    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_announcement_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_announcement_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['edited_by_id'], ['user.id'], name=op.f('fk_announcement_edited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_announcement_withdrawn_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_course_created', ['course_id', 'created_at'], unique=False)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_alumni', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('consent_alumni_changed_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('consent_alumni_changed_at')
        batch_op.drop_column('consent_alumni')

    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_course_created')

    op.drop_table('announcement')
    with op.batch_alter_table('alumni_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alumni_invitation_user_id'))

    op.drop_table('alumni_invitation')
