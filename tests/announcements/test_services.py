"""The rules of announcements, without HTTP: posting, editing, withdrawing, who reads them,
what "My courses" shows when, and mailing them."""

from __future__ import annotations

import email
from email import policy

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from app.announcements import services
from app.announcements.models import Announcement
from app.extensions import db
from tests.announcements.conftest import Cast, at, outbox

POSTED = at(2017, 11, 21, 7, 45)  # Tuesday 08:45 in Turin
LATER = at(2017, 11, 21, 9, 10)


def post(cast: Cast, body: str = "Room change on Wednesday: we meet in room B.", **kw):
    kw.setdefault("title", "Room change")
    kw.setdefault("actor", cast.organiser)
    kw.setdefault("now", POSTED)
    return services.post_announcement(cast.course, body=body, **kw)


def all_announcements() -> list[Announcement]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Announcement).order_by(Announcement.id)))


# --- posting ---------------------------------------------------------------------------------


def test_an_organiser_posts_with_who_and_when(cast):
    announcement = post(cast, "  Room change on Wednesday:\r\nroom B.  ", title="  Room   change ")
    db.session.commit()
    [stored] = all_announcements()
    assert stored.id == announcement.id
    assert stored.course_id == cast.course.id
    assert stored.title == "Room change"
    assert stored.body == "Room change on Wednesday:\nroom B."
    assert stored.author_id == cast.organiser.id
    assert stored.created_at == POSTED
    assert (stored.edited_at, stored.edited_by_id) == (None, None)
    assert (stored.withdrawn_at, stored.withdrawn_by_id) == (None, None)
    assert (stored.mailed_at, stored.mailed_count) == (None, 0)
    assert outbox() == []


def test_the_title_is_optional(cast):
    assert post(cast, title="").title == ""


@pytest.mark.parametrize("who", ["facilitator", "reviewer", "ana", "other_organiser"])
def test_only_the_course_s_organisers_post(cast, who):
    with pytest.raises(services.NotOrganiser):
        post(cast, actor=getattr(cast, who))
    assert all_announcements() == []


def test_an_administrator_and_a_second_organiser_post(cast):
    post(cast, actor=cast.admin)
    post(cast, actor=cast.co_organiser)
    assert [a.author_id for a in all_announcements()] == [cast.admin.id, cast.co_organiser.id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("", "body"),
        ("   \r\n  ", "body"),
        ("x" * (services.BODY_MAX_LENGTH + 1), "body"),
        ("Bell\x07", "body"),
        ("Right-to-left \u202e override", "body"),
    ],
)
def test_a_bad_text_is_refused_beside_its_field(cast, body, field):
    with pytest.raises(services.InvalidAnnouncement) as refused:
        post(cast, body)
    assert list(refused.value.errors) == [field]
    assert all_announcements() == []


def test_the_longest_text_and_title_are_taken(cast):
    title = "t" * services.TITLE_MAX_LENGTH
    body = "b" * services.BODY_MAX_LENGTH
    announcement = post(cast, body, title=title)
    assert (announcement.title, announcement.body) == (title, body)


@pytest.mark.parametrize("title", ["t" * (services.TITLE_MAX_LENGTH + 1), "Tab\x1b[31m"])
def test_a_bad_title_is_refused(cast, title):
    with pytest.raises(services.InvalidAnnouncement) as refused:
        post(cast, title=title)
    assert list(refused.value.errors) == ["title"]


def test_old_mac_line_breaks_become_one_kind(cast):
    assert post(cast, "Monday\rTuesday\r\nWednesday").body == "Monday\nTuesday\nWednesday"


def test_line_breaks_and_tabs_are_kept_in_the_text(cast):
    body = "Monday:\n\tbus at 08:30\n\nTuesday: https://example.org/map"
    assert post(cast, body).body == body


# --- editing and withdrawing -----------------------------------------------------------------


def test_another_organiser_corrects_it_and_is_named(cast):
    announcement = post(cast)
    services.edit_announcement(
        announcement,
        title="Room change (corrected)",
        body="Room C, not B.",
        actor=cast.co_organiser,
        now=LATER,
    )
    db.session.commit()
    [stored] = all_announcements()
    assert (stored.title, stored.body) == ("Room change (corrected)", "Room C, not B.")
    assert (stored.edited_at, stored.edited_by_id) == (LATER, cast.co_organiser.id)
    assert (stored.author_id, stored.created_at) == (cast.organiser.id, POSTED)


def test_the_same_text_again_is_no_edit(cast):
    announcement = post(cast)
    services.edit_announcement(
        announcement,
        title=" Room change ",
        body=announcement.body + "\r\n",
        actor=cast.co_organiser,
        now=LATER,
    )
    assert (announcement.edited_at, announcement.edited_by_id) == (None, None)


def test_changing_the_title_only_is_an_edit(cast):
    announcement = post(cast)
    services.edit_announcement(
        announcement, title="Rooms", body=announcement.body, actor=cast.organiser, now=LATER
    )
    assert (announcement.title, announcement.edited_at) == ("Rooms", LATER)


def test_changing_the_text_only_is_an_edit(cast):
    announcement = post(cast)
    services.edit_announcement(
        announcement, title="Room change", body="Room D.", actor=cast.organiser, now=LATER
    )
    assert (announcement.body, announcement.edited_at) == ("Room D.", LATER)


@pytest.mark.parametrize("who", ["facilitator", "ana", "other_organiser"])
def test_nobody_else_edits_or_withdraws(cast, who):
    announcement = post(cast)
    db.session.commit()
    with pytest.raises(services.NotOrganiser):
        services.edit_announcement(
            announcement, title="", body="Hacked", actor=getattr(cast, who), now=LATER
        )
    with pytest.raises(services.NotOrganiser):
        services.withdraw_announcement(announcement, actor=getattr(cast, who), now=LATER)
    db.session.rollback()
    [stored] = all_announcements()
    assert stored.body.startswith("Room change on Wednesday")
    assert stored.withdrawn_at is None


def test_a_bad_edit_changes_nothing(cast):
    announcement = post(cast)
    with pytest.raises(services.InvalidAnnouncement):
        services.edit_announcement(announcement, title="", body=" ", actor=cast.organiser)
    assert announcement.body.startswith("Room change")
    assert announcement.edited_at is None


def test_withdrawn_it_is_kept_with_who_and_when_and_read_by_nobody(cast):
    announcement = post(cast)
    services.withdraw_announcement(announcement, actor=cast.co_organiser, now=LATER)
    # Withdrawing again keeps who withdrew it first, and when.
    services.withdraw_announcement(announcement, actor=cast.organiser, now=at(2017, 11, 22))
    db.session.commit()
    [stored] = all_announcements()
    assert (stored.withdrawn_at, stored.withdrawn_by_id) == (LATER, cast.co_organiser.id)
    assert stored.is_withdrawn
    assert services.course_announcements(cast.course) == []
    assert services.course_announcements(cast.course, include_withdrawn=True) == [stored]
    assert services.shown_on_course_page(cast.course, cast.ana) == []
    assert services.for_my_courses(cast.ana, now=LATER) == []
    with pytest.raises(services.InvalidAnnouncement):
        services.edit_announcement(stored, title="", body="Back", actor=cast.organiser)


# --- who reads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "reads"),
    [
        ("organiser", True),
        ("facilitator", True),
        ("admin", True),
        ("ana", True),
        ("lucia", True),
        ("reviewer", False),
        ("waitlisted", False),
        ("cancelled", False),
        ("rejected", False),
        ("outsider", False),
        ("other_organiser", False),
    ],
)
def test_who_reads_them_on_the_course_page(cast, who, reads):
    announcement = post(cast)
    user = getattr(cast, who)
    assert services.may_read(user, cast.course) is reads
    assert services.shown_on_course_page(cast.course, user) == ([announcement] if reads else [])


def test_visitors_read_nothing(cast):
    post(cast)
    assert services.shown_on_course_page(cast.course, AnonymousUserMixin()) == []
    assert services.is_confirmed(AnonymousUserMixin(), cast.course) is False
    assert services.is_confirmed(None, cast.course) is False


def test_newest_first_and_only_this_course_s(cast):
    first = post(cast, "Bus at 08:30.", now=at(2017, 11, 20, 6))
    second = post(cast, "Room change.", now=at(2017, 11, 21, 6))
    services.post_announcement(
        cast.other, title="", body="Elsewhere.", actor=cast.other_organiser, now=at(2017, 11, 22)
    )
    # Posted at the same instant: the later one first.
    third = post(cast, "Dinner at 19:00.", now=at(2017, 11, 21, 6))
    assert services.course_announcements(cast.course) == [third, second, first]


# --- "My courses" ----------------------------------------------------------------------------


def test_my_courses_shows_the_confirmed_courses_newest_first(cast):
    older = post(cast, "Bus at 08:30.", now=at(2017, 11, 20, 6))
    newer = post(cast, "Room change.", now=at(2017, 11, 21, 6))
    elsewhere = services.post_announcement(
        cast.other, title="", body="Elsewhere.", actor=cast.other_organiser, now=at(2017, 11, 21)
    )
    mine = services.for_my_courses(cast.ana, now=LATER)
    assert [(m.announcement, m.course) for m in mine] == [
        (newer, cast.course),
        (older, cast.course),
    ]
    assert [m.announcement for m in services.for_my_courses(cast.outsider, now=LATER)] == [
        elsewhere
    ]
    for who in (cast.waitlisted, cast.cancelled, cast.rejected, cast.facilitator):
        assert services.for_my_courses(who, now=LATER) == []


def test_my_courses_shows_them_until_the_follow_up_phase_ends_at_the_venue(cast):
    # The phase's last day is 4 January 2018; Turin is on CET (UTC+1).
    post(cast)
    assert cast.course.followup_closes_on.isoformat() == "2018-01-04"
    assert services.current_until(cast.course) == cast.course.followup_closes_on
    assert len(services.for_my_courses(cast.ana, now=at(2018, 1, 4, 22, 59))) == 1
    assert services.for_my_courses(cast.ana, now=at(2018, 1, 4, 23, 0)) == []


def test_without_a_follow_up_phase_until_the_last_day_on_site(cast):
    # Friday 24 November 2017 is the last day; the summer time of October is long over.
    cast.course.followup_opens_on = cast.course.followup_closes_on = None
    post(cast)
    assert services.current_until(cast.course).isoformat() == "2017-11-24"
    assert len(services.for_my_courses(cast.ana, now=at(2017, 11, 24, 22, 59))) == 1
    assert services.for_my_courses(cast.ana, now=at(2017, 11, 24, 23, 0)) == []


def test_posted_before_the_course_it_shows_at_once(cast):
    announcement = post(cast, now=at(2017, 11, 1, 9))
    [mine] = services.for_my_courses(cast.ana, now=at(2017, 11, 1, 9))
    assert mine.announcement == announcement


# --- mail ------------------------------------------------------------------------------------


def _recipients() -> list[str]:
    return sorted(m.recipient for m in outbox())


def test_mailed_to_the_confirmed_participants_once_with_who_and_when(cast):
    announcement = post(cast, send_mail=True)
    db.session.commit()
    assert _recipients() == [
        "ana.souza@example.org",
        "lucia.peres@example.com",
        "tesfaye@example.org",
    ]
    assert (announcement.mailed_at, announcement.mailed_count) == (POSTED, 3)
    with pytest.raises(services.AlreadyMailed):
        services.mail_announcement(announcement, actor=cast.organiser, now=LATER)
    assert len(outbox()) == 3
    assert announcement.mailed_at == POSTED


def test_not_mailed_unless_asked(cast):
    post(cast)
    assert outbox() == []


def test_a_withdrawn_announcement_is_not_mailed(cast):
    announcement = post(cast)
    services.withdraw_announcement(announcement, actor=cast.organiser, now=LATER)
    with pytest.raises(services.InvalidAnnouncement):
        services.mail_announcement(announcement, actor=cast.organiser, now=LATER)
    assert outbox() == []
    assert announcement.mailed_at is None


def test_only_organisers_mail(cast):
    announcement = post(cast)
    with pytest.raises(services.NotOrganiser):
        services.mail_announcement(announcement, actor=cast.facilitator, now=LATER)
    assert outbox() == []


def test_the_recipients_are_the_confirmed_participants(cast):
    names = sorted(r.certificate_name for r in services.recipients(cast.course))
    assert names == ["Ana Souza", "Lucía Peres", "Tesfaye Bekele"]


def test_each_mail_in_the_recipient_s_language_the_text_as_written(cast):
    post(cast, "Salle B, aula B, room B: https://example.org/map?a=1&b=2", send_mail=True)
    db.session.commit()
    messages = {
        m.recipient: email.message_from_bytes(m.raw, policy=policy.default) for m in outbox()
    }
    french = messages["ana.souza@example.org"]
    spanish = messages["lucia.peres@example.com"]
    english = messages["tesfaye@example.org"]
    assert french["Content-Language"] == "fr"
    assert spanish["Content-Language"] == "es"
    assert english["Subject"] == "Governing migration at the local level: Room change"
    for message in (french, spanish, english):
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Salle B, aula B, room B: https://example.org/map?a=1&b=2" in body
        assert "http://atelier.test/my/courses" in body
    assert "Bonjour Ana Souza," in french.get_body(preferencelist=("plain",)).get_content()


# --- what each refusal says ------------------------------------------------------------------


def _refusal(call) -> tuple[list[str | None], str]:
    with pytest.raises(services.AnnouncementError) as refused:
        call()
    return list(refused.value.errors), str(refused.value)


def test_each_refusal_says_why(cast):
    posted = post(cast)
    withdrawn = post(cast, "Old news.")
    services.withdraw_announcement(withdrawn, actor=cast.organiser, now=LATER)
    mailed = post(cast, "Mailed.", send_mail=True)
    cases = [
        (
            lambda: post(cast, actor=cast.facilitator),
            [None],
            "Only the organisers of the course post announcements.",
        ),
        (
            lambda: post(cast, title="t" * 201),
            ["title"],
            "A title can have at most 200 characters.",
        ),
        (
            lambda: post(cast, title="\x07"),
            ["title"],
            "This text contains invisible control characters.",
        ),
        (lambda: post(cast, " "), ["body"], "Write the announcement first."),
        (
            lambda: post(cast, "b" * 2001),
            ["body"],
            "An announcement can have at most 2000 characters.",
        ),
        (
            lambda: post(cast, "\x07"),
            ["body"],
            "This text contains invisible control characters. Type it again or paste it as "
            "plain text.",
        ),
        (
            lambda: services.edit_announcement(withdrawn, title="", body="x", actor=cast.organiser),
            [None],
            "A withdrawn announcement can no longer change.",
        ),
        (
            lambda: services.mail_announcement(mailed, actor=cast.organiser),
            [None],
            "This announcement has already been sent by email.",
        ),
        (
            lambda: services.mail_announcement(withdrawn, actor=cast.organiser),
            [None],
            "A withdrawn announcement is not sent.",
        ),
        (
            lambda: services.withdraw_announcement(posted, actor=cast.ana),
            [None],
            "Only the organisers of the course post announcements.",
        ),
    ]
    for call, fields, message in cases:
        assert _refusal(call) == (fields, message)


def test_by_posting_time_not_by_the_order_they_were_written(cast):
    # Written second but posted first (e.g. imported, or a clock set by the test).
    tuesday = post(cast, "Tuesday's note.", now=at(2017, 11, 21, 6))
    monday = post(cast, "Monday's note.", now=at(2017, 11, 20, 6))
    assert services.course_announcements(cast.course) == [tuesday, monday]
    assert [m.announcement for m in services.for_my_courses(cast.ana, now=LATER)] == [
        tuesday,
        monday,
    ]
