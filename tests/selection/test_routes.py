"""The selection pages through the test client: the list, an application with its review form,
decisions from the list, and the criteria."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.applications.models import Answer, QuestionKind
from app.applications.services import QuestionData, TextData, create_question
from app.extensions import db
from app.registration.models import RegistrationStatus
from app.selection import services
from app.selection.models import Review, SelectionCriterion
from tests.conftest import login
from tests.factories import make_registration
from tests.selection.conftest import review

S = RegistrationStatus


def page(client, url: str) -> str:
    """The page, its entities read (so "others' scores" is found however it was escaped)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def flashes(client, response) -> str:
    """The page a redirect leads to, where its messages are shown."""
    assert response.status_code == 302, response.status_code
    return page(client, response.headers["Location"])


def row_html(html: str, registration) -> str:
    [found] = re.findall(rf'<tr id="application-{registration.id}">(.*?)</tr>', html, re.S)
    return found


def rows_in_order(html: str) -> list[str]:
    return re.findall(r'<td class="applicant">\s*<a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def scored(reviewer, second_reviewer, criteria, applicants):
    """Ana Souza scored 4, 5, 1 and 2, 5, 4 (the last criterion 3 points apart); Ana Sousa
    scored 3, 3, 3 by the second reviewer only."""
    review(applicants[0], reviewer, 4, 5, 1)
    review(applicants[0], second_reviewer, 2, 5, 4)
    review(applicants[1], second_reviewer, 3, 3, 3)
    db.session.commit()
    return applicants


def url(course, rest: str = "") -> str:
    return f"/courses/{course.slug}/selection{rest}"


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_the_organiser_each_mean_overall_and_spread(
    client, course, organiser, scored
):
    login(client, organiser)
    html = page(client, url(course))
    cells = re.findall(r'<td class="number"[^>]*>(.*?)</td>', row_html(html, scored[0]), re.S)
    text = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    assert text == ["2", "3.0", "5.0", "2.5", "3.5", "3disagree"]


def test_a_mean_halfway_between_two_tenths_is_rounded_up_in_the_viewers_language(
    client, course, organiser, reviewer, second_reviewer, criteria, applicants
):
    # Two criteria asked: 4.5 and 4.0 make 4.25, which a committee reads as 4.3, not 4.2.
    services.retire_criterion(criteria[2], actor=organiser)
    review(applicants[0], reviewer, 5, 4)
    review(applicants[0], second_reviewer, 4, 4)
    db.session.commit()
    login(client, organiser)
    cells = re.findall(
        r'<td class="number"[^>]*>(.*?)</td>',
        row_html(page(client, url(course)), applicants[0]),
        re.S,
    )
    assert [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells][1:4] == ["4.5", "4.0", "4.3"]
    client.post("/language", data={"locale": "fr"})
    french = row_html(page(client, url(course)), applicants[0])
    assert "<strong>4,3</strong>" in french


def test_the_list_says_what_counts_as_disagreement(client, course, organiser, scored):
    login(client, organiser)
    html = page(client, url(course))
    assert (
        "Reviewers disagree when two of them scored the same criterion 2 or more points apart."
        in html
    )


def test_a_reviewer_sees_no_score_of_an_application_they_have_not_scored(
    client, course, reviewer, scored
):
    login(client, reviewer)
    html = page(client, url(course))
    sousa = row_html(html, scored[1])
    assert "Score it to see the others' scores" in sousa
    assert "3.0" not in sousa
    assert "You see the others' scores of an application once you have saved" in html


def test_a_reviewer_is_offered_no_decision(client, course, reviewer, scored):
    login(client, reviewer)
    html = page(client, url(course))
    assert 'id="selection-decide"' not in html
    assert 'name="registration_ids"' not in html


def test_the_list_sorts_by_the_column_asked(client, course, organiser, scored):
    login(client, organiser)
    html = page(client, url(course, "?sort=name&order=asc"))
    assert rows_in_order(html) == [
        "Ana Sousa",
        "Ana Souza",
        "Anna Souza",
        "Jean-Pierre Mbala",
        "Lucía Pérez",
        "Tesfaye Bekele",
    ]
    assert 'aria-sort="ascending"' in html


def test_the_list_shows_the_decided_when_asked(client, course, organiser, applicants):
    applicants[3].status = S.CONFIRMED
    db.session.commit()
    login(client, organiser)
    assert rows_in_order(page(client, url(course, "?show=decided"))) == ["Tesfaye Bekele"]
    assert "Tesfaye Bekele" not in rows_in_order(page(client, url(course)))


def test_an_unknown_sort_or_filter_shows_the_usual_list(client, course, organiser, scored):
    login(client, organiser)
    html = page(client, url(course, "?sort=criterion-999999&show=everything&order=sideways"))
    assert rows_in_order(html)[:2] == ["Ana Souza", "Ana Sousa"]
    assert len(rows_in_order(html)) == 6


def test_the_balance_of_the_confirmed_group_is_on_the_list(client, course, organiser, applicants):
    applicants[0].status = S.CONFIRMED
    applicants[4].status = S.CONFIRMED
    db.session.commit()
    login(client, organiser)
    html = page(client, url(course))
    assert "2 confirmed participants." in html
    assert re.search(
        r"<th scope=\"row\">Woman</th><td class=\"number\">2</td><td class=\"number\">100%</td>",
        html,
    )
    assert re.search(
        r"<th scope=\"row\">Brazil</th><td class=\"number\">1</td><td class=\"number\">50%</td>",
        html,
    )


def test_a_course_without_criteria_says_so(client, course, organiser, applicants):
    db.session.commit()
    login(client, organiser)
    assert "This course has no selection criteria yet" in page(client, url(course))


# --- one application ------------------------------------------------------------------------------


def test_a_reviewer_saves_a_review_through_the_form(client, course, reviewer, criteria, applicants):
    db.session.commit()
    login(client, reviewer)
    data = {f"score_{c.id}": str(n) for c, n in zip(criteria, (5, 1, 3), strict=True)}
    data[f"note_{criteria[1].id}"] = "Little on why now."
    data["comment"] = "Runs the migrant desk\r\nof Belo Horizonte."

    response = client.post(url(course, f"/{applicants[0].id}"), data=data)

    assert "Your review is saved." in flashes(client, response)
    [stored] = db.session.scalars(sa.select(Review).where(Review.reviewer_id == reviewer.id)).all()
    assert sorted(s.score for s in stored.scores) == [1, 3, 5]
    assert stored.comment == "Runs the migrant desk\nof Belo Horizonte."
    assert stored.score_for(criteria[1].id).comment == "Little on why now."


@pytest.mark.parametrize("off_the_scale", ["0", "6", "", "4.5", "five"])
def test_a_score_off_the_scale_is_refused_beside_its_field(
    client, course, reviewer, criteria, applicants, off_the_scale
):
    db.session.commit()
    login(client, reviewer)
    data = {f"score_{criteria[0].id}": "3", f"score_{criteria[1].id}": off_the_scale}
    data[f"score_{criteria[2].id}"] = "5"

    response = client.post(url(course, f"/{applicants[0].id}"), data=data)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    field = f"score_{criteria[1].id}"
    assert re.search(
        rf'<ul class="errors" id="{field}-errors"><li>Give a score from 1 to 5.</li></ul>', html
    )
    assert f'<a href="#{field}">Motivation</a>: Give a score from 1 to 5.' in html
    # The other scores are kept, checked, for the next try.
    assert f'id="score_{criteria[0].id}-3" value="3" checked' in html
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Review.reviewer_id == reviewer.id)) == 0
    )


def test_the_review_form_shows_one_s_own_review(client, course, reviewer, criteria, applicants):
    review(applicants[0], reviewer, 2, 4, 5, comment="Convincing plan.")
    db.session.commit()
    login(client, reviewer)
    html = page(client, url(course, f"/{applicants[0].id}"))
    assert f'id="score_{criteria[1].id}-4" value="4" checked' in html
    assert "Convincing plan.</textarea>" in html


def test_a_reviewer_reads_the_others_reviews_only_after_scoring(
    client, course, reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], second_reviewer, 1, 1, 1, comment="Not a local official.")
    db.session.commit()
    login(client, reviewer)
    before = page(client, url(course, f"/{applicants[0].id}"))
    review(applicants[0], reviewer, 5, 5, 5)
    db.session.commit()
    after = page(client, url(course, f"/{applicants[0].id}"))

    assert "Not a local official." not in before
    assert "1 review so far. You see it once you have saved your own." in before
    assert "Not a local official." in after
    assert "Kwame Mensah" in after


def test_a_reviewer_reads_the_answers_to_the_course_s_own_questions(
    client, course, organiser, reviewer, applicants
):
    question = create_question(
        course,
        QuestionData(
            kind=QuestionKind.LONG_TEXT,
            texts={"en": TextData("Which local plan would you work on?")},
        ),
        actor=organiser,
    )
    db.session.add(
        Answer(registration=applicants[0], question=question, value="The <reception> plan.")
    )
    db.session.commit()
    login(client, reviewer)
    html = client.get(url(course, f"/{applicants[0].id}")).get_data(as_text=True)
    assert "<h3>Answers to the course" in html
    assert "Which local plan would you work on?" in html
    assert "The &lt;reception&gt; plan." in html


def test_a_decided_application_has_no_review_form(client, course, reviewer, criteria, applicants):
    applicants[0].status = S.REJECTED
    db.session.commit()
    login(client, reviewer)
    html = page(client, url(course, f"/{applicants[0].id}"))
    assert "This application has been decided: its reviews can no longer change." in html
    assert 'name="score_' not in html


def test_posting_a_review_of_a_decided_application_changes_nothing(
    client, course, reviewer, criteria, applicants
):
    applicants[0].status = S.CONFIRMED
    db.session.commit()
    login(client, reviewer)
    data = {f"score_{c.id}": "4" for c in criteria}
    response = client.post(url(course, f"/{applicants[0].id}"), data=data)
    assert response.status_code == 200
    assert "its reviews can no longer change" in response.get_data(as_text=True)
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Review.reviewer_id == reviewer.id)) == 0
    )


def test_an_application_of_another_course_is_not_found(client, course, reviewer, neighbour):
    db.session.commit()
    login(client, reviewer)
    other = neighbour.registrations[5]
    assert client.get(url(course, f"/{other.id}")).status_code == 404


# --- decisions ----------------------------------------------------------------------------------


def test_the_organiser_decides_in_bulk_from_the_list_with_a_message(
    client, course, organiser, applicants
):
    db.session.commit()
    login(client, organiser)
    response = client.post(
        url(course, "/decide"),
        data={
            "decision": "reject",
            "registration_ids": [applicants[2].id, applicants[3].id],
            "message": "We had many strong applications from your region.",
            "next": url(course, "?sort=name"),
        },
    )
    assert response.headers["Location"].endswith(url(course, "?sort=name"))
    assert "2 applications decided." in flashes(client, response)
    db.session.expire_all()
    assert [r.status for r in applicants[2:4]] == [S.REJECTED, S.REJECTED]
    assert applicants[2].events[-1].note == "We had many strong applications from your region."
    assert applicants[2].events[-1].actor_id == organiser.id


def test_a_bulk_confirmation_beyond_the_seats_says_who_was_not_confirmed_and_why(
    client, course, organiser, applicants
):
    make_registration(course, status=S.CONFIRMED)
    make_registration(course, status=S.CONFIRMED)
    db.session.commit()
    login(client, organiser)
    response = client.post(
        url(course, "/decide"),
        data={"decision": "confirm", "registration_ids": [a.id for a in applicants[:3]]},
    )
    html = flashes(client, response)
    assert "1 application decided." in html
    assert "Not changed: Ana Sousa. The course is full: no seat is left to confirm." in html
    assert "Not changed: Anna Souza. The course is full: no seat is left to confirm." in html


def test_a_decision_needs_a_choice_and_an_application(client, course, organiser, applicants):
    db.session.commit()
    login(client, organiser)
    response = client.post(url(course, "/decide"), data={"decision": ""})
    html = flashes(client, response)
    assert "Choose a decision." in html
    assert "Select at least one application." in html
    assert applicants[0].status == S.SUBMITTED


def test_a_message_longer_than_the_history_keeps_is_refused(client, course, organiser, applicants):
    db.session.commit()
    login(client, organiser)
    response = client.post(
        url(course, "/decide"),
        data={"decision": "confirm", "registration_ids": [applicants[0].id], "message": "x" * 501},
    )
    assert "Field cannot be longer than 500 characters." in flashes(client, response)
    db.session.expire_all()
    assert applicants[0].status == S.SUBMITTED


def test_an_application_of_another_course_cannot_be_decided_here(
    client, course, organiser, applicants, neighbour
):
    db.session.commit()
    login(client, organiser)
    response = client.post(
        url(course, "/decide"),
        data={"decision": "reject", "registration_ids": [neighbour.registrations[5].id]},
    )
    assert "Some of the selected applications are not of this course." in flashes(client, response)


def test_a_decision_goes_back_only_to_a_page_of_this_site(client, course, organiser, applicants):
    db.session.commit()
    login(client, organiser)
    response = client.post(
        url(course, "/decide"),
        data={
            "decision": "waitlist",
            "registration_ids": [applicants[0].id],
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"].endswith(url(course))


def test_the_application_page_offers_the_organiser_the_decisions(
    client, course, organiser, applicants
):
    db.session.commit()
    login(client, organiser)
    html = page(client, url(course, f"/{applicants[0].id}"))
    assert re.findall(r'name="decision" value="(\w+)"', html) == ["confirm", "waitlist", "reject"]


# --- criteria -----------------------------------------------------------------------------------


def test_the_organiser_adds_a_criterion_in_three_languages(client, course, organiser):
    db.session.commit()
    login(client, organiser)
    response = client.post(
        url(course, "/criteria"),
        data={
            "text_en-label": "Languages",
            "text_en-help_text": "Can they follow sessions in English and French?",
            "text_fr-label": "Langues",
            "text_es-label": "Idiomas",
        },
    )
    assert "The criterion was added." in flashes(client, response)
    [added] = services.criteria(course)
    assert (added.label("en"), added.label("fr"), added.label("es")) == (
        "Languages",
        "Langues",
        "Idiomas",
    )


def test_a_criterion_without_a_name_in_the_main_language_is_refused_beside_it(
    client, course, organiser
):
    db.session.commit()
    login(client, organiser)
    response = client.post(url(course, "/criteria"), data={"text_fr-label": "Langues"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    message = "Give the criterion's name in the course's main language."
    assert re.search(rf'id="text_en-label-errors">\s*<li>{message}</li>', html)
    assert services.criteria(course) == []


def test_the_organiser_edits_a_criterion(client, course, organiser, criteria):
    db.session.commit()
    login(client, organiser)
    edit = url(course, f"/criteria/{criteria[0].id}/edit")
    assert 'value="Pertinence du poste"' in page(client, edit)
    emptied = {
        f"text_{code}-{name}": "" for code in ("fr", "es") for name in ("label", "help_text")
    }
    response = client.post(edit, data={"text_en-label": "Relevance of the position", **emptied})
    assert "The criterion was saved." in flashes(client, response)
    db.session.expire_all()
    assert [t.label for t in db.session.get(SelectionCriterion, criteria[0].id).texts] == [
        "Relevance of the position"
    ]


def test_the_organiser_moves_a_criterion(client, course, organiser, criteria):
    db.session.commit()
    login(client, organiser)
    client.post(url(course, f"/criteria/{criteria[2].id}/move"), data={"direction": "up"})
    db.session.expire_all()
    assert [c.id for c in services.criteria(course)] == [
        criteria[0].id,
        criteria[2].id,
        criteria[1].id,
    ]


def test_moving_without_a_direction_is_a_bad_request(client, course, organiser, criteria):
    db.session.commit()
    login(client, organiser)
    response = client.post(url(course, f"/criteria/{criteria[2].id}/move"), data={})
    assert response.status_code == 400


def test_the_organiser_retires_and_restores_a_criterion(client, course, organiser, criteria):
    db.session.commit()
    login(client, organiser)
    retired = client.post(url(course, f"/criteria/{criteria[2].id}/retire"))
    assert "“Regional balance” is retired: no longer asked, its scores kept." in flashes(
        client, retired
    )
    assert services.active_criteria(course) == criteria[:2]
    restored = client.post(url(course, f"/criteria/{criteria[2].id}/restore"))
    assert "“Regional balance” is asked again." in flashes(client, restored)
    db.session.expire_all()
    assert len(services.active_criteria(course)) == 3


def test_the_organiser_deletes_a_criterion_nobody_scored(client, course, organiser, criteria):
    db.session.commit()
    login(client, organiser)
    response = client.post(url(course, f"/criteria/{criteria[1].id}/delete"))
    assert "“Motivation” was deleted." in flashes(client, response)
    assert len(services.criteria(course)) == 2


def test_deleting_a_scored_criterion_says_to_retire_it(
    client, course, organiser, reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 3, 3, 3)
    db.session.commit()
    login(client, organiser)
    listing_page = page(client, url(course, "/criteria"))
    response = client.post(url(course, f"/criteria/{criteria[1].id}/delete"))
    assert "1 score" in listing_page
    assert "It has scores, so it cannot be deleted with them." in listing_page
    assert "cannot be deleted: retire it instead" in flashes(client, response)
    assert len(services.criteria(course)) == 3


def test_a_criterion_of_another_course_is_not_found(client, course, organiser, neighbour):
    db.session.commit()
    login(client, organiser)
    [theirs, _] = services.criteria(neighbour.course)
    assert client.post(url(course, f"/criteria/{theirs.id}/retire")).status_code == 404
