"""Who sees which materials: public ones, anyone who may see the course; participants-only
ones, the confirmed participants and the team (organisers, facilitators, administrators) of
that course, even once it is over. Reviewers, waitlisted, cancelled and rejected applicants,
another course's participants and strangers see the public ones only, and a
participants-only file does not exist for them."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.materials import reading, services
from app.materials.models import Material, MaterialVisibility
from app.materials.services import MaterialData
from app.registration.models import RegistrationStatus
from tests.factories import make_registration
from tests.materials.conftest import NOW, Turin, upload
from tests.storage.samples import pdf

SEES_ALL = {"confirmed", "facilitator", "organiser", "admin"}
SEES_PUBLIC = {
    "anonymous",
    "waitlisted",
    "cancelled",
    "rejected",
    "other course",
    "outsider",
    "reviewer",
}


def add(turin: Turin, title: str, visibility: MaterialVisibility, **data: object) -> Material:
    if "url" not in data and "upload" not in data:
        data["upload"] = upload(pdf(title), f"{title}.pdf")
    material = services.add_material(
        turin.course,
        MaterialData(title=title, visibility=visibility.value, **data),  # type: ignore[arg-type]
        actor=turin.organiser,
        now=NOW,
    )
    db.session.commit()
    return material


@pytest.fixture
def both(turin: Turin) -> tuple[Material, Material]:
    public = add(turin, "Programme of the week", MaterialVisibility.PUBLIC)
    private = add(turin, "Participants' handbook", MaterialVisibility.PARTICIPANTS)
    return public, private


@pytest.mark.parametrize("who", sorted(SEES_ALL | SEES_PUBLIC))
def test_each_role_sees_what_it_may(turin, both, who):
    public, private = both
    user = turin.people()[who]
    seen = [m.title for m in reading.visible_materials(turin.course, user)]
    if who in SEES_ALL:
        assert seen == [public.title, private.title]
        assert reading.readable_file(turin.course, private.id, actor=user) is private.file
    else:
        assert seen == [public.title]
        assert reading.readable_file(turin.course, private.id, actor=user) is None
    assert reading.readable_file(turin.course, public.id, actor=user) is public.file
    assert reading.sees_all_materials(user, turin.course) is (who in SEES_ALL)


def test_only_the_team_edits(turin):
    may = {
        who
        for who, user in turin.people().items()
        if reading.can_edit_materials(user, turin.course)
    }
    assert may == {"facilitator", "organiser", "admin"}


def test_materials_stay_after_the_course_and_its_follow_up(turin, both):
    """No rule of time: the 2017 course and its follow-up phase are long over, and its
    participant and the public still have what they had."""
    from app.followup.services import apply_followup_defaults

    apply_followup_defaults(turin.course)
    db.session.flush()
    assert turin.course.followup_closes_on.year == 2018
    assert len(reading.visible_materials(turin.course, turin.confirmed)) == 2
    assert len(reading.visible_materials(turin.course, None)) == 1
    private = reading.visible_materials(turin.course, turin.confirmed)[1]
    assert reading.readable_file(turin.course, private.id, actor=turin.confirmed) is not None


def test_a_confirmed_participant_of_one_course_is_an_outsider_of_another(turin, both, neighbour):
    """The neighbour course's confirmed participant sees its participants-only file, not ours;
    ours does not see theirs."""
    theirs = db.session.scalars(reading._materials_query(neighbour.course)).one()
    assert reading.readable_file(neighbour.course, theirs.id, actor=turin.other_course) is not None
    assert reading.readable_file(neighbour.course, theirs.id, actor=turin.confirmed) is None
    # Named under the wrong course, a material is not found at all, even by its team.
    assert reading.readable_file(turin.course, theirs.id, actor=turin.admin) is None
    assert reading.course_material(turin.course, theirs.id) is None


def test_a_participant_confirmed_later_sees_more_and_a_cancelled_one_less(turin, both):
    registration = make_registration(
        turin.course, turin.outsider, status=RegistrationStatus.CONFIRMED
    )
    assert len(reading.visible_materials(turin.course, turin.outsider)) == 2
    registration.status = RegistrationStatus.CANCELLED
    db.session.flush()
    assert len(reading.visible_materials(turin.course, turin.outsider)) == 1
