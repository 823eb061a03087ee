"""Answers on the participant desk: on a participant's page, and as the list's filters."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.applications import answering
from app.applications.models import QuestionKind
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.applications.conftest import REGIONS, add_question
from tests.conftest import login
from tests.factories import make_registration, make_user

K = QuestionKind


@pytest.fixture
def asked(course, organiser):
    return {
        "city": add_question(course, K.SHORT_TEXT, "Which city?", fr="Quelle ville ?"),
        "regions": add_question(course, K.MULTIPLE_CHOICE, "Regions", options=REGIONS),
        "visa": add_question(course, K.YES_NO, "Do you need a visa?"),
        "since": add_question(course, K.DATE, "In this job since"),
        "employer": add_question(course, K.COUNTRY, "Country of your employer"),
        "years": add_question(course, K.NUMBER, "Years of experience"),
    }


def give(registration, asked, **values):
    """Answers as the applicant gives them (through the rules)."""
    raw = {asked[key].id: value for key, value in values.items()}
    answering.update_answers(registration, raw, actor=registration.user)


@pytest.fixture
def applicants(course, asked, ana, ana_sousa):
    """Ana Souza (Africa and Europe, needs a visa) and Ana Sousa (Europe only, no visa)."""
    regions = asked["regions"].options
    first = make_registration(course, ana, status=RegistrationStatus.SUBMITTED)
    give(
        first,
        asked,
        city="Recife <Centro>",
        regions=[str(regions[0].id), str(regions[3].id)],
        visa="yes",
        since="2015-03-01",
        employer="BR",
        years="12",
    )
    second = make_registration(course, ana_sousa, status=RegistrationStatus.SUBMITTED)
    give(second, asked, regions=[str(regions[3].id)], visa="no")
    db.session.commit()
    return first, second


def desk(client, course, **args):
    response = client.get(f"/courses/{course.slug}/participants", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def as_organiser(client, organiser, course):
    db.session.commit()
    return login(client, organiser)


# --- the participant's page --------------------------------------------------------------------


def test_a_participant_s_page_shows_the_answers_in_order(as_organiser, course, applicants):
    first, _second = applicants
    html = as_organiser.get(f"/courses/{course.slug}/participants/{first.id}").get_data(
        as_text=True
    )
    section = html[html.index("Answers to the course's questions") :]
    expected = [
        "<dt>Which city?</dt>",
        "<dd>Recife &lt;Centro&gt;</dd>",
        "<dt>Regions</dt>",
        "<dd>Africa; Europe</dd>",
        "<dd>Yes</dd>",
        "<dd>March 1, 2015</dd>",
        "<dd>Brazil</dd>",
        "<dd>12</dd>",
    ]
    positions = [section.index(part) for part in expected]
    assert positions == sorted(positions)


def test_the_page_reads_the_questions_in_the_organiser_s_language(
    client, course, organiser, applicants
):
    organiser.locale = "fr"
    db.session.commit()
    first, _second = applicants
    html = login(client, organiser).get(f"/courses/{course.slug}/participants/{first.id}")
    text = html.get_data(as_text=True)
    assert "<dt>Quelle ville ?</dt>" in text
    assert "<dd>Oui</dd>" in text
    assert "<dd>Brésil</dd>" in text
    assert "<dt>Regions</dt>" in text  # no French: the course's main language


def test_an_answer_to_a_retired_question_is_still_shown(as_organiser, course, asked, applicants):
    asked["visa"].is_retired = True
    db.session.commit()
    first, _second = applicants
    html = as_organiser.get(f"/courses/{course.slug}/participants/{first.id}").get_data(
        as_text=True
    )
    assert 'Do you need a visa? <span class="meta">(retired)</span></dt>' in html


def test_a_participant_without_answers_has_no_answers_section(as_organiser, course, asked):
    registration = make_registration(course, make_user(name="Tesfaye Bekele"))
    db.session.commit()
    html = as_organiser.get(f"/courses/{course.slug}/participants/{registration.id}")
    assert "Answers to the course" not in html.get_data(as_text=True)


def test_a_change_of_answers_is_in_the_history(as_organiser, course, asked, applicants):
    first, _second = applicants
    answering.update_answers(first, {asked["city"].id: "Olinda"}, actor=first.user)
    db.session.commit()
    html = as_organiser.get(f"/courses/{course.slug}/participants/{first.id}").get_data(
        as_text=True
    )
    assert "Answers to the course's questions changed" in html


# --- filters -------------------------------------------------------------------------------------


def test_the_list_offers_a_filter_per_choice_and_yes_or_no_question(as_organiser, course, asked):
    html = desk(as_organiser, course)
    assert f'name="answer_{asked["regions"].id}"' in html
    assert f'name="answer_{asked["visa"].id}"' in html
    assert f'name="answer_{asked["city"].id}"' not in html
    assert f'name="answer_{asked["years"].id}"' not in html


def test_filtering_by_an_option_finds_those_who_chose_it(as_organiser, course, asked, applicants):
    africa, europe = asked["regions"].options[0], asked["regions"].options[3]
    html = desk(as_organiser, course, **{f"answer_{asked['regions'].id}": str(africa.id)})
    assert ">Ana Souza</a>" in html and ">Ana Sousa</a>" not in html
    html = desk(as_organiser, course, **{f"answer_{asked['regions'].id}": str(europe.id)})
    assert ">Ana Souza</a>" in html and ">Ana Sousa</a>" in html


def test_filtering_by_yes_or_no(as_organiser, course, asked, applicants):
    html = desk(as_organiser, course, **{f"answer_{asked['visa'].id}": "no"})
    assert ">Ana Sousa</a>" in html and ">Ana Souza</a>" not in html


def test_answer_filters_combine(as_organiser, course, asked, applicants):
    europe = asked["regions"].options[3]
    args = {f"answer_{asked['regions'].id}": str(europe.id), f"answer_{asked['visa'].id}": "yes"}
    html = desk(as_organiser, course, **args)
    assert ">Ana Souza</a>" in html and ">Ana Sousa</a>" not in html


def test_an_unknown_answer_filter_is_ignored(as_organiser, course, asked, applicants, neighbour):
    for value in ("maybe", "0", str(10**12), "Africa"):
        html = desk(as_organiser, course, **{f"answer_{asked['regions'].id}": value})
        assert ">Ana Souza</a>" in html and ">Ana Sousa</a>" in html, value


def test_a_retired_option_can_still_be_filtered_by(as_organiser, course, asked, applicants):
    africa = asked["regions"].options[0]
    africa.is_retired = True
    db.session.commit()
    html = desk(as_organiser, course, **{f"answer_{asked['regions'].id}": str(africa.id)})
    assert "Africa (retired)" in html
    assert ">Ana Souza</a>" in html and ">Ana Sousa</a>" not in html


def test_the_export_links_keep_the_answer_filters(as_organiser, course, asked, applicants):
    html = desk(as_organiser, course, **{f"answer_{asked['visa'].id}": "yes"})
    assert f"/participants.csv?answer_{asked['visa'].id}=yes" in html


def test_facilitators_filter_by_answers_too(client, course, asked, applicants):
    facilitator = make_user(Role.PARTICIPANT, name="Fatou Facilitator")
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    db.session.commit()
    html = desk(login(client, facilitator), course, **{f"answer_{asked['visa'].id}": "no"})
    assert ">Ana Sousa</a>" in html and ">Ana Souza</a>" not in html
