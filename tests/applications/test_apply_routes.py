"""The course's own questions in the application (and RSVP) form, through the test client."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import answering, services
from app.applications.models import Answer, ApplicationQuestion, QuestionKind
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.registration.models import Registration
from tests.accounts.identity_helpers import confirmation_path, mails
from tests.applications.conftest import REGIONS, add_question
from tests.conftest import login
from tests.registration.conftest import open_event
from tests.registration.test_apply_routes import form_data, signup_data

K = QuestionKind


@pytest.fixture
def asked(course, organiser):
    """A required city, a region (single choice, with help text), the regions worked with
    (multiple choice), years of experience (2 to 40), a date, a country, a visa question, an
    optional CV (a file); and, not asked, a retired question."""
    questions = {
        "city": add_question(
            course,
            K.SHORT_TEXT,
            "Which city do you work for?",
            fr="Pour quelle ville ?",
            is_required=True,
        ),
        "region": add_question(
            course, K.SINGLE_CHOICE, "Region", options=REGIONS, help_text="Where you work."
        ),
        "regions": add_question(
            course, K.MULTIPLE_CHOICE, "Regions you work with", options=REGIONS
        ),
        "years": add_question(course, K.NUMBER, "Years of experience", min_value=2, max_value=40),
        "since": add_question(course, K.DATE, "In this job since"),
        "employer": add_question(course, K.COUNTRY, "Country of your employer"),
        "visa": add_question(course, K.YES_NO, "Do you need a visa?", is_required=True),
        "retired": add_question(course, K.LONG_TEXT, "Anything else?"),
        "cv": add_question(course, K.FILE, "Your CV"),
    }
    services.retire_question(questions["retired"], actor=organiser)
    db.session.commit()
    return questions


def name(question: ApplicationQuestion) -> str:
    return f"question_{question.id}"


def answers(asked, **overrides):
    region = asked["region"]
    values = {
        name(asked["city"]): "Belo Horizonte",
        name(region): str(region.options[1].id),
        name(asked["regions"]): [str(region.id) for region in asked["regions"].options[:2]],
        name(asked["years"]): "12",
        name(asked["since"]): "2015-03-01",
        name(asked["employer"]): "BR",
        name(asked["visa"]): "yes",
    }
    values.update({name(asked[key]): value for key, value in overrides.items()})
    return values


def stored(registration: Registration) -> dict[int, Answer]:
    rows = db.session.scalars(sa.select(Answer).where(Answer.registration_id == registration.id))
    return {row.question_id: row for row in rows}


@pytest.fixture
def as_ana(client, ana):
    db.session.commit()
    return login(client, ana)


def apply_page(client, course) -> str:
    response = client.get(f"/courses/{course.slug}/register")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- the page ----------------------------------------------------------------------------------


def test_the_questions_follow_the_standard_fields_in_order(as_ana, course, asked):
    html = apply_page(as_ana, course)
    order = [html.index(f'id="{name(asked[key])}"') for key in ("city", "region", "visa")]
    assert html.index('name="accessibility"') < order[0] < order[1] < order[2]
    assert order[2] < html.index('name="consent_data"')
    assert "Questions from the course team" in html


def test_retired_questions_are_not_asked_and_files_are(as_ana, course, asked):
    html = apply_page(as_ana, course)
    assert "Anything else?" not in html
    assert 'type="file"' in html and f'name="{name(asked["cv"])}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_questions_are_asked_in_the_applicant_s_language(client, course, asked, ana):
    ana.locale = "fr"
    db.session.commit()
    html = apply_page(login(client, ana), course)
    assert "Pour quelle ville ?" in html
    assert "Years of experience" in html  # no French: the course's main language


def test_each_kind_has_its_own_input(as_ana, course, asked):
    html = apply_page(as_ana, course)
    region = asked["region"]
    assert f'type="radio" value="{region.options[0].id}"' in html
    assert f'name="{name(asked["regions"])}" type="checkbox"' in html
    assert 'max="40" min="2"' in html
    assert f'name="{name(asked["since"])}" type="date"' in html
    assert '<option value="BR">Brazil</option>' in html
    assert 'type="radio" value="yes"' in html
    assert "Where you work." in html


def test_required_questions_are_marked(as_ana, course, asked):
    html = apply_page(as_ana, course)
    label = f'<label for="{name(asked["city"])}">Which city do you work for?</label>'
    assert label + ' <span class="required" aria-hidden="true">*</span>' in html
    assert 'Do you need a visa? <span class="required" aria-hidden="true">*</span></legend>' in html


def test_a_retired_option_is_not_offered(as_ana, course, asked):
    europe = asked["region"].options[3]
    europe.is_retired = True
    db.session.commit()
    assert f'value="{europe.id}"' not in apply_page(as_ana, course)


def test_without_questions_the_form_is_as_before(as_ana, course):
    html = apply_page(as_ana, course)
    assert "Questions from the course team" not in html


# --- applying ----------------------------------------------------------------------------------


def test_the_answers_are_stored_with_the_application(as_ana, course, asked, ana):
    response = as_ana.post(
        f"/courses/{course.slug}/register", data={**form_data(), **answers(asked)}
    )
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == ana.id))
    found = stored(registration)
    assert found[asked["city"].id].value == "Belo Horizonte"
    assert found[asked["region"].id].options == [asked["region"].options[1]]
    assert found[asked["regions"].id].options == asked["regions"].options[:2]
    assert [found[asked[key].id].value for key in ("years", "since", "employer", "visa")] == [
        "12",
        "2015-03-01",
        "BR",
        "yes",
    ]
    assert asked["retired"].id not in found


def test_a_refused_answer_is_said_beside_its_question(as_ana, course, asked, ana):
    data = {**form_data(), **answers(asked, years="41")}
    response = as_ana.post(f"/courses/{course.slug}/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<ul class="errors" id="{name(asked["years"])}-errors">' in html
    assert "Enter a number from 2 to 40." in html
    assert (
        f'<li><a href="#{name(asked["years"])}">Years of experience</a>: '
        "Enter a number from 2 to 40.</li>" in html
    )
    assert db.session.scalar(sa.select(Registration).where(Registration.user_id == ana.id)) is None


def test_a_missing_choice_is_said_in_its_group(as_ana, course, asked):
    data = {**form_data(), **answers(asked)}
    del data[name(asked["visa"])]
    html = as_ana.post(f"/courses/{course.slug}/register", data=data).get_data(as_text=True)
    assert (
        f'<ul class="errors" id="{name(asked["visa"])}-errors"><li>Answer yes or no.</li>' in html
    )
    assert f'<a href="#{name(asked["visa"])}">Do you need a visa?</a>: Answer yes or no.' in html


def test_answers_are_kept_after_an_error(as_ana, course, asked):
    data = {**form_data(consent_data=None), **answers(asked, city="Recife <centre>")}
    html = as_ana.post(f"/courses/{course.slug}/register", data=data).get_data(as_text=True)
    region, regions = asked["region"], asked["regions"]
    assert 'value="Recife &lt;centre&gt;"' in html
    assert f'checked id="{name(region)}-1"' in html
    assert f'checked id="{name(regions)}-0"' in html and f'checked id="{name(regions)}-1"' in html
    assert 'value="12"' in html
    assert '<option selected value="BR">Brazil</option>' in html


def test_the_summary_lists_the_questions_before_the_consent(as_ana, course, asked):
    data = {**form_data(consent_data=None), **answers(asked, city="")}
    html = as_ana.post(f"/courses/{course.slug}/register", data=data).get_data(as_text=True)
    summary = html[html.index('class="form-errors"') :]
    assert summary.index(f'href="#{name(asked["city"])}"') < summary.index('href="#consent_data"')


def test_a_visitor_s_answers_are_stored_with_the_new_account(client, course, asked):
    data = {**signup_data(), **answers(asked)}
    response = client.post(f"/courses/{course.slug}/register", data=data)
    assert response.status_code == 302
    # Kept until the address is confirmed by the mailed link, then stored.
    [link] = mails()
    assert client.post(confirmation_path(link)).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ana.new@example.org"))
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
    assert stored(registration)[asked["city"].id].value == "Belo Horizonte"


def test_a_visitor_s_refused_answer_creates_no_account(client, course, asked):
    data = {**signup_data(), **answers(asked, since="2015-02-30")}
    html = client.post(f"/courses/{course.slug}/register", data=data).get_data(as_text=True)
    assert "Enter a real date, such as 2017-11-20." in html
    assert db.session.scalar(sa.select(User).where(User.email == "ana.new@example.org")) is None


def test_rules_that_change_after_the_form_s_check_are_said_above_it(
    as_ana, course, asked, ana, organiser, monkeypatch
):
    """The service checks again: a required question added between the form's check and the
    saving refuses the application, with nothing kept."""
    late = add_question(course, K.SHORT_TEXT, "Your employer's address", is_required=True)
    db.session.commit()
    shown = [q for q in services.asked_questions(course) if q.id != late.id]
    monkeypatch.setattr(
        "app.registration.routes.applications.asked_questions", lambda course: shown
    )
    response = as_ana.post(
        f"/courses/{course.slug}/register", data={**form_data(), **answers(asked)}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    summary = html[html.index('class="form-errors"') :]
    assert "Answer this question." in summary[: summary.index("</div>")]
    assert db.session.scalar(sa.select(Registration).where(Registration.user_id == ana.id)) is None
    assert answering.asked_questions(course)[-1] == late


# --- an event's RSVP ---------------------------------------------------------------------------


def test_an_event_s_rsvp_asks_its_questions_and_stores_the_answers(client, organiser, ana):
    event = open_event(slug="toolbox-launch")
    event.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    visa = add_question(event, K.YES_NO, "Do you need a visa?", is_required=True)
    db.session.commit()
    login(client, ana)
    html = client.get(f"/courses/{event.slug}/register").get_data(as_text=True)
    assert "Questions from the organisers" in html
    data = {
        "certificate_name": "Ana Souza",
        "email": ana.email,
        "organisation": "City of Quito",
        "language": "es",
        "consent_data": "y",
        name(visa): "no",
    }
    assert client.post(f"/courses/{event.slug}/register", data=data).status_code == 302
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == ana.id))
    assert stored(registration)[visa.id].value == "no"
