"""Outbox: attachments built at delivery (outbox_message.deferred, a JSON list of builders
and their parameters; NULL for messages stored whole).

Downgrade drops the column: messages still pending then go out without those attachments
(their text still says what the attachment was).

Revision ID: 5e0c7a1b9d42
Revises: 5e7a1c0d9b42
Create Date: 2026-12-03 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e0c7a1b9d42'
down_revision = '5e7a1c0d9b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deferred', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('deferred')
