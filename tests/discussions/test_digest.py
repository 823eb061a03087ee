"""The daily digest: what it holds, once a day from the digest hour in each person's zone
(a week that crosses the end of summer time too), the person's language, turning it off and
on, the unsubscribe token, and ``flask tick`` delivering it to a real SMTP server."""

from __future__ import annotations

import email
import logging
from datetime import date, timedelta
from email import policy

import pytest
import sqlalchemy as sa
from flask import Flask
from itsdangerous import URLSafeSerializer

from app.courses.models import CourseStatus, CourseTranslation
from app.discussions import digest, services
from app.discussions.models import DigestState
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.mail.models import OutboxMessage
from app.reminders import run_tick
from tests.discussions.conftest import Cast, add_post, at, make_cast, outbox
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.mail.conftest import SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures

# Tuesday 12 December 2017: 07:00 in Turin (CET) is 06:00 UTC.
MORNING = at(2017, 12, 12, 6, 0)
YESTERDAY = at(2017, 12, 11, 9, 0)  # 10:00 in Turin
FOLLOWERS = {
    "ana.souza@example.org",
    "lucia@example.org",
    "tesfaye@example.org",
    "olga@example.org",
    "fatou@example.org",
}


def message(row: OutboxMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(row.raw, policy=policy.default)


def text_of(row: OutboxMessage) -> str:
    return message(row).get_body(preferencelist=("plain",)).get_content()


def mail_to(address: str) -> list[OutboxMessage]:
    return [row for row in outbox() if row.recipient == address]


def only_mail_to(address: str) -> str:
    [row] = mail_to(address)
    return text_of(row)


def last_sent(user):
    db.session.expire_all()
    state = db.session.get(DigestState, user.id)
    return state.last_sent_at if state else None


# --- who, and what ---------------------------------------------------------------------------


def test_participants_and_the_team_get_the_others_posts(cast: Cast):
    add_post(cast.discussion, cast.ana, "Notre plan avance <vite> & bien.", YESTERDAY)
    add_post(cast.discussion, cast.lucia, "¡Hola a todos!", YESTERDAY + timedelta(hours=1))
    assert digest.send_digests(MORNING) == 5
    # Not the reviewer, the administrator (on no team), the waiting, the cancelled, others.
    assert {row.recipient for row in outbox()} == FOLLOWERS
    tesfaye = only_mail_to("tesfaye@example.org")
    assert "Notre plan avance <vite> & bien." in tesfaye  # plain text, as typed
    assert "¡Hola a todos!" in tesfaye
    assert tesfaye.index("Notre plan") < tesfaye.index("¡Hola")
    assert "Sharing your action plans" in tesfaye
    assert "http://atelier.test/courses/governing-2017/discussions/" in tesfaye
    # Nobody reads their own post again.
    assert "Notre plan" not in only_mail_to("ana.souza@example.org")
    assert "¡Hola" not in only_mail_to("lucia@example.org")
    for user in (cast.ana, cast.lucia, cast.tesfaye, cast.organiser, cast.facilitator):
        assert last_sent(user) == MORNING
    for user in (cast.reviewer, cast.admin, cast.waitlisted, cast.cancelled, cast.outsider):
        assert last_sent(user) is None


def test_hidden_posts_stay_out(cast: Cast):
    add_post(cast.discussion, cast.ana, "Buy cheap watches", YESTERDAY, hidden_by=cast.organiser)
    add_post(cast.discussion, cast.lucia, "Bienvenidos", YESTERDAY)
    digest.send_digests(MORNING)
    assert "watches" not in only_mail_to("tesfaye@example.org")
    # Lucía's own post was the only other one: nothing for her.
    assert mail_to("lucia@example.org") == []
    assert last_sent(cast.lucia) is None


def test_nothing_new_no_mail_and_the_day_is_not_used_up(cast: Cast):
    assert digest.send_digests(MORNING) == 0
    assert outbox() == []
    add_post(cast.discussion, cast.ana, "Later that morning", MORNING + timedelta(hours=2))
    assert digest.send_digests(MORNING + timedelta(hours=3)) == 4


def test_a_draft_or_cancelled_course_sends_nothing(cast: Cast):
    add_post(cast.discussion, cast.ana, "Hello", YESTERDAY)
    cast.course.status = CourseStatus.CANCELLED
    db.session.flush()
    assert digest.send_digests(MORNING) == 0


def test_posts_come_in_the_order_they_were_written(cast: Cast):
    add_post(cast.discussion, cast.ana, "Second, stored first", YESTERDAY + timedelta(hours=1))
    add_post(cast.discussion, cast.lucia, "First, stored second", YESTERDAY)
    digest.send_digests(MORNING)
    text = only_mail_to("olga@example.org")
    assert text.index("First, stored second") < text.index("Second, stored first")


def test_replies_name_the_topic_s_author(cast: Cast):
    topic = add_post(cast.discussion, cast.tesfaye, "How do you fund it?", YESTERDAY)
    add_post(cast.discussion, cast.lucia, "With the city.", YESTERDAY, topic)
    digest.send_digests(MORNING)
    text = only_mail_to("olga@example.org")
    assert "Tesfaye Bekele started a topic" in text
    assert "Lucía Peres replied to Tesfaye Bekele" in text


def test_a_post_cut_after_a_blank_loses_the_blank():
    assert digest.excerpt("a" * 599 + " " + "b" * 10) == "a" * 599 + "…"
    assert digest.excerpt("a" * 600) == "a" * 600


def test_a_long_post_is_cut_in_the_mail(cast: Cast):
    add_post(cast.discussion, cast.ana, "a" * 600 + "b", YESTERDAY)
    add_post(cast.discussion, cast.ana, "c" * 600, YESTERDAY)
    digest.send_digests(MORNING)
    text = only_mail_to("olga@example.org")
    assert "a" * 600 + "…" in text and "b" not in text.split("a" * 600)[1][:2]
    assert "c" * 600 in text.splitlines()


def test_one_mail_for_all_of_a_person_s_courses(cast: Cast):
    second = make_cast(date(2017, 11, 27), slug="urban-2017", tag="2")
    # The facilitator of the first course facilitates the second too.
    from app.courses.models import CourseTeamMember, TeamRole

    second.course.team.append(CourseTeamMember(user=cast.facilitator, role=TeamRole.FACILITATOR))
    db.session.flush()
    add_post(cast.discussion, cast.ana, "In the first", YESTERDAY)
    add_post(second.discussion, second.ana, "In the second", YESTERDAY)
    digest.send_digests(MORNING)
    text = only_mail_to("fatou@example.org")
    assert "In the first" in text and "In the second" in text
    # The participants of each course only read their course.
    assert "In the second" not in only_mail_to("tesfaye@example.org")
    assert "In the first" not in only_mail_to(second.tesfaye.email)


# --- when ------------------------------------------------------------------------------------


def test_once_a_day_from_the_digest_hour_at_the_venue(cast: Cast):
    add_post(cast.discussion, cast.ana, "One", YESTERDAY)
    second = timedelta(seconds=1)
    assert digest.send_digests(MORNING - second) == 0  # 06:59:59 in Turin
    assert digest.send_digests(MORNING) == 4
    add_post(cast.discussion, cast.ana, "Two", MORNING + timedelta(hours=1))
    # The rest of the day (to 23:59:59 in Turin): nothing more.
    assert digest.send_digests(MORNING + timedelta(hours=2)) == 0
    assert digest.send_digests(at(2017, 12, 12, 22, 59, 59)) == 0
    assert len(mail_to("tesfaye@example.org")) == 1
    # Wednesday, 06:59:59 then 07:00 in Turin: the posts since the last digest only.
    assert digest.send_digests(at(2017, 12, 13, 5, 59, 59)) == 0
    assert digest.send_digests(at(2017, 12, 13, 6, 0)) == 4
    first, later = mail_to("tesfaye@example.org")
    assert "One" in text_of(first) and "Two" not in text_of(first)
    assert "Two" in text_of(later) and "One" not in text_of(later)


def test_the_digest_hour_follows_summer_time(cast: Cast):
    """Summer time ended on Sunday 29 October 2017 in Turin: 07:00 was 05:00 UTC on the
    Saturday and 06:00 UTC from the Sunday."""
    add_post(cast.discussion, cast.ana, "Saturday", at(2017, 10, 27, 12, 0))
    assert digest.send_digests(at(2017, 10, 28, 4, 59, 59)) == 0
    assert digest.send_digests(at(2017, 10, 28, 5, 0)) == 4
    add_post(cast.discussion, cast.ana, "Sunday", at(2017, 10, 28, 12, 0))
    assert digest.send_digests(at(2017, 10, 29, 5, 0)) == 0  # 06:00 CET
    assert digest.send_digests(at(2017, 10, 29, 5, 59, 59)) == 0
    assert digest.send_digests(at(2017, 10, 29, 6, 0)) == 4


def test_the_day_of_someone_who_chose_a_zone_is_theirs(cast: Cast):
    cast.tesfaye.timezone = "Africa/Addis_Ababa"  # UTC+3: 07:00 is 04:00 UTC
    db.session.flush()
    add_post(cast.discussion, cast.ana, "Early news", YESTERDAY)
    assert digest.send_digests(at(2017, 12, 12, 3, 59, 59)) == 0
    assert digest.send_digests(at(2017, 12, 12, 4, 0)) == 1
    assert [row.recipient for row in outbox()] == ["tesfaye@example.org"]
    # Past midnight in Addis Ababa (21:00 UTC) is another day there, but before 07:00.
    add_post(cast.discussion, cast.ana, "More", at(2017, 12, 12, 10, 0))
    assert len(mail_to("tesfaye@example.org")) == 1
    digest.send_digests(at(2017, 12, 12, 21, 0))
    assert len(mail_to("tesfaye@example.org")) == 1


def test_an_unknown_zone_falls_back_to_the_venue(cast: Cast):
    cast.tesfaye.timezone = "Mars/Olympus_Mons"
    db.session.flush()
    add_post(cast.discussion, cast.ana, "News", YESTERDAY)
    assert digest.send_digests(MORNING - timedelta(seconds=1)) == 0
    assert digest.send_digests(MORNING) == 4


def test_the_digest_hour_is_configurable(cast: Cast, app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "DISCUSSION_DIGEST_HOUR", 18)
    add_post(cast.discussion, cast.ana, "News", MORNING)
    assert digest.send_digests(at(2017, 12, 12, 16, 59, 59)) == 0
    assert digest.send_digests(at(2017, 12, 12, 17, 0)) == 4


def test_the_first_digest_holds_the_last_day(cast: Cast):
    add_post(cast.discussion, cast.ana, "Two days ago", MORNING - timedelta(days=1, seconds=1))
    add_post(cast.discussion, cast.ana, "A day ago", MORNING - timedelta(days=1))
    add_post(cast.discussion, cast.ana, "Just now", MORNING)
    text = (digest.send_digests(MORNING), only_mail_to("olga@example.org"))[1]
    assert "A day ago" not in text  # the window's start is left out
    assert "Just now" in text and "Two days ago" not in text


def test_no_digest_reaches_back_more_than_a_week(cast: Cast):
    db.session.add(DigestState(user_id=cast.organiser.id, last_sent_at=at(2017, 11, 1, 6)))
    add_post(cast.discussion, cast.ana, "Old", MORNING - timedelta(days=7))
    add_post(cast.discussion, cast.ana, "Recent", MORNING - timedelta(days=7, seconds=-1))
    digest.send_digests(MORNING)
    text = only_mail_to("olga@example.org")
    assert "Recent" in text and "Old" not in text


def test_posts_from_the_future_wait(cast: Cast):
    add_post(cast.discussion, cast.ana, "Not yet", MORNING + timedelta(seconds=1))
    assert digest.send_digests(MORNING) == 0


def test_each_digest_is_logged(cast: Cast, caplog):
    caplog.set_level(logging.INFO, logger="app.discussions.digest")
    add_post(cast.discussion, cast.tesfaye, "News", YESTERDAY)
    digest.send_digests(MORNING)
    logged = sorted(r.getMessage() for r in caplog.records)
    ids = sorted(u.id for u in (cast.ana, cast.lucia, cast.organiser, cast.facilitator))
    assert logged == sorted(f"discussion digest queued for {i}" for i in ids)


def test_an_inactive_account_gets_none(cast: Cast):
    cast.organiser.is_active = False  # the first of the followers: the others still get theirs
    add_post(cast.discussion, cast.ana, "News", YESTERDAY)
    assert digest.send_digests(MORNING) == 3
    assert mail_to("olga@example.org") == []
    assert last_sent(cast.organiser) is None


# --- language --------------------------------------------------------------------------------


def test_each_in_their_language(cast: Cast):
    add_post(cast.discussion, cast.tesfaye, "Our plan is ready.", YESTERDAY)
    digest.send_digests(MORNING)
    [french] = mail_to("ana.souza@example.org")  # her registration's language
    assert message(french)["Content-Language"] == "fr"
    assert message(french)["Subject"] == (
        "1 nouveau message dans les discussions de « Governing migration at the local level »"
    )
    assert "Bonjour Ana Souza," in text_of(french)
    assert "Tesfaye Bekele a ouvert un sujet" in text_of(french)
    assert "12/2017" not in text_of(french) and "11 déc. 2017" in text_of(french)
    [spanish] = mail_to("lucia@example.org")
    assert message(spanish)["Content-Language"] == "es"
    assert message(spanish)["Subject"].startswith("1 mensaje nuevo")
    assert "Hola, Lucía Peres:" in text_of(spanish) or "Hola Lucía Peres" in text_of(spanish)
    # The team in their account's language: the facilitator chose French.
    [facilitator] = mail_to("fatou@example.org")
    assert message(facilitator)["Content-Language"] == "fr"
    [organiser] = mail_to("olga@example.org")
    assert message(organiser)["Subject"] == (
        "1 new message in the discussions of “Governing migration at the local level”"
    )


def test_several_posts_and_courses_in_the_subject(cast: Cast):
    second = make_cast(date(2017, 11, 27), slug="urban-2017", tag="2")
    make_registration(second.course, cast.tesfaye, language="en")
    add_post(cast.discussion, cast.ana, "One", YESTERDAY)
    add_post(cast.discussion, cast.lucia, "Two", YESTERDAY)
    add_post(second.discussion, second.ana, "Three", YESTERDAY)
    digest.send_digests(MORNING)
    [row] = mail_to("tesfaye@example.org")
    assert message(row)["Subject"] == "3 new messages in your course discussions"


# --- turning it off and on -------------------------------------------------------------------


def test_turned_off_no_digest_of_that_course(cast: Cast):
    services.set_digest(cast.tesfaye, cast.course, False, actor=cast.tesfaye, now=YESTERDAY)
    add_post(cast.discussion, cast.ana, "News", YESTERDAY)
    assert digest.send_digests(MORNING) == 3
    assert mail_to("tesfaye@example.org") == []


def test_turned_back_on_the_digest_holds_posts_from_then(cast: Cast):
    services.set_digest(cast.tesfaye, cast.course, False, actor=cast.tesfaye, now=YESTERDAY)
    add_post(cast.discussion, cast.ana, "While away", YESTERDAY + timedelta(hours=1))
    back = YESTERDAY + timedelta(hours=2)
    services.set_digest(cast.tesfaye, cast.course, True, actor=cast.tesfaye, now=back)
    add_post(cast.discussion, cast.ana, "Welcome back", back + timedelta(seconds=1))
    digest.send_digests(MORNING)
    text = only_mail_to("tesfaye@example.org")
    assert "Welcome back" in text and "While away" not in text


def test_a_course_with_only_one_s_own_posts_does_not_stop_the_next(cast: Cast):
    second = make_cast(date(2017, 11, 27), slug="urban-2017", tag="2")
    make_registration(second.course, cast.tesfaye, language="en")
    add_post(cast.discussion, cast.tesfaye, "My own", YESTERDAY)
    add_post(second.discussion, second.ana, "Theirs", YESTERDAY)
    digest.send_digests(MORNING)
    text = only_mail_to("tesfaye@example.org")
    assert "Theirs" in text and "My own" not in text


def test_the_first_course_sets_the_day_and_a_registration_the_language(cast: Cast):
    """The facilitator of the Turin course is a participant of a later course in Quito: her
    digest goes by Turin's morning (the first course), in her registration's Spanish."""
    quito = make_course(
        slug="quito-2017", start=date(2017, 11, 27), venue=make_venue("America/Guayaquil")
    )
    talk = FollowupActivity(course=quito, kind=ActivityKind.DISCUSSION, title="Charla")
    db.session.add(talk)
    make_registration(quito, cast.facilitator, language="es")
    db.session.flush()
    add_post(cast.discussion, cast.ana, "In Turin", YESTERDAY)
    add_post(talk, cast.ana, "En Quito", YESTERDAY)
    digest.send_digests(MORNING)  # 07:00 in Turin, 01:00 in Quito
    [row] = mail_to("fatou@example.org")
    assert message(row)["Content-Language"] == "es"
    text = text_of(row)
    assert text.index("In Turin") < text.index("En Quito")


def test_the_course_title_is_in_the_reader_s_language(cast: Cast):
    cast.course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local")
    )
    db.session.flush()
    add_post(cast.discussion, cast.tesfaye, "News", YESTERDAY)
    digest.send_digests(MORNING)
    [french] = mail_to("ana.souza@example.org")
    assert "« Gestion de la migration au niveau local »" in message(french)["Subject"]
    assert "== Gestion de la migration au niveau local ==" in text_of(french)
    assert "Governing" not in text_of(french).split("http")[0]


def test_turned_off_for_one_course_the_other_still_comes(cast: Cast):
    second = make_cast(date(2017, 11, 27), slug="urban-2017", tag="2")
    make_registration(second.course, cast.tesfaye, language="en")
    services.set_digest(cast.tesfaye, cast.course, False, actor=cast.tesfaye, now=YESTERDAY)
    add_post(cast.discussion, cast.ana, "First course", YESTERDAY)
    add_post(second.discussion, second.ana, "Second course", YESTERDAY)
    digest.send_digests(MORNING)
    text = only_mail_to("tesfaye@example.org")
    assert "Second course" in text and "First course" not in text


def test_the_mail_s_link_turns_off_its_course(cast: Cast):
    add_post(cast.discussion, cast.ana, "News", YESTERDAY)
    digest.send_digests(MORNING)
    text = only_mail_to("tesfaye@example.org")
    link = next(line for line in text.splitlines() if "/discussions/unsubscribe/" in line)
    token = link.strip().rsplit("/", 1)[1]
    assert digest.read_unsubscribe_token(token) == (cast.tesfaye, cast.course)


# --- the token -------------------------------------------------------------------------------


def test_a_token_names_its_person_and_course(cast: Cast):
    token = digest.unsubscribe_token(cast.ana, cast.course)
    assert digest.read_unsubscribe_token(token) == (cast.ana, cast.course)
    assert digest.unsubscribe_token(cast.lucia, cast.course) != token


SALT = "discussion-digest-unsubscribe"  # links in mail already sent depend on it


@pytest.mark.parametrize(
    "payload",
    [
        lambda u, c: [u],
        lambda u, c: [u, c, c],
        lambda u, c: [str(u), str(c)],
        lambda u, c: [u, str(c)],
        lambda u, c: [float(u), c],
        lambda u, c: {"user": u, "course": c},
        lambda u, c: (u, c, None),
        lambda u, c: None,
        lambda u, c: "x",
    ],
)
def test_a_token_signed_but_malformed_is_refused(cast: Cast, app: Flask, payload):
    value = payload(cast.ana.id, cast.course.id)
    signed = URLSafeSerializer(app.secret_key, salt=SALT).dumps(value)
    assert digest.read_unsubscribe_token(signed) is None


def test_a_token_is_signed_with_its_own_salt(cast: Cast, app: Flask):
    signed = URLSafeSerializer(app.secret_key, salt=SALT).dumps([cast.ana.id, cast.course.id])
    assert digest.read_unsubscribe_token(signed) == (cast.ana, cast.course)
    assert digest.unsubscribe_token(cast.ana, cast.course) == signed


def test_a_forged_or_foreign_token_is_refused(cast: Cast, app: Flask):
    token = digest.unsubscribe_token(cast.ana, cast.course)
    assert digest.read_unsubscribe_token(token[:-2] + "xx") is None
    assert digest.read_unsubscribe_token("nonsense") is None
    ids = [cast.ana.id, cast.course.id]
    other_salt = URLSafeSerializer(app.secret_key, salt="other").dumps(ids)
    assert digest.read_unsubscribe_token(other_salt) is None
    other_key = URLSafeSerializer("another key", salt=digest.TOKEN_SALT)
    assert digest.read_unsubscribe_token(other_key.dumps([cast.ana.id, cast.course.id])) is None


def test_a_token_for_someone_or_a_course_gone_is_refused(cast: Cast, app: Flask):
    serializer = URLSafeSerializer(app.secret_key, salt=digest.TOKEN_SALT)
    assert digest.read_unsubscribe_token(serializer.dumps([999_999, cast.course.id])) is None
    assert digest.read_unsubscribe_token(serializer.dumps([cast.ana.id, 999_999])) is None


# --- flask tick ------------------------------------------------------------------------------


def test_tick_delivers_the_digest_once_to_a_real_smtp_server(
    cast: Cast,
    smtp_server: SmtpServer,  # noqa: F811
):
    # 10 October 2017, 07:00 in Turin (CEST): no phase open, no course starting within a week.
    add_post(cast.discussion, cast.ana, "Our plan is ready.", at(2017, 10, 9, 15, 0))
    report = run_tick(at(2017, 10, 10, 5, 0))
    assert report.discussion_digests == 4
    assert "Discussion digests queued: 4." in report.summary()
    assert report.delivery.sent == 4
    assert {e.rcpt_tos[0] for e in smtp_server.envelopes} == FOLLOWERS - {"ana.souza@example.org"}
    delivered = next(e for e in smtp_server.envelopes if e.rcpt_tos == ["lucia@example.org"])
    mail = email.message_from_bytes(delivered.content, policy=policy.default)
    assert "Our plan is ready." in mail.get_body(preferencelist=("plain",)).get_content()
    again = run_tick(at(2017, 10, 10, 5, 5))
    assert again.discussion_digests == 0
    assert "Discussion digests" not in again.summary()
    assert len(smtp_server.envelopes) == 4


def test_a_discussion_of_another_kind_of_activity_is_not_read(cast: Cast):
    webinar = FollowupActivity(course=cast.course, kind=ActivityKind.WEBINAR, title="Webinar")
    db.session.add(webinar)
    db.session.flush()
    add_post(webinar, cast.ana, "Stray", YESTERDAY)
    assert digest.send_digests(MORNING) == 0


def test_the_claim_skips_someone_another_run_just_sent(cast: Cast):
    """A run that read the state before another run wrote it: the locked re-read (from the
    database, not from what the session holds) sees the digest went out."""
    db.session.add(DigestState(user_id=cast.tesfaye.id, last_sent_at=None))
    db.session.flush()
    held = db.session.get(DigestState, cast.tesfaye.id)
    assert digest._claim(cast.tesfaye.id, "Europe/Rome", MORNING) is held
    db.session.execute(
        sa.update(DigestState)
        .where(DigestState.user_id == cast.tesfaye.id)
        .values(last_sent_at=MORNING)
        .execution_options(synchronize_session=False)
    )
    assert held.last_sent_at is None  # what this run read
    assert digest._claim(cast.tesfaye.id, "Europe/Rome", MORNING) is None
    # Someone without a state yet gets one.
    assert digest._claim(cast.lucia.id, "Europe/Rome", MORNING).last_sent_at is None
    assert db.session.get(DigestState, cast.lucia.id) is not None


def test_someone_on_a_course_without_a_venue_has_a_utc_day(cast: Cast):
    online = make_course(slug="webinar-series", start=date(2017, 11, 20), venue=make_venue("UTC"))
    talk = FollowupActivity(course=online, kind=ActivityKind.DISCUSSION, title="Talk")
    db.session.add(talk)
    reader = make_user(email="reader@example.org")
    make_registration(online, reader)
    db.session.flush()
    add_post(talk, cast.ana, "Hi", YESTERDAY)
    assert digest.send_digests(at(2017, 12, 12, 6, 59, 59)) == 0
    assert digest.send_digests(at(2017, 12, 12, 7, 0)) == 1
