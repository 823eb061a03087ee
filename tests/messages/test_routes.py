"""The organisers' mail pages: from the desk to the compose page, preview, test copy, sending,
scheduling in venue time, cancelling, the history and the desk's page of one participant."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.messages.models import CourseMessage, MessageStatus
from tests.conftest import login

BASE = "/courses/governing-2017"


def outbox():
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def messages():
    return list(db.session.scalars(sa.select(CourseMessage).order_by(CourseMessage.id)))


def text(response):
    return response.get_data(as_text=True)


def form(**values):
    data = {"started": "1", "subject_en": "", "body_en": "", "subject_fr": "", "body_fr": ""}
    data.update({"subject_es": "", "body_es": ""})
    data.update(values)
    return data


def test_compose_page_documents_the_placeholders_and_lists_the_recipients(client, workshop):
    login(client, workshop.organiser)
    page = text(client.get(f"{BASE}/messages/new?status=confirmed&country=BR"))
    for token in ("{first_name}", "{name}", "{course_title}", "{dates}", "{my_courses_url}"):
        assert token in page
    assert "To 1 person" in page
    assert "Status: Confirmed · Country: Brazil" in page
    assert "Ana Souza" in page and "Anna Souza" not in page
    assert 'name="subject_fr"' in page and 'name="body_es"' in page


def test_desk_links_to_compose_with_its_filters_and_the_tab(client, workshop):
    login(client, workshop.organiser)
    page = text(client.get(f"{BASE}/participants?status=confirmed&country=BR"))
    assert f"{BASE}/messages/new?" in page
    assert "Write to this participant" in page
    # Ticking is enough: the bulk form's action choice is not asked for writing.
    assert f'value="selected" formnovalidate formaction="{BASE}/messages/new?' in page
    assert f'href="{BASE}/messages"' in page  # the Messages tab


def test_ticked_on_the_desk_then_sent(client, workshop):
    login(client, workshop.organiser)
    ids = workshop.ids("Lucía Pérez", "Ana Sousa")
    # The desk's bulk form, sent to the compose page by its "Write to the selected" button.
    page = client.post(
        f"{BASE}/messages/new", data={"registration_ids": ids, "action": "", "write": "selected"}
    )
    assert page.status_code == 200
    body = text(page)
    assert "To 2 people" in body and "2 selected" in body
    assert "This field is required" not in body and "Write a subject" not in body
    response = client.post(
        f"{BASE}/messages/new",
        data=form(
            registration_ids=ids,
            subject_es="Hola {first_name}",
            body_es="Estimada {name}: {my_courses_url}",
            subject_en="Hello {first_name}",
            body_en="Dear {name}",
            send="Send",
        ),
    )
    [message] = messages()
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/messages/{message.id}"
    assert message.status == MessageStatus.SENT
    assert message.audience == "2 selected"
    assert sorted((r.recipient, r.subject) for r in outbox()) == [
        ("ana.sousa@example.com", "Hola Ana"),
        ("lucia.perez@example.com", "Hola Lucía"),
    ]


def test_ticking_nobody_sends_back_to_the_desk(client, workshop):
    login(client, workshop.organiser)
    response = client.post(f"{BASE}/messages/new?status=confirmed", data={"write": "selected"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/participants?status=confirmed"
    assert messages() == []


def test_preview_shows_the_chosen_persons_version(client, workshop):
    login(client, workshop.organiser)
    lucia = workshop.people["Lucía Pérez"]
    page = text(
        client.post(
            f"{BASE}/messages/new?status=confirmed",
            data=form(
                subject_fr="Bienvenue {first_name}",
                body_fr="Bonjour {name}, à bientôt.",
                subject_es="Bienvenida {first_name}",
                body_es="Hola {name} <b>, {course_title}: {my_courses_url}",
                preview_for=str(lucia.id),
                preview="Preview",
            ),
        )
    )
    assert "Preview for Lucía Pérez (Español)" in page
    assert "Bienvenida Lucía" in page
    assert (
        "Hola Lucía Pérez &lt;b&gt;, Gestión de la migración a nivel local: "
        "http://atelier.test/my/courses" in page
    )
    assert messages() == [] and outbox() == []


def test_unknown_placeholder_refused_beside_the_field(client, workshop):
    login(client, workshop.organiser)
    response = client.post(
        f"{BASE}/messages/new?status=confirmed",
        data=form(subject_fr="Bonjour {prenom}", body_fr="Texte", send="Send"),
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="subject_fr-errors"' in page
    assert "Unknown placeholders: {prenom}. Those that exist: {first_name}, {name}" in page
    assert messages() == [] and outbox() == []


def test_subject_with_a_line_break_refused(client, workshop):
    login(client, workshop.organiser)
    response = client.post(
        f"{BASE}/messages/new?status=confirmed",
        data=form(subject_en="Hi\r\nBcc: all@example.net", body_en="Text", send="Send"),
    )
    assert response.status_code == 200
    assert 'id="subject_en-errors"' in text(response)
    assert messages() == [] and outbox() == []


def test_test_copy_to_the_organiser(client, workshop):
    login(client, workshop.organiser)
    ana = workshop.people["Ana Souza"]
    response = client.post(
        f"{BASE}/messages/new?status=confirmed",
        data=form(
            subject_fr="Bienvenue {first_name}",
            body_fr="Bonjour",
            preview_for=str(ana.id),
            test="Send me a test",
        ),
    )
    assert response.status_code == 200
    assert "A test copy is on its way to olga@example.org." in text(response)
    # The text typed stays in the form.
    assert "Bienvenue {first_name}" in text(response)
    [row] = outbox()
    assert row.recipient == "olga@example.org"
    assert row.subject.endswith("Bienvenue Ana")
    assert messages() == []


def test_schedule_in_venue_time_and_cancel(client, workshop):
    login(client, workshop.organiser)
    response = client.post(
        f"{BASE}/messages/new?status=confirmed",
        data=form(
            subject_en="Bus to the study visit",
            body_en="The bus leaves at 8:15.",
            send_on="2099-03-30",
            send_time="07:30",
            send="Send",
        ),
    )
    [message] = messages()
    assert response.status_code == 302
    assert message.status == MessageStatus.SCHEDULED
    # 07:30 in Turin on 30 March 2099 is summer time (UTC+2).
    assert message.send_at == datetime(2099, 3, 30, 5, 30, tzinfo=UTC)
    assert outbox() == []
    page = text(client.get(f"{BASE}/messages/{message.id}"))
    assert "Scheduled" in page and "Cancel this message" in page
    response = client.post(f"{BASE}/messages/{message.id}/cancel")
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.status == MessageStatus.CANCELLED
    assert message.cancelled_by_id == workshop.organiser.id
    # Twice: told, nothing changes.
    response = client.post(f"{BASE}/messages/{message.id}/cancel", follow_redirects=True)
    assert "Only a message waiting for its time can be cancelled." in text(response)


def test_schedule_refusals_beside_the_fields(client, workshop):
    login(client, workshop.organiser)
    base = form(subject_en="Hi", body_en="Text", send="Send")
    half = text(client.post(f"{BASE}/messages/new", data={**base, "send_on": "2099-01-05"}))
    assert "Give both the day and the time, or neither." in half
    # 02:30 on 29 March 2099 does not exist in Turin (the clocks go from 02:00 to 03:00).
    gap = text(
        client.post(
            f"{BASE}/messages/new",
            data={**base, "send_on": "2099-03-29", "send_time": "02:30"},
        )
    )
    assert "This time does not exist at the venue that day" in gap
    past = text(
        client.post(
            f"{BASE}/messages/new",
            data={**base, "send_on": "2001-01-01", "send_time": "09:00"},
        )
    )
    assert "Choose a time in the future." in past
    assert messages() == []


def test_history_and_the_participants_page(client, workshop):
    login(client, workshop.organiser)
    client.post(
        f"{BASE}/messages/new?status=confirmed&country=BR",
        data=form(
            subject_fr="Lecture pour lundi",
            body_fr="Chapitre 2",
            subject_en="Reading for Monday",
            body_en="Chapter 2",
            send="Send",
        ),
    )
    [message] = messages()
    [copy] = outbox()
    copy.status = OutboxStatus.FAILED
    db.session.commit()
    page = text(client.get(f"{BASE}/messages"))
    assert "Reading for Monday" in page
    assert "Olga Organiser" in page
    assert "EN, FR" in page
    assert "Failed: 1" in page
    page = text(client.get(f"{BASE}/messages/{message.id}"))
    assert "Ana Souza" in page and "Français" in page and "Failed" in page
    ana = workshop.people["Ana Souza"]
    page = text(client.get(f"{BASE}/participants/{ana.id}"))
    assert "Lecture pour lundi" in page and "Failed" in page
    lucia = workshop.people["Lucía Pérez"]
    page = text(client.get(f"{BASE}/participants/{lucia.id}"))
    assert "No message written to this person yet." in page


def test_facilitators_see_the_messages_on_the_desk_but_cannot_write(client, workshop):
    login(client, workshop.facilitator)
    assert client.get(f"{BASE}/messages/new").status_code == 403
    assert client.get(f"{BASE}/messages").status_code == 403
    page = text(client.get(f"{BASE}/participants"))
    assert "Write to the selected" not in page and "/messages/new" not in page


def test_another_courses_message_is_not_found_here(client, workshop):
    from app.messages import services
    from tests.factories import make_course, make_registration

    elsewhere = make_course(slug="elsewhere", organisers=(workshop.organiser,))
    other = services.compose(
        elsewhere,
        {"en": services.Version("Hi", "Text")},
        [make_registration(elsewhere)],
        actor=workshop.organiser,
        now=datetime(2017, 9, 1, tzinfo=UTC),
        send_at=datetime(2099, 1, 1, tzinfo=UTC),
    )
    db.session.commit()
    login(client, workshop.organiser)
    assert client.get(f"/courses/elsewhere/messages/{other.id}").status_code == 200
    assert client.get(f"{BASE}/messages/{other.id}").status_code == 404
    assert client.post(f"{BASE}/messages/{other.id}/cancel").status_code == 404
    db.session.refresh(other)
    assert other.status == MessageStatus.SCHEDULED
