"""The results of an evaluation: response rate, distributions and means, open answers, the
fewer-than-five rule on both sides, session ratings, the CSV, and editions compared."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from app.courses.models import CourseTeamMember, TeamRole
from app.evaluation import results
from app.evaluation.charts import Distribution
from app.evaluation.models import QuestionArea
from app.extensions import db
from app.registration.models import Registration
from tests.conftest import login
from tests.courses.test_query_counts import count_queries
from tests.evaluation.results_world import (
    FACILITATION,
    ORGANISATION,
    OVERALL,
    RELEVANCE,
    answer_all,
    make_edition,
    rate_session,
    respond,
    switch_ratings_on,
    two_editions,
)
from tests.factories import make_module, make_user


def by_area(found: results.CourseResults) -> dict[str, results.QuestionResult]:
    return {r.question.area.value: r for r in found.questions}


# --- the numbers ---------------------------------------------------------------------------------


def test_the_response_rate_counts_completions_of_confirmed_participants(neighbour):
    first, _second = two_editions()
    found = results.course_results(first.course, "en")
    # Twelve of thirty: the waitlisted and cancelled registrations and the sister course's
    # completions do not count.
    assert (found.completed, found.confirmed, found.responses) == (12, 30, 12)
    assert found.rate == pytest.approx(0.4)


def test_each_rating_question_has_its_distribution_and_mean():
    first, _ = two_editions()
    found = by_area(results.course_results(first.course, "en"))
    assert found["overall"].distribution == Distribution((0, 1, 1, 5, 5), 0)
    assert found["overall"].distribution.mean == pytest.approx(50 / 12)
    # One response left relevance unanswered: counted as "no answer", not in the mean.
    assert found["relevance"].distribution == Distribution((0, 0, 3, 5, 3), 1)
    assert found["relevance"].distribution.mean == pytest.approx(4.0)
    assert found["facilitation"].distribution == Distribution((0, 0, 1, 6, 5), 0)
    assert found["organisation"].distribution == Distribution((1, 2, 5, 3, 1), 0)
    assert found["overall"].label == "Overall, how satisfied are you with the course?"


def test_open_answers_are_listed_by_their_text_not_by_arrival():
    first, _ = two_editions()
    change = by_area(results.course_results(first.course, "en"))["change"]
    assert not change.is_rating
    assert change.texts == [
        "+33 1 23 45 67 89 is the hotel, it was far",
        "-",
        "<script>alert('x')</script> and more case studies",
        '=HYPERLINK("http://evil.example","click")',
        "@organisers: more interpretation booths",
        "A follow-up webinar with the same group",
        "More time for the study visit",
        "Shorter lunch breaks",
    ]


def test_module_questions_are_shown_one_per_module_from_five_responses():
    first, _ = two_editions()
    found = results.course_results(first.course, "en")
    assert found.is_broken_down
    assert [r.label for r in found.modules] == [
        "How well did the module “Migration and local governance” achieve its objectives?",
        "How well did the module “Inclusive service delivery” achieve its objectives?",
    ]
    assert [r.distribution for r in found.modules] == [
        Distribution((0, 1, 1, 5, 5), 0),
        Distribution((0, 1, 2, 6, 2), 1),
    ]
    assert found.modules_pooled is None
    assert "module" not in by_area(found)


@pytest.mark.parametrize(("answered", "broken_down"), [(4, False), (5, True)])
def test_below_five_responses_modules_are_pooled(answered, broken_down):
    modules = (make_module("M1", title="Migration and local governance"), make_module("M2"))
    edition = make_edition(
        "governing-2019", __import__("datetime").date(2019, 11, 18), participants=8, modules=modules
    )
    answers = [
        (5, 4, 5, 3, (5, 1), "a"),
        (4, 4, 4, 2, (4, 2), ""),
        (5, 5, 5, 4, (5, 3), ""),
        (4, 3, 4, 3, (3, 3), ""),
        (3, 3, 4, 2, (4, 4), ""),
    ][:answered]
    answer_all(edition, answers)
    found = results.course_results(edition.course, "en")
    assert found.responses == answered
    assert found.is_broken_down is broken_down
    if broken_down:
        assert len(found.modules) == 2 and found.modules_pooled is None
    else:
        assert found.modules == []
        # Both modules' answers as one: 5,4,5,3 and 1,2,3,3.
        assert found.modules_pooled == Distribution((1, 1, 3, 1, 2), 0)
    # The whole course's questions are shown either way.
    assert by_area(found)["overall"].distribution.answered == answered


def test_no_evaluation_has_no_questions_and_no_rate_without_participants():
    edition = make_edition(
        "governing-empty", __import__("datetime").date(2019, 3, 4), participants=0
    )
    db.session.delete(edition.evaluation)
    db.session.flush()
    found = results.course_results(edition.course, "en")
    assert found.evaluation is None
    assert (found.questions, found.modules, found.responses, found.completed) == ([], [], 0, 0)
    assert found.rate is None


def test_pooled_adds_distributions():
    assert results.pooled([Distribution((1, 0, 0, 0, 2), 1), Distribution((0, 3, 0, 0, 1), 2)]) == (
        Distribution((1, 3, 0, 0, 3), 3)
    )
    assert results.pooled([]) == Distribution((0, 0, 0, 0, 0), 0)


# --- session ratings -----------------------------------------------------------------------------


@pytest.mark.parametrize(("ratings_given", "shown_apart"), [(4, False), (5, True)])
def test_a_session_is_shown_apart_from_five_ratings(ratings_given, shown_apart):
    first, _ = two_editions()
    switch_ratings_on(first)
    opening, coherence = first.sessions
    scores = [5, 4, 4, 3, 5][:ratings_given]
    for registration, score in zip(first.participants, scores, strict=False):
        rate_session(first, opening, registration, score, "Clear" if score == 5 else "")
    for registration in first.participants[:2]:
        rate_session(first, coherence, registration, 2, "Too <long>")
    found = results.course_results(first.course, "en")
    if shown_apart:
        [group] = found.sessions
        assert (group.title, group.session.id) == ("Opening and introductions", opening.id)
        assert group.distribution == Distribution((0, 0, 1, 2, 2), 0)
        assert group.comments == ["Clear", "Clear"]
        # The other session's two ratings alone.
        assert found.sessions_pooled.distribution == Distribution((0, 2, 0, 0, 0), 0)
        assert found.sessions_pooled.comments == ["Too <long>", "Too <long>"]
    else:
        assert found.sessions == []
        assert found.sessions_pooled.distribution == Distribution((0, 2, 1, 2, 1), 0)
        assert found.sessions_pooled.session is None


def test_no_session_ratings_no_session_groups():
    first, _ = two_editions()
    found = results.course_results(first.course, "en")
    assert (found.sessions, found.sessions_pooled, found.ratings_enabled) == ([], None, False)


# --- the CSV -------------------------------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_a_line_per_response_and_a_column_per_question():
    first, _ = two_editions()
    header, lines = results.export_rows(first.evaluation, "en")
    assert header == [
        "Overall, how satisfied are you with the course?",
        "How relevant is the course to your job?",
        "How well did the module “Migration and local governance” achieve its objectives?",
        "How well did the module “Inclusive service delivery” achieve its objectives?",
        "How would you rate the quality of the facilitation?",
        "How would you rate the organisation and logistics (venue, travel, materials)?",
        "What would you change to make the course better?",
    ]
    assert len(lines) == 12
    assert sorted(tuple(line) for line in lines)[0] == ("2", "3", "2", "2", "3", "1", "-")
    # A response without a relevance rating or a text: empty cells.
    assert ["4", "", "4", "4", "4", "3", "@organisers: more interpretation booths"] in lines


def test_csv_cells_cannot_start_a_formula():
    first, _ = two_editions()
    rows = read_csv(results.to_csv(*results.export_rows(first.evaluation, "en")))
    texts = {row[-1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","click")' in texts
    assert "'+33 1 23 45 67 89 is the hotel, it was far" in texts
    assert "'@organisers: more interpretation booths" in texts
    assert "'-" in texts
    assert "<script>alert('x')</script> and more case studies" in texts  # text, not a formula
    assert not any(cell[:1] in "=+-@" for row in rows for cell in row if cell)


def test_an_anonymous_csv_names_nobody_and_follows_no_arrival_order():
    first, _ = two_editions()
    content = results.to_csv(*results.export_rows(first.evaluation, "en")).decode("utf-8")
    for registration in first.participants:
        assert registration.certificate_name not in content
        assert registration.email not in content
        assert registration.certificate_name.split()[1] not in content  # no surname either
    rows = read_csv(content.encode("utf-8"))
    assert rows[0][0] != "Name"
    # Lines come in the random key order of the responses, not in the order they were given.
    by_key = sorted(first.responses, key=lambda response: response.id)
    overall = first.question(QuestionArea.OVERALL).id
    expected = [next(a.rating for a in r.answers if a.question_id == overall) for r in by_key]
    assert [int(row[0]) for row in rows[1:]] == expected


def test_a_named_csv_gives_each_line_its_participant_by_name():
    edition = make_edition(
        "governing-named", __import__("datetime").date(2019, 5, 6), participants=3, anonymous=False
    )
    ana, anna, tesfaye = edition.participants
    respond(edition, tesfaye, {OVERALL: 2, RELEVANCE: 3, FACILITATION: 4, ORGANISATION: 5}, "=1+1")
    respond(edition, ana, {OVERALL: 5, RELEVANCE: 5, FACILITATION: 5, ORGANISATION: 5})
    header, lines = results.export_rows(edition.evaluation, "en")
    assert header[0] == "Name"
    assert [line[0] for line in lines] == sorted(
        [ana.certificate_name, tesfaye.certificate_name], key=str.casefold
    )
    assert [line[1] for line in lines] == ["5", "2"]
    rows = read_csv(results.to_csv(header, lines))
    assert rows[2][-1] == "'=1+1"
    assert anna.certificate_name not in results.to_csv(header, lines).decode("utf-8")


# --- the pages -----------------------------------------------------------------------------------


def test_the_results_page_shows_charts_tables_and_answers(client):
    first, _ = two_editions()
    db.session.commit()
    login(client, first.facilitator)
    html = client.get("/courses/governing-2017/results").text
    assert "12 of 30 confirmed participants completed the evaluation (40 %)." in html
    assert html.count('role="img"') == 6  # four questions, two modules
    assert html.count('<table class="result-table">') == 6
    assert '<th scope="row">Mean</th><td class="num" colspan="2">4.2</td>' in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; and more case studies" in html
    assert "<script>alert" not in html
    assert "Fewer than 5 responses" not in html
    assert 'href="/courses/governing-2017/results.csv"' in html
    assert 'href="/courses/governing-2017/results/editions"' in html


def test_the_page_says_when_results_are_not_broken_down(client):
    edition = make_edition(
        "governing-few",
        __import__("datetime").date(2019, 11, 18),
        participants=6,
        modules=(make_module("M1"),),
    )
    answer_all(edition, [(5, 4, 5, 3, (5,), ""), (4, 4, 4, 2, (4,), "")])
    db.session.commit()
    login(client, edition.organiser)
    html = client.get("/courses/governing-few/results").text
    assert "Fewer than 5 responses: the results are shown for the course as a whole only" in html
    assert "all modules together" in html
    assert "2 of 6 confirmed participants completed the evaluation (33 %)." in html


def test_the_csv_download(client):
    first, _ = two_editions()
    db.session.commit()
    login(client, first.organiser)
    response = client.get("/courses/governing-2017/results.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="governing-2017-evaluation.csv"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert len(read_csv(response.data)) == 13


def test_no_csv_without_an_evaluation(client):
    edition = make_edition(
        "governing-none", __import__("datetime").date(2019, 3, 4), participants=1
    )
    db.session.delete(edition.evaluation)
    db.session.commit()
    login(client, edition.organiser)
    assert client.get("/courses/governing-none/results.csv").status_code == 404
    assert "This course has no evaluation." in client.get("/courses/governing-none/results").text


@pytest.mark.parametrize("who", ["participant", "reviewer", "other organiser"])
def test_participants_reviewers_and_others_do_not_see_results(client, who):
    first, second = two_editions()
    user = {
        "participant": lambda: first.participants[0].user,
        "reviewer": lambda: make_user(name="Rania Reviewer"),
        "other organiser": lambda: second.facilitator,
    }[who]()
    if who == "reviewer":
        first.course.team.append(CourseTeamMember(user=user, role=TeamRole.REVIEWER))
    db.session.commit()
    login(client, user)
    for path in ("/results", "/results.csv", "/results/editions"):
        assert client.get(f"/courses/governing-2017{path}").status_code == 403


def count_page(client, path: str) -> int:
    assert client.get(path).status_code == 200
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_the_results_page_makes_as_many_queries_for_five_as_for_twelve_responses(client):
    modules = (make_module("M1"), make_module("M2"))
    few = make_edition(
        "governing-five",
        __import__("datetime").date(2019, 11, 18),
        participants=12,
        modules=modules,
    )
    answer_all(few, [(5, 4, 5, 3, (5, 4), "x")] * 5)
    many = make_edition(
        "governing-twelve",
        __import__("datetime").date(2020, 11, 16),
        participants=12,
        modules=modules,
    )
    answer_all(many)
    for edition in (few, many):
        switch_ratings_on(edition)
        for registration in edition.participants[:6]:
            rate_session(edition, edition.sessions[0], registration, 4, "ok")
    many.course.team.append(CourseTeamMember(user=few.organiser, role=TeamRole.ORGANISER))
    db.session.commit()
    login(client, few.organiser)
    assert count_page(client, "/courses/governing-five/results") == count_page(
        client, "/courses/governing-twelve/results"
    )


# --- editions ------------------------------------------------------------------------------------


def test_editions_are_compared_question_by_question(neighbour):
    first, second = two_editions()
    comparison = results.compare_editions(second.course, first.organiser, "en")
    assert [(e.label, e.responses, e.confirmed, e.completed) for e in comparison.editions] == [
        ("2017", 12, 30, 12),
        ("2018", 5, 6, 5),
    ]
    assert comparison.hidden == 0
    keys = [q.key for q in comparison.questions]
    modules = [f"module:{m.module_id}" for m in first.course.focuses]
    assert keys == ["overall", "relevance", *modules, "facilitation", "organisation"]
    overall = comparison.questions[0]
    assert overall.label == "Overall, how satisfied are you with the course?"
    assert overall.distributions == [
        Distribution((0, 1, 1, 5, 5), 0),
        Distribution((0, 0, 1, 1, 3), 0),
    ]
    assert comparison.panels(overall) == [
        ("2017", Distribution((0, 1, 1, 5, 5), 0)),
        ("2018", Distribution((0, 0, 1, 1, 3), 0)),
    ]


def test_an_edition_below_five_responses_shows_no_module_questions():
    first, second = two_editions()
    last = [
        r
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.course_id == second.course.id)
        )
    ]
    assert last
    # Take one response away from 2018: four left.
    from app.evaluation.models import EvaluationResponse

    response = db.session.scalars(
        sa.select(EvaluationResponse).where(
            EvaluationResponse.evaluation_id == second.evaluation.id
        )
    ).first()
    db.session.delete(response)
    db.session.flush()
    comparison = results.compare_editions(first.course, first.organiser, "en")
    by_key = {q.key: q.distributions for q in comparison.questions}
    module_key = f"module:{first.course.focuses[0].module_id}"
    assert by_key[module_key][0] is not None and by_key[module_key][1] is None
    assert by_key["overall"][1].total == 4
    # The questions after the modules still count the four.
    assert by_key["facilitation"][1].total == by_key["organisation"][1].total == 4
    assert comparison.panels(next(q for q in comparison.questions if q.key == module_key)) == [
        ("2017", Distribution((0, 1, 1, 5, 5), 0))
    ]


def test_editions_the_viewer_is_not_on_the_team_of_are_left_out():
    first, _second = two_editions()
    comparison = results.compare_editions(first.course, first.facilitator, "en")
    assert [e.label for e in comparison.editions] == ["2017"]
    assert comparison.hidden == 1


def test_a_question_only_another_edition_asks_comes_after_this_ones():
    first, second = two_editions()
    relevance = second.evaluation.questions[1]
    assert relevance.area == QuestionArea.RELEVANCE
    db.session.delete(relevance)
    db.session.flush()
    db.session.expire(second.evaluation)
    comparison = results.compare_editions(second.course, first.organiser, "en")
    keys = [q.key for q in comparison.questions]
    assert keys[-1] == "relevance"
    assert comparison.questions[-1].distributions[1] is None


def test_two_editions_in_one_year_are_told_apart_by_date():
    first, _ = two_editions()
    other = make_edition(
        "governing-2017-spring",
        __import__("datetime").date(2017, 3, 6),
        participants=1,
        edition_of=first.course,
        organiser=first.organiser,
    )
    other.course.status = first.course.status
    comparison = results.compare_editions(first.course, first.organiser, "en")
    assert [e.label for e in comparison.editions] == ["2017-03-06", "2017-11-20", "2018"]


def test_the_editions_page_draws_small_multiples_and_tables(client):
    first, _second = two_editions()
    db.session.commit()
    login(client, first.organiser)
    html = client.get("/courses/governing-2018/results/editions").text
    assert html.count('role="img"') == 12  # six questions, two editions
    assert 'aria-labelledby="chart-c1-0-title chart-c1-0-desc"' in html
    assert "<figcaption>2017</figcaption>" in html
    assert 'href="/courses/governing-2017/results">2017</a>' in html
    assert '<td class="num">12</td>\n            <td class="num">30</td>' in html


def test_blank_open_answers_are_not_listed_and_without_modules_nothing_is_pooled():
    edition = make_edition(
        "governing-blank", __import__("datetime").date(2019, 6, 3), participants=3
    )
    respond(edition, edition.participants[0], {OVERALL: 4}, "   ")
    respond(edition, edition.participants[1], {OVERALL: 5}, "Zebra crossings near the venue")
    respond(edition, edition.participants[2], {OVERALL: 3}, "zebra crossings near the venue")
    found = results.course_results(edition.course, "en")
    assert by_area(found)["change"].texts == [
        "Zebra crossings near the venue",
        "zebra crossings near the venue",
    ]
    assert (found.modules, found.modules_pooled) == ([], None)
    # Two required ratings left unanswered by every response: all "no answer".
    assert by_area(found)["facilitation"].distribution == Distribution((0, 0, 0, 0, 0), 3)


def test_a_named_csv_keeps_the_answers_of_someone_whose_registration_is_gone():
    edition = make_edition(
        "governing-gone", __import__("datetime").date(2019, 5, 6), participants=3, anonymous=False
    )
    ana, anna, tesfaye = edition.participants
    respond(edition, tesfaye, {OVERALL: 2})
    respond(edition, anna, {OVERALL: 3})
    respond(edition, ana, {OVERALL: 5})
    db.session.delete(anna)
    db.session.flush()
    _header, lines = results.export_rows(edition.evaluation, "en")
    assert [(line[0], line[1]) for line in lines] == [
        ("", "3"),
        (ana.certificate_name, "5"),
        (tesfaye.certificate_name, "2"),
    ]


def test_the_csv_speaks_the_readers_language():
    edition = make_edition(
        "governing-fr", __import__("datetime").date(2019, 5, 6), participants=1, languages="en,fr"
    )
    respond(edition, edition.participants[0], {OVERALL: 4}, "Plus de pauses")
    header, lines = results.export_rows(edition.evaluation, "fr")
    overall = edition.question(QuestionArea.OVERALL)
    assert header[0] == overall.label("fr") != overall.label("en")
    assert lines == [["4", "", "", "", "Plus de pauses"]]


def test_open_answers_are_ordered_regardless_of_letter_case():
    """ "a follow-up…" typed in lower case still comes after "@organisers" and before "More":
    sorting by raw text would put it last."""
    from app.evaluation.models import EvaluationAnswer

    first, _ = two_editions()
    answer = db.session.scalar(
        sa.select(EvaluationAnswer).where(
            EvaluationAnswer.text == "A follow-up webinar with the same group"
        )
    )
    answer.text = "a follow-up webinar with the same group"
    db.session.flush()
    change = by_area(results.course_results(first.course, "en"))["change"]
    assert change.texts[4:] == [
        "@organisers: more interpretation booths",
        "a follow-up webinar with the same group",
        "More time for the study visit",
        "Shorter lunch breaks",
    ]


def test_an_edition_without_an_evaluation_counts_no_responses():
    from datetime import date

    from app.evaluation.models import Evaluation

    first, second = two_editions()
    db.session.delete(db.session.get(Evaluation, second.evaluation.id))
    db.session.flush()
    comparison = results.compare_editions(first.course, first.organiser, "en")
    assert [(e.label, e.responses, e.completed) for e in comparison.editions] == [
        ("2017", 12, 12),
        ("2018", 0, 0),
    ]
    assert second.course.start_date > date(2018, 1, 1)
