"""``flask bench-data``: the benchmarks' large data set, in bulk, once."""

import sqlalchemy as sa

from app.accounts.models import User
from app.courses.models import Course, CourseStatus
from app.demo.bulk import BENCH_PASSWORD
from app.extensions import db
from app.registration.models import Registration, RegistrationEvent
from app.registration.models import RegistrationStatus as S
from app.schedule.models import CourseSession


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_bench_data_adds_courses_sessions_and_registrations_once(app):
    runner = app.test_cli_runner()
    args = ["bench-data", "--courses", "20", "--sessions-per-course", "6"]
    result = runner.invoke(args=[*args, "--registrations", "300"])
    assert result.exit_code == 0, result.output
    assert "registrations" in result.output and "Done in" in result.output

    courses = list(db.session.scalars(sa.select(Course).where(Course.slug.like("bench-%"))))
    assert len(courses) == 20
    assert count(CourseSession) == 20 * 6
    assert count(Registration) == 300
    # Past and future years; editions copied from the year before.
    years = {c.start_date.year for c in courses}
    assert len(years) == 10
    assert sum(c.edition_of_id is not None for c in courses) == 18
    assert {c.status for c in courses} >= {CourseStatus.PUBLISHED, CourseStatus.DRAFT}
    # Spread over 60 participants, who can log in; nobody twice on a course.
    per_user = db.session.execute(
        sa.select(Registration.user_id, sa.func.count()).group_by(Registration.user_id)
    ).all()
    assert len(per_user) > 40
    user = db.session.scalar(sa.select(User).where(User.email == "bench-user-000001@example.org"))
    assert user is not None and user.check_password(BENCH_PASSWORD)
    # The states a desk holds, each with its history.
    statuses = set(db.session.scalars(sa.select(Registration.status).distinct()))
    assert {S.CONFIRMED, S.CANCELLED} <= statuses
    assert count(RegistrationEvent, RegistrationEvent.action == "submitted") == 300
    waitlisted = db.session.scalars(
        sa.select(Registration.waitlist_position).where(Registration.status == S.WAITLISTED)
    ).all()
    assert None not in waitlisted

    again = runner.invoke(args=[*args, "--registrations", "10"])
    assert again.exit_code != 0
    assert "there already" in again.output
    assert count(Registration) == 300
