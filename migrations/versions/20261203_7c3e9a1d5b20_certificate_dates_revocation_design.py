"""Certificates: the date they carry, revocation, and each course's design.

``certificate.issued_on`` is the date printed on a certificate: the course's last on-site day,
or the venue's local date on which the participant met the last condition (a required
follow-up activity completed, the evaluation answered when it is a condition), if later.
Existing certificates get it computed the same way; their code and ``issued_at`` (now only the
record of when the row was created) stay. Revocation (when, by whom, why) and the last
reinstatement are recorded on the certificate. ``certificate_design`` holds a course's logo
and signature images (stored_file rows) and the signatory's name and title.

Downgrade drops the new columns and the table, and the stored_file rows of the designs'
images; their bytes under UPLOAD_FOLDER are left for the operator.

Revision ID: 7c3e9a1d5b20
Revises: b3efbce6ec55
Create Date: 2026-12-03 09:30:00.000000

"""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1d5b20'
down_revision = 'b3efbce6ec55'
branch_labels = None
depends_on = None


def _aware(value):
    # SQLite hands back naive datetimes; they were stored as UTC.
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _issue_dates(bind):
    """certificate id → the date it carries, as app.certificates.services.issue_date says."""
    rows = bind.execute(sa.text(
        "SELECT certificate.id, registration.id, course.id, course.start_date, course.days, "
        "venue.timezone FROM certificate "
        "JOIN registration ON registration.id = certificate.registration_id "
        "JOIN course ON course.id = registration.course_id "
        "LEFT JOIN venue ON venue.id = course.venue_id"
    )).all()
    dates = {}
    for certificate_id, registration_id, course_id, start_date, days, timezone in rows:
        if isinstance(start_date, str):
            start_date = datetime.strptime(start_date[:10], '%Y-%m-%d').date()
        end_date = start_date + timedelta(days=days - 1)
        moments = bind.execute(sa.text(
            "SELECT submission.completed_at FROM submission "
            "JOIN followup_activity ON followup_activity.id = submission.activity_id "
            "WHERE submission.registration_id = :registration AND followup_activity.is_required "
            "AND followup_activity.course_id = :course AND submission.completed_at IS NOT NULL "
            "UNION ALL "
            "SELECT evaluation_completion.completed_at FROM evaluation_completion "
            "JOIN evaluation ON evaluation.id = evaluation_completion.evaluation_id "
            "WHERE evaluation_completion.registration_id = :registration "
            "AND evaluation.course_id = :course AND evaluation.required_for_certificate"
        ).columns(completed_at=sa.DateTime(timezone=True)), {
            'registration': registration_id, 'course': course_id,
        }).scalars().all()
        local = [
            _aware(moment).astimezone(ZoneInfo(timezone or 'UTC')).date()
            for moment in moments if moment is not None
        ]
        dates[certificate_id] = max([end_date, *local])
    return dates


def upgrade():
    op.create_table('certificate_design',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('logo_id', sa.Integer(), nullable=True),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_title', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_design_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['logo_id'], ['stored_file.id'], name=op.f('fk_certificate_design_logo_id_stored_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signature_id'], ['stored_file.id'], name=op.f('fk_certificate_design_signature_id_stored_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_certificate_design_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_design')),
    sa.UniqueConstraint('course_id', name=op.f('uq_certificate_design_course_id')),
    sa.UniqueConstraint('logo_id', name=op.f('uq_certificate_design_logo_id')),
    sa.UniqueConstraint('signature_id', name=op.f('uq_certificate_design_signature_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revocation_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reinstated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reinstated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_revoked_by_id_user'), 'user', ['revoked_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_certificate_reinstated_by_id_user'), 'user', ['reinstated_by_id'], ['id'], ondelete='SET NULL')

    bind = op.get_bind()
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('issued_on', sa.Date))
    for certificate_id, issued_on in _issue_dates(bind).items():
        bind.execute(certificate.update().where(certificate.c.id == certificate_id).values(issued_on=issued_on))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('issued_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('revocation_reason', existing_type=sa.String(length=500), server_default=None)


def downgrade():
    bind = op.get_bind()
    files = [
        file_id
        for row in bind.execute(sa.text('SELECT logo_id, signature_id FROM certificate_design'))
        for file_id in row if file_id is not None
    ]
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_reinstated_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificate_revoked_by_id_user'), type_='foreignkey')
        batch_op.drop_column('reinstated_by_id')
        batch_op.drop_column('reinstated_at')
        batch_op.drop_column('revocation_reason')
        batch_op.drop_column('revoked_by_id')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('issued_on')
    op.drop_table('certificate_design')
    stored_file = sa.table('stored_file', sa.column('id', sa.Integer))
    if files:
        bind.execute(stored_file.delete().where(stored_file.c.id.in_(files)))
