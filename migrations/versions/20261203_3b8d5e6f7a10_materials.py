"""Materials of a course.

A file (a stored_file row, its bytes in the storage backend) or a link, with a title, an
optional description and who may see it (confirmed participants and the team, or everyone),
placed on a session of the course, on one of its toolbox modules or on the course as a whole.
A deleted session leaves its materials on the course (SET NULL). Downgrade drops the table and
the stored_file rows of its files; their bytes under UPLOAD_FOLDER are left for the operator.

Revision ID: 3b8d5e6f7a10
Revises: 2b111699e93d
Create Date: 2026-12-03 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8d5e6f7a10'
down_revision = '2b111699e93d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('visibility', sa.Enum('participants', 'public', name='materialvisibility', native_enum=False, length=20), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("file_id IS NOT NULL OR url <> ''", name=op.f('ck_material_file_or_link')),
    sa.CheckConstraint('session_id IS NULL OR module_id IS NULL', name=op.f('ck_material_one_place')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_material_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_material_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_material_file_id_stored_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_material_module_id_module'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['course_session.id'], name=op.f('fk_material_session_id_course_session'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_material_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('file_id', name=op.f('uq_material_file_id'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_session_id'), ['session_id'], unique=False)


def downgrade():
    # The files of materials go with them (read first: the table is dropped before the rows
    # it points at, whose deletion would otherwise empty its file_id).
    files = sa.table('material', sa.column('file_id'))
    file_ids = [
        row[0]
        for row in op.get_bind().execute(sa.select(files.c.file_id).where(files.c.file_id.is_not(None)))
    ]
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_session_id'))
        batch_op.drop_index(batch_op.f('ix_material_module_id'))
        batch_op.drop_index(batch_op.f('ix_material_course_id'))

    op.drop_table('material')
    stored = sa.table('stored_file', sa.column('id'))
    for start in range(0, len(file_ids), 500):
        op.execute(stored.delete().where(stored.c.id.in_(file_ids[start:start + 500])))
