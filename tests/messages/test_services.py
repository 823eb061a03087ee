"""The rules of the organisers' mail, without HTTP: who it goes to, what each person gets,
scheduling with `flask tick`, cancelling, and the history."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, time, timedelta
from email import policy

import pytest
import sqlalchemy as sa

from app.core.timeutil import local_to_utc
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity, Submission
from app.mail.models import OutboxMessage, OutboxStatus
from app.messages import services
from app.messages.models import CourseMessage, MessageStatus
from app.messages.services import MessageError, Version
from app.registration.exports import DeskFilters
from app.registration.models import Attendance, OrganisationType, RegistrationStatus
from app.reminders import run_tick
from tests.factories import make_course, make_registration, make_user
from tests.messages.conftest import PEOPLE, option_id

S = RegistrationStatus
# Before either course: `flask tick` has nothing else to do for them then (no reminder, no
# evaluation), so what it queues is the messages'.
NOW = datetime(2017, 9, 1, 9, 0, tzinfo=UTC)

WELCOME = {
    "en": Version(
        "Welcome, {first_name}", "Dear {name},\n\n{course_title}, {dates}.\n{my_courses_url}"
    ),
    "fr": Version(
        "Bienvenue, {first_name}", "Chère {name},\n\n{course_title}, {dates}.\n{my_courses_url}"
    ),
    "es": Version(
        "Bienvenida, {first_name}", "Estimada {name},\n\n{course_title}, {dates}.\n{my_courses_url}"
    ),
}


def names(registrations):
    return [r.certificate_name for r in registrations]


def outbox():
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def parsed(row):
    return email.message_from_bytes(row.raw, policy=policy.default)


# --- who it goes to ----------------------------------------------------------------------------


def test_without_filters_everyone_the_desk_lists(workshop):
    found = services.recipients(workshop.course, now=NOW)
    assert names(found) == [person[0] for person in PEOPLE]


def test_filters_by_status_country_and_type(workshop):
    course = workshop.course
    confirmed = services.recipients(course, DeskFilters(status=S.CONFIRMED), now=NOW)
    assert names(confirmed) == ["Ana Souza", "Ana Sousa", "Lucía Pérez", "Tesfaye Bekele"]
    brazil = services.recipients(course, DeskFilters(country="BR"), now=NOW)
    assert names(brazil) == ["Ana Souza", "Anna Souza"]
    local = services.recipients(
        course,
        DeskFilters(status=S.CONFIRMED, organisation_type=OrganisationType.LOCAL_GOVERNMENT),
        now=NOW,
    )
    assert names(local) == ["Ana Souza", "Lucía Pérez"]


def test_filters_by_a_choice_answer(workshop):
    wanted = str(option_id(workshop, "Africa"))
    found = services.recipients(
        workshop.course, DeskFilters(answers=((workshop.question.id, wanted),)), now=NOW
    )
    assert names(found) == ["Tesfaye Bekele", "Tesfaye Bekele Alemu"]


def test_search_by_a_name_finds_only_that_name(workshop):
    found = services.recipients(workshop.course, DeskFilters(search="Ana Sou"), now=NOW)
    # "Anna Souza" and the neighbour's "Ana Souza Lima" are not "Ana Sou…" of this course.
    assert names(found) == ["Ana Souza", "Ana Sousa"]


def test_ticked_ones_only_and_only_of_this_course(workshop, neighbour):
    course = workshop.course
    ticked = [*workshop.ids("Lucía Pérez", "Ana Sousa"), neighbour.registrations[0].id]
    found = services.recipients(course, ticked=ticked, now=NOW)
    assert names(found) == ["Ana Sousa", "Lucía Pérez"]
    # Ticked and filtered: both apply.
    found = services.recipients(course, DeskFilters(country="CO"), ticked=ticked, now=NOW)
    assert names(found) == ["Lucía Pérez"]
    assert services.recipients(course, ticked=[], now=NOW) == []


def test_who_is_missing_what_from_the_progress_matrix(workshop):
    course = workshop.course
    plan = FollowupActivity(
        course=course, kind=ActivityKind.ASSIGNMENT, title="Local action plan", is_required=True
    )
    db.session.add(plan)
    people = workshop.people
    for name in ("Ana Souza", "Ana Sousa", "Lucía Pérez", "Tesfaye Bekele"):
        days = 5 if name != "Ana Sousa" else 2
        for day in course.day_dates[:days]:
            people[name].attendance.append(Attendance(day=day))
    db.session.flush()
    for name in ("Ana Souza", "Ana Sousa"):
        db.session.add(
            Submission(
                activity=plan,
                registration=people[name],
                text="Plan",
                completed_at=NOW,
                submitted_at=NOW,
            )
        )
    db.session.flush()
    after = datetime(2017, 12, 1, tzinfo=UTC)
    lacking_plan = services.recipients(course, missing=f"activity-{plan.id}", now=after)
    assert names(lacking_plan) == ["Lucía Pérez", "Tesfaye Bekele"]
    lacking_days = services.recipients(course, missing="attendance", now=after)
    assert names(lacking_days) == ["Ana Sousa"]
    lacking_any = services.recipients(course, missing="any", now=after)
    assert names(lacking_any) == ["Ana Sousa", "Lucía Pérez", "Tesfaye Bekele"]


# --- what each person gets ---------------------------------------------------------------------


def test_each_person_gets_their_language_with_placeholders_filled(workshop):
    course = workshop.course
    chosen = services.recipients(course, DeskFilters(status=S.CONFIRMED), now=NOW)
    message = services.compose(course, WELCOME, chosen, actor=workshop.organiser, now=NOW)
    db.session.commit()
    assert message.status == MessageStatus.SENT
    assert message.sent_at == NOW and message.created_at == NOW
    assert message.author_id == workshop.organiser.id
    assert message.locales == ["en", "es", "fr"]
    rows = {row.recipient: parsed(row) for row in outbox()}
    assert set(rows) == {
        "ana.souza@example.com",
        "ana.sousa@example.com",
        "lucia.perez@example.com",
        "tesfaye@example.com",
    }
    ana = rows["ana.souza@example.com"]
    assert ana["Subject"] == "Bienvenue, Ana"
    assert ana["Content-Language"] == "fr"
    body = ana.get_content()
    assert "Chère Ana Souza," in body
    assert "Gestion de la migration au niveau local, 20–24 nov. 2017." in body
    assert "http://atelier.test/my/courses" in body
    assert "Vous recevez ce message" in body or "participant" in body
    lucia = rows["lucia.perez@example.com"]
    assert lucia["Subject"] == "Bienvenida, Lucía"
    assert "Estimada Lucía Pérez," in lucia.get_content()
    assert "20–24 de noviembre de 2017" in lucia.get_content()
    assert rows["tesfaye@example.com"]["Subject"] == "Welcome, Tesfaye"
    locales = {r.registration.certificate_name: r.locale for r in message.recipients}
    assert locales == {
        "Ana Souza": "fr",
        "Ana Sousa": "es",
        "Lucía Pérez": "es",
        "Tesfaye Bekele": "en",
    }


def test_without_their_language_the_courses_default_else_the_first_written(workshop):
    course = workshop.course
    people = workshop.people
    french_and_english = {"fr": WELCOME["fr"], "en": WELCOME["en"]}
    rendered = services.render(french_and_english, people["Lucía Pérez"], "en")
    assert (rendered.locale, rendered.subject) == ("en", "Welcome, Lucía")
    # Written in French and Spanish only: English readers get the first the course lists.
    assert services.default_locale(course, ["es", "fr"]) == "fr"
    assert services.default_locale(course, ["es"]) == "es"
    assert services.default_locale(course, ["fr", "en"]) == "en"
    message = services.compose(
        course,
        {"fr": WELCOME["fr"], "es": WELCOME["es"]},
        [people["Tesfaye Bekele"], people["Lucía Pérez"]],
        actor=workshop.organiser,
        now=NOW,
    )
    assert message.default_locale == "fr"
    subjects = {row.recipient: row.subject for row in outbox()}
    assert subjects == {
        "tesfaye@example.com": "Bienvenue, Tesfaye",
        "lucia.perez@example.com": "Bienvenida, Lucía",
    }


def test_a_language_left_empty_is_not_written_in(workshop):
    versions = {**WELCOME, "es": Version("  ", "\n")}
    kept = services.check_versions(workshop.course, versions)
    assert sorted(kept) == ["en", "fr"]
    assert kept["en"] == Version("Welcome, {first_name}", WELCOME["en"].body)


def test_unknown_placeholders_are_refused_with_those_that_exist(workshop):
    versions = {"fr": Version("Bienvenue {prenom}", "Bonjour {first_name}, voir {lien} et {lien}")}
    with pytest.raises(MessageError) as refused:
        services.compose(
            workshop.course,
            versions,
            [workshop.people["Ana Souza"]],
            actor=workshop.organiser,
            now=NOW,
        )
    errors = {key: [str(m) for m in value] for key, value in refused.value.errors.items()}
    known = "{first_name}, {name}, {course_title}, {dates}, {my_courses_url}"
    assert errors == {
        "subject_fr": [f"Unknown placeholders: {{prenom}}. Those that exist: {known}."],
        "body_fr": [f"Unknown placeholders: {{lien}}. Those that exist: {known}."],
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseMessage)) == 0
    assert outbox() == []


@pytest.mark.parametrize(
    "subject", ["Hello\nBcc: everyone@example.net", "Hello\r\nBcc: x@example.net", "Hi\rthere"]
)
def test_a_subject_on_several_lines_is_refused(workshop, subject):
    with pytest.raises(MessageError) as refused:
        services.check_versions(workshop.course, {"en": Version(subject, "Body")})
    assert [str(m) for m in refused.value.errors["subject_en"]] == [
        "The subject must be on one line."
    ]


def test_a_name_with_a_line_break_cannot_add_a_header(workshop):
    ana = workshop.people["Ana Souza"]
    ana.certificate_name = "Ana\r\nBcc: everyone@example.net"
    services.compose(
        workshop.course,
        {"fr": Version("Pour {name}", "Bonjour {name}")},
        [ana],
        actor=workshop.organiser,
        now=NOW,
    )
    [row] = outbox()
    mail = parsed(row)
    assert mail["Bcc"] is None
    assert mail["Subject"] == "Pour Ana Bcc: everyone@example.net"
    assert row.recipient == "ana.souza@example.com"


def test_other_refusals(workshop):
    course, ana = workshop.course, workshop.people["Ana Souza"]

    def refusal(versions, people=(ana,), **kwargs):
        with pytest.raises(MessageError) as refused:
            services.compose(
                course, versions, list(people), actor=workshop.organiser, now=NOW, **kwargs
            )
        return {key: [str(m) for m in value] for key, value in refused.value.errors.items()}

    assert refusal({}) == {
        "subject_en": ["Write the message in at least one of the course's languages."]
    }
    assert refusal({"en": Version("", "Body")}) == {"subject_en": ["Write a subject."]}
    assert refusal({"en": Version("Subject", "")}) == {"body_en": ["Write the message."]}
    assert refusal({"en": Version("S" * 201, "B" * 20_001)}) == {
        "subject_en": ["At most 200 characters."],
        "body_en": ["At most 20000 characters."],
    }
    assert refusal({"de": Version("Hallo", "Text")}) == {
        None: ["The course is not taught in this language: de."]
    }
    assert refusal({"en": Version("Hi", "Text")}, people=()) == {
        None: ["Nobody to write to: no participant matches."]
    }
    stranger = make_registration(make_course(slug="elsewhere"), make_user())
    assert refusal({"en": Version("Hi", "Text")}, people=(ana, stranger)) == {
        None: ["Some recipients are not participants of this course."]
    }
    assert refusal({"en": Version("Hi", "Text")}, send_at=NOW) == {
        "send_at": ["Choose a time in the future."]
    }
    # Exactly 200 and 20000 characters are fine.
    services.check_versions(course, {"en": Version("S" * 200, "B" * 20_000)})
    assert outbox() == []


def test_test_copy_goes_to_the_organiser_only(workshop):
    row = services.send_test(
        workshop.course, WELCOME, workshop.people["Lucía Pérez"], actor=workshop.organiser
    )
    assert row.recipient == "olga@example.org"
    mail = parsed(row)
    assert mail["Subject"] == "[Prueba] Bienvenida, Lucía"
    assert "Lucía Pérez" in mail.get_content()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseMessage)) == 0
    assert [r.recipient for r in outbox()] == ["olga@example.org"]


# --- scheduling --------------------------------------------------------------------------------


def schedule(workshop, at, people=("Ana Souza", "Lucía Pérez"), now=NOW):
    return services.compose(
        workshop.course,
        WELCOME,
        [workshop.people[n] for n in people],
        actor=workshop.organiser,
        now=now,
        send_at=at,
    )


def test_a_scheduled_message_waits_then_tick_sends_it_once(workshop):
    at = local_to_utc(NOW.date() + timedelta(days=2), time(8, 30), "Europe/Rome")
    message = schedule(workshop, at)
    db.session.commit()
    assert message.status == MessageStatus.SCHEDULED and message.sent_at is None
    assert outbox() == []
    assert [services.delivery_status(r) for r in message.recipients] == ["waiting", "waiting"]
    # The minute before: nothing.
    assert run_tick(at - timedelta(minutes=1)).scheduled_messages == 0
    assert outbox() == []
    # At the minute: queued once; the next ticks find it sent.
    report = run_tick(at)
    assert report.scheduled_messages == 1
    assert "Organisers' scheduled messages sent: 1." in report.summary()
    assert run_tick(at + timedelta(minutes=1)).scheduled_messages == 0
    assert run_tick(at + timedelta(days=1)).scheduled_messages == 0
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT and message.sent_at == at
    assert sorted(r.recipient for r in outbox()) == [
        "ana.souza@example.com",
        "lucia.perez@example.com",
    ]
    assert [services.delivery_status(r) for r in message.recipients] == ["queued", "queued"]


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        # Summer time ends in Turin on Sunday 29 October 2017: 08:00 is 06:00 UTC before.
        (date(2017, 10, 28), 6),
        (date(2017, 10, 30), 7),
        # It starts on Sunday 26 March 2017.
        (date(2017, 3, 25), 7),
        (date(2017, 3, 27), 6),
    ],
)
def test_venue_time_across_daylight_saving_weeks(workshop, day, utc_hour):
    at = local_to_utc(day, time(8, 0), "Europe/Rome")
    assert at == datetime.combine(day, time(utc_hour, 0), tzinfo=UTC)
    message = schedule(workshop, at, now=at - timedelta(days=3))
    db.session.commit()
    # The send step of `flask tick` (the neighbour's reminders fall in the October week).
    assert services.send_due(at - timedelta(seconds=1)) == 0
    assert services.send_due(at) == 1
    db.session.commit()
    assert services.send_due(at + timedelta(hours=1)) == 0
    assert len(outbox()) == 2
    assert message.id


def test_only_messages_due_go_and_in_their_order(workshop):
    early = schedule(workshop, NOW + timedelta(hours=1), people=("Ana Souza",))
    late = schedule(workshop, NOW + timedelta(hours=2), people=("Lucía Pérez",))
    db.session.commit()
    assert services.send_due(NOW + timedelta(hours=1)) == 1
    assert (early.status, late.status) == (MessageStatus.SENT, MessageStatus.SCHEDULED)
    assert [r.recipient for r in outbox()] == ["ana.souza@example.com"]


def test_a_message_another_run_took_is_not_sent_again(workshop, app):
    message = schedule(workshop, NOW + timedelta(hours=1))
    db.session.commit()
    # Another tick (another connection) takes it and commits first.
    with db.engine.begin() as other:
        other.execute(
            sa.update(CourseMessage)
            .where(CourseMessage.id == message.id)
            .values(status=MessageStatus.SENT)
        )
    assert services._take(message, MessageStatus.SENT) is False
    assert services.send_due(NOW + timedelta(hours=2)) == 0
    assert outbox() == []


def test_cancel_before_it_goes(workshop):
    message = schedule(workshop, NOW + timedelta(hours=1))
    db.session.commit()
    later = NOW + timedelta(minutes=10)
    services.cancel(message, actor=workshop.organiser, now=later)
    db.session.commit()
    assert message.status == MessageStatus.CANCELLED
    assert (message.cancelled_at, message.cancelled_by_id) == (later, workshop.organiser.id)
    assert run_tick(NOW + timedelta(hours=2)).scheduled_messages == 0
    assert outbox() == []
    assert [services.delivery_status(r) for r in message.recipients] == ["not_sent", "not_sent"]
    with pytest.raises(MessageError):
        services.cancel(message, actor=workshop.organiser, now=later)


def test_a_sent_message_cannot_be_cancelled(workshop):
    message = services.compose(
        workshop.course, WELCOME, [workshop.people["Ana Souza"]], actor=workshop.organiser, now=NOW
    )
    with pytest.raises(MessageError) as refused:
        services.cancel(message, actor=workshop.organiser, now=NOW)
    assert str(refused.value) == "Only a message waiting for its time can be cancelled."
    assert message.status == MessageStatus.SENT and message.cancelled_at is None


# --- history -----------------------------------------------------------------------------------


def test_history_and_delivery_status_from_the_outbox(workshop):
    course, people = workshop.course, workshop.people
    first = services.compose(
        course,
        WELCOME,
        [people["Ana Souza"], people["Lucía Pérez"], people["Tesfaye Bekele"]],
        actor=workshop.organiser,
        now=NOW,
    )
    second = schedule(
        workshop, NOW + timedelta(days=1), people=("Ana Souza",), now=NOW + timedelta(minutes=5)
    )
    db.session.commit()
    ana, lucia, tesfaye = first.recipients
    ana.outbox.status = OutboxStatus.SENT
    lucia.outbox.status = OutboxStatus.FAILED
    db.session.commit()
    assert [m.id for m in services.history(course)] == [second.id, first.id]
    assert [services.delivery_status(r) for r in first.recipients] == ["sent", "failed", "queued"]
    assert services.delivery_counts(first) == {"sent": 1, "failed": 1, "queued": 1}
    # The outbox row pruned: the copy is "not sent" rather than unknown.
    db.session.delete(tesfaye.outbox)
    db.session.commit()
    db.session.refresh(tesfaye)
    assert services.delivery_status(tesfaye) == "not_sent"

    received = services.received(people["Ana Souza"])
    assert [(r.subject, r.status, r.when) for r in received] == [
        ("Bienvenue, {first_name}", "waiting", NOW + timedelta(days=1)),
        ("Bienvenue, {first_name}", "sent", NOW),
    ]
    assert received[0].status_label == "Scheduled"
    assert [r.status for r in services.received(people["Lucía Pérez"])] == ["failed"]
    assert services.received(people["Anna Souza"]) == []
    services.cancel(second, actor=workshop.organiser, now=NOW)
    assert [r.message.id for r in services.received(people["Ana Souza"])] == [first.id]
    assert services.history(workshop.course)[0].status == MessageStatus.CANCELLED


def test_a_course_without_languages_takes_its_default_one(workshop):
    course = workshop.course
    course.languages = ""
    course.default_locale = "fr"
    assert services.course_languages(course) == ["fr"]
    assert sorted(services.check_versions(course, {"fr": WELCOME["fr"]})) == ["fr"]
    with pytest.raises(MessageError) as refused:
        services.check_versions(course, {})
    assert list(refused.value.errors) == ["subject_fr"]
    with pytest.raises(MessageError) as refused:
        services.check_versions(course, {"en": WELCOME["en"]})
    assert list(refused.value.errors) == [None]


def test_the_audience_is_kept_in_words_up_to_500_characters(workshop):
    message = services.compose(
        workshop.course,
        WELCOME,
        [workshop.people["Ana Souza"]],
        actor=workshop.organiser,
        now=NOW,
        audience="Country: Brazil · " + "x" * 600,
    )
    assert message.audience.startswith("Country: Brazil · x")
    assert len(message.audience) == 500


def test_messages_due_together_go_in_their_order(workshop):
    later = schedule(workshop, NOW + timedelta(hours=2), people=("Lucía Pérez",))
    sooner = schedule(workshop, NOW + timedelta(hours=1), people=("Ana Souza",))
    db.session.commit()
    assert services.send_due(NOW + timedelta(hours=3)) == 2
    assert [r.recipient for r in outbox()] == ["ana.souza@example.com", "lucia.perez@example.com"]
    assert sooner.sent_at == later.sent_at == NOW + timedelta(hours=3)


def test_the_footer_names_the_course_in_the_persons_language(workshop):
    workshop.course.contact_email = "turin@example.org"
    services.compose(
        workshop.course,
        WELCOME,
        [workshop.people["Ana Souza"], workshop.people["Lucía Pérez"]],
        actor=workshop.organiser,
        now=NOW,
    )
    french, spanish = (parsed(row).get_content() for row in outbox())
    assert (
        "Vous recevez ce message en tant que participant à « Gestion de la migration au niveau "
        "local »." in french
    )
    assert "Questions : turin@example.org" in french
    assert "Recibe este mensaje como participante en «Gestión de la migración a nivel local»." in (
        spanish
    )


def test_delivery_labels():
    assert {key: str(label) for key, label in services.DELIVERY_LABELS.items()} == {
        "queued": "Queued",
        "sent": "Sent",
        "failed": "Failed",
        "waiting": "Scheduled",
        "not_sent": "Not sent",
        "left": "Not sent: no longer a participant",
    }


def test_every_language_is_checked_even_after_one_the_course_has_not(workshop):
    with pytest.raises(MessageError) as refused:
        services.check_versions(
            workshop.course, {"de": Version("Hallo", "Text"), "en": Version("", "Body")}
        )
    assert {k: [str(m) for m in v] for k, v in refused.value.errors.items()} == {
        None: ["The course is not taught in this language: de."],
        "subject_en": ["Write a subject."],
    }


def test_several_unknown_placeholders_are_listed_with_commas(workshop):
    with pytest.raises(MessageError) as refused:
        services.check_versions(workshop.course, {"en": Version("Hi", "{a} and {b} and {a}")})
    [error] = refused.value.errors["body_en"]
    assert str(error).startswith("Unknown placeholders: {a}, {b}. Those that exist: ")


def test_without_an_audience_none_is_written(workshop):
    message = services.compose(
        workshop.course, WELCOME, [workshop.people["Ana Souza"]], actor=workshop.organiser, now=NOW
    )
    assert message.audience == ""


def test_counts_of_a_scheduled_message(workshop):
    message = schedule(workshop, NOW + timedelta(hours=1))
    assert services.delivery_counts(message) == {"waiting": 2}


def test_history_newest_written_first_then_newest_id(workshop):
    # Written later but stored first (ids do not give the order), then two at the same time.
    later = schedule(workshop, NOW + timedelta(days=3), now=NOW + timedelta(hours=1))
    earlier = schedule(workshop, NOW + timedelta(days=3), now=NOW)
    same_a = schedule(workshop, NOW + timedelta(days=3), now=NOW - timedelta(hours=1))
    same_b = schedule(workshop, NOW + timedelta(days=3), now=NOW - timedelta(hours=1))
    db.session.commit()
    expected = [later.id, earlier.id, same_b.id, same_a.id]
    assert [m.id for m in services.history(workshop.course)] == expected
    ana = workshop.people["Ana Souza"]
    assert [r.message.id for r in services.received(ana)] == expected


def test_the_test_copy_in_full(workshop):
    only_fr_es = {"fr": WELCOME["fr"], "es": WELCOME["es"]}
    row = services.send_test(
        workshop.course, only_fr_es, workshop.people["Lucía Pérez"], actor=workshop.organiser
    )
    body = parsed(row).get_content()
    assert "Copia de prueba: este es el mensaje tal como lo recibirá Lucía Pérez." in body
    assert "Estimada Lucía Pérez," in body
    assert "Recibe este mensaje como participante en «Gestión de la migración a nivel local»." in (
        body
    )
    assert "Preguntas: migration@example.org" in body
    # Someone whose language was not written in: the first of the course's that was (French).
    row = services.send_test(
        workshop.course, only_fr_es, workshop.people["Tesfaye Bekele"], actor=workshop.organiser
    )
    assert parsed(row)["Subject"] == "[Test] Bienvenue, Tesfaye"


def test_who_cancels_before_a_scheduled_message_goes_is_not_sent_it(workshop):
    """Written on Monday for Wednesday 08:30 to Ana Souza, Lucía Pérez and Tesfaye Bekele,
    who had already cancelled (the organiser chose to write to him too). Lucía cancels on
    Tuesday: on Wednesday Ana and Tesfaye get it, Lucía does not, and the history says why."""
    from app.registration import services as registration_services

    tesfaye = workshop.people["Tesfaye Bekele"]
    tesfaye.status = RegistrationStatus.CANCELLED
    at = local_to_utc(NOW.date() + timedelta(days=2), time(8, 30), "Europe/Rome")
    message = schedule(workshop, at, people=("Ana Souza", "Lucía Pérez", "Tesfaye Bekele"))
    db.session.commit()
    registration_services.cancel(
        workshop.people["Lucía Pérez"], actor=workshop.organiser, now=NOW + timedelta(days=1)
    )
    db.session.commit()

    assert services.send_due(at) == 1
    db.session.commit()
    # (Lucía's seat went to Anna Souza from the waiting list: those mails are the desk's.)
    assert sorted(r.outbox.recipient for r in message.recipients if r.outbox) == [
        "ana.souza@example.com",
        "tesfaye@example.com",
    ]
    statuses = {
        r.registration.certificate_name: services.delivery_status(r) for r in message.recipients
    }
    assert statuses == {"Ana Souza": "queued", "Lucía Pérez": "left", "Tesfaye Bekele": "queued"}
    assert services.DELIVERY_LABELS["left"] == "Not sent: no longer a participant"
    assert [r.status_when_written for r in message.recipients] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CANCELLED,
    ]
