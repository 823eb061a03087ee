"""Mail written by organisers.

A course's messages (author, when written, when to send or sent, cancelled by whom), their
subject and body per language, and each recipient with the outbox row carrying their copy
(app/messages/models.py). Downgrade drops the three tables.

Revision ID: 2865760754d3
Revises: 7c3e9a1d5b20
Create Date: 2026-12-03 09:07:37.264368

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2865760754d3'
down_revision = '7c3e9a1d5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'sent', 'cancelled', name='messagestatus', native_enum=False, length=20), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('audience', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_course_message_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['user.id'], name=op.f('fk_course_message_cancelled_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_message_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_message'))
    )
    with op.batch_alter_table('course_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_message_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_course_message_due', ['status', 'send_at'], unique=False)

    op.create_table('course_message_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status_when_written', sa.Enum('submitted', 'confirmed', 'waitlisted', 'rejected', 'cancelled', name='registrationstatus', native_enum=False, length=20), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['course_message.id'], name=op.f('fk_course_message_recipient_message_id_course_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_course_message_recipient_outbox_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_course_message_recipient_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_message_recipient')),
    sa.UniqueConstraint('message_id', 'registration_id', name=op.f('uq_course_message_recipient_message_id_registration_id'))
    )
    with op.batch_alter_table('course_message_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_message_recipient_registration_id'), ['registration_id'], unique=False)

    op.create_table('course_message_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['course_message.id'], name=op.f('fk_course_message_text_message_id_course_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_message_text')),
    sa.UniqueConstraint('message_id', 'locale', name=op.f('uq_course_message_text_message_id_locale'))
    )


def downgrade():
    op.drop_table('course_message_text')
    with op.batch_alter_table('course_message_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_message_recipient_registration_id'))

    op.drop_table('course_message_recipient')
    with op.batch_alter_table('course_message', schema=None) as batch_op:
        batch_op.drop_index('ix_course_message_due')
        batch_op.drop_index(batch_op.f('ix_course_message_course_id'))

    op.drop_table('course_message')
