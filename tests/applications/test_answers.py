"""Answers to a course's questions, called without HTTP: each kind's rules (with values on both
sides of every limit), applying with answers in one transaction, and changing them while the
application is undecided."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.applications import answering, services
from app.applications.checks import AnswersLocked, InvalidAnswers
from app.applications.models import Answer, QuestionKind
from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus
from tests.applications.conftest import REGIONS, add_question
from tests.factories import application_data, make_registration

K = QuestionKind
S = RegistrationStatus


def check(question, raw, kept=()):
    return answering.check_answer(question, raw, kept)


def refusal(question, raw, kept=()) -> str:
    with pytest.raises(answering.AnswerRefused) as excinfo:
        check(question, raw, kept)
    return str(excinfo.value.message)


def apply(course, user, values, **kwargs):
    data = application_data(certificate_name=user.name, email=user.email)
    return answering.apply_with_answers(course, user, data, values, **kwargs)


def answers_of(registration) -> dict[int, Answer]:
    rows = db.session.scalars(sa.select(Answer).where(Answer.registration_id == registration.id))
    return {row.question_id: row for row in rows}


# --- required and blank -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (K.SHORT_TEXT, "Answer this question."),
        (K.LONG_TEXT, "Answer this question."),
        (K.SINGLE_CHOICE, "Choose one of the options."),
        (K.MULTIPLE_CHOICE, "Choose at least one of the options."),
        (K.YES_NO, "Answer yes or no."),
        (K.NUMBER, "Enter a number."),
        (K.DATE, "Enter a date."),
        (K.COUNTRY, "Choose a country."),
        (K.FILE, "Add a file."),
    ],
)
def test_a_required_question_must_be_answered(course, kind, message):
    question = add_question(course, kind, "Asked", is_required=True, options=REGIONS)
    for blank in (None, "", "   ", [], ["", " "]):
        assert refusal(question, blank) == message


def test_an_optional_question_may_be_left_blank(course):
    question = add_question(course, K.NUMBER, "Years")
    answer = check(question, "  ")
    assert answer.is_blank
    assert (answer.value, answer.options) == ("", ())


def test_one_answer_only_for_a_question_that_takes_one(course):
    question = add_question(course, K.SHORT_TEXT, "City")
    assert refusal(question, ["Recife", "Quito"]) == "Give one answer only."


# --- text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "ok"), [(299, True), (300, True), (301, False)])
def test_a_short_answer_has_at_most_300_characters(course, length, ok):
    question = add_question(course, K.SHORT_TEXT, "City")
    if ok:
        assert check(question, "a" * length).value == "a" * length
    else:
        assert refusal(question, "a" * length) == "Use at most 300 characters (this has 301)."


@pytest.mark.parametrize(("length", "ok"), [(5000, True), (5001, False)])
def test_a_long_answer_has_at_most_5000_characters(course, length, ok):
    question = add_question(course, K.LONG_TEXT, "Experience")
    if ok:
        assert check(question, "b" * length).value == "b" * length
    else:
        assert refusal(question, "b" * length) == "Use at most 5000 characters (this has 5001)."


def test_a_text_answer_is_kept_without_surrounding_blanks(course):
    question = add_question(course, K.SHORT_TEXT, "City")
    assert check(question, "  Belo Horizonte ").value == "Belo Horizonte"


def test_a_short_answer_is_one_line(course):
    question = add_question(course, K.SHORT_TEXT, "City")
    assert refusal(question, "Belo\nHorizonte") == (
        "This text contains line breaks, tabs or invisible control characters. "
        "Type it again on one line."
    )


def test_a_long_answer_keeps_its_line_breaks_as_newlines(course):
    question = add_question(course, K.LONG_TEXT, "Experience")
    assert check(question, "Two years.\r\nThen three.\rAnd\tmore.").value == (
        "Two years.\nThen three.\nAnd\tmore."
    )


def test_a_long_answer_takes_no_control_characters(course):
    question = add_question(course, K.LONG_TEXT, "Experience")
    assert refusal(question, "Two\x00years") == (
        "This text contains invisible control characters. Type it again or paste it as plain text."
    )


def test_a_text_answer_takes_no_bidirectional_override(course):
    question = add_question(course, K.SHORT_TEXT, "City")
    assert refusal(question, "\u202eevil").startswith("This text contains line breaks")


# --- yes or no --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "no"])
def test_yes_or_no_is_taken(course, value):
    question = add_question(course, K.YES_NO, "Visa?", is_required=True)
    assert check(question, value).value == value


@pytest.mark.parametrize("value", ["maybe", "Yes", "y", "true"])
def test_anything_but_yes_or_no_is_refused(course, value):
    question = add_question(course, K.YES_NO, "Visa?")
    assert refusal(question, value) == "Answer yes or no."


# --- numbers ----------------------------------------------------------------------------------


@pytest.fixture
def years(course):
    return add_question(course, K.NUMBER, "Years of experience", min_value=2, max_value=40)


@pytest.mark.parametrize(("value", "ok"), [("1", False), ("2", True), ("3", True)])
def test_a_number_is_at_least_the_smallest(years, value, ok):
    if ok:
        assert check(years, value).value == value
    else:
        assert refusal(years, value) == "Enter a number from 2 to 40."


@pytest.mark.parametrize(("value", "ok"), [("39", True), ("40", True), ("41", False)])
def test_a_number_is_at_most_the_largest(years, value, ok):
    if ok:
        assert check(years, value).value == value
    else:
        assert refusal(years, value) == "Enter a number from 2 to 40."


@pytest.mark.parametrize(("value", "ok"), [("-1", False), ("0", True), ("5000", True)])
def test_a_number_with_only_a_smallest_says_so(course, value, ok):
    question = add_question(course, K.NUMBER, "Staff", min_value=0)
    if ok:
        assert check(question, value).value == value
    else:
        assert refusal(question, value) == "Enter a number of at least 0."


@pytest.mark.parametrize(("value", "ok"), [("-7", True), ("10", True), ("11", False)])
def test_a_number_with_only_a_largest_says_so(course, value, ok):
    question = add_question(course, K.NUMBER, "Trips", max_value=10)
    if ok:
        assert check(question, value).value == value
    else:
        assert refusal(question, value) == "Enter a number of at most 10."


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1000000000", True),
        ("1000000001", False),
        ("-1000000000", True),
        ("-1000000001", False),
    ],
)
def test_a_number_without_limits_stays_within_a_billion(course, value, ok):
    question = add_question(course, K.NUMBER, "Budget")
    if ok:
        assert check(question, value).value == value
    else:
        assert refusal(question, value) == "Enter a number between minus and plus one billion."


def test_a_number_above_a_billion_is_refused_under_a_smallest_only(course):
    question = add_question(course, K.NUMBER, "Budget", min_value=0)
    assert refusal(question, "1000000001") == "Enter a number between minus and plus one billion."


def test_a_number_below_minus_a_billion_is_refused_under_a_largest_only(course):
    question = add_question(course, K.NUMBER, "Budget", max_value=0)
    assert refusal(question, "-1000000001") == (
        "Enter a number between minus and plus one billion."
    )


@pytest.mark.parametrize(("value", "stored"), [(" 7 ", "7"), ("007", "7"), ("-0", "0")])
def test_a_number_is_stored_in_its_plain_form(course, value, stored):
    question = add_question(course, K.NUMBER, "Years")
    assert check(question, value).value == stored


@pytest.mark.parametrize(
    "value", ["12.5", "1e3", "+4", "٣", "１２", "twelve", "1_000", "9" * 11, "- 3", "0x10"]
)
def test_a_number_is_a_whole_number_in_digits(course, value):
    question = add_question(course, K.NUMBER, "Years")
    assert refusal(question, value) == "Enter a whole number, such as 12."


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1899-12-31", False),
        ("1900-01-01", True),
        ("2017-11-20", True),
        ("2199-12-31", True),
        ("2200-01-01", False),
    ],
)
def test_a_date_is_between_1900_and_2199(course, value, ok):
    question = add_question(course, K.DATE, "Date of your last training")
    if ok:
        assert check(question, value).value == value
    else:
        assert refusal(question, value) == "Enter a date between the years 1900 and 2199."


@pytest.mark.parametrize(
    "value", ["2017-02-30", "2017-13-01", "20171120", "2017-W47-1", "２０１７-１１-２０", "today"]
)
def test_a_date_is_a_real_day_written_year_month_day(course, value):
    question = add_question(course, K.DATE, "Date of your last training")
    assert refusal(question, value) == "Enter a real date, such as 2017-11-20."


# --- countries --------------------------------------------------------------------------------


def test_a_country_is_given_by_its_code(course):
    question = add_question(course, K.COUNTRY, "Country of your employer")
    assert check(question, "ET").value == "ET"


@pytest.mark.parametrize("value", ["EU", "ZZ", "et", "Ethiopia", "XX"])
def test_a_country_must_be_one_of_the_list(course, value):
    question = add_question(course, K.COUNTRY, "Country of your employer")
    assert refusal(question, value) == "Choose a country from the list."


# --- choices ----------------------------------------------------------------------------------


@pytest.fixture
def region(course):
    return add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)


@pytest.fixture
def regions(course):
    return add_question(course, K.MULTIPLE_CHOICE, "Regions", options=REGIONS)


def test_a_single_choice_names_one_offered_option(region):
    americas = region.options[1]
    assert check(region, str(americas.id)).options == (americas,)


def test_a_single_choice_takes_only_one(region):
    ids = [str(o.id) for o in region.options[:2]]
    assert refusal(region, ids) == "Choose only one of the options."


def test_a_retired_option_is_not_offered_to_new_answers(region):
    region.options[3].is_retired = True
    assert refusal(region, str(region.options[3].id)) == "Choose one of the options in the list."


def test_a_retired_option_already_chosen_may_be_kept(region):
    europe = region.options[3]
    europe.is_retired = True
    assert check(region, str(europe.id), kept=[europe]).options == (europe,)


def test_another_question_s_option_is_not_a_choice(course, region, regions):
    assert refusal(region, str(regions.options[0].id)) == "Choose one of the options in the list."


@pytest.mark.parametrize("value", ["Africa", "-1", "0", "²", "9" * 11, "1.0"])
def test_a_choice_is_an_option_s_number(region, value):
    assert refusal(region, value) == "Choose one of the options in the list."


def test_a_multiple_choice_keeps_the_question_s_order_once_each(regions):
    africa, _americas, asia, europe = regions.options
    chosen = [str(europe.id), str(africa.id), str(asia.id), str(europe.id)]
    assert check(regions, chosen).options == (africa, asia, europe)


def test_a_multiple_choice_refuses_any_option_not_offered(regions):
    regions.options[1].is_retired = True
    chosen = [str(regions.options[0].id), str(regions.options[1].id)]
    assert refusal(regions, chosen) == "Choose one of the options in the list."


# --- several questions at once ----------------------------------------------------------------


def test_every_refused_answer_is_reported_by_question(course):
    city = add_question(course, K.SHORT_TEXT, "City", is_required=True)
    years = add_question(course, K.NUMBER, "Years", max_value=40)
    visa = add_question(course, K.YES_NO, "Visa?")
    with pytest.raises(InvalidAnswers) as excinfo:
        answering.check_answers([city, years, visa], {years.id: "41", visa.id: "no"})
    assert {qid: [str(m) for m in messages] for qid, messages in excinfo.value.errors.items()} == {
        city.id: ["Answer this question."],
        years.id: ["Enter a number of at most 40."],
    }
    assert excinfo.value.messages == ["Answer this question.", "Enter a number of at most 40."]


def test_answers_to_other_questions_are_ignored(course, neighbour):
    city = add_question(course, K.SHORT_TEXT, "City")
    checked = answering.check_answers([city], {city.id: "Recife", 999_999: "Quito"})
    assert list(checked) == [city.id]


# --- applying with answers --------------------------------------------------------------------


@pytest.fixture
def asked(course):
    """The Turin workshop's questions: a required city, a region, years of experience (2 to
    40), and a retired question nobody is asked any more."""
    city = add_question(course, K.SHORT_TEXT, "Which city do you work for?", is_required=True)
    region = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    years = add_question(course, K.NUMBER, "Years of experience", min_value=2, max_value=40)
    retired = add_question(course, K.YES_NO, "Have you been to Turin?")
    services.retire_question(retired, actor=course.members(course.team[0].role)[0])
    return city, region, years, retired


def test_answers_are_stored_with_the_application(course, asked, ana):
    city, region, years, _retired = asked
    now = now_utc()
    registration = apply(
        course,
        ana,
        {city.id: "Belo Horizonte", region.id: str(region.options[1].id), years.id: "12"},
        now=now,
    )
    answers = answers_of(registration)
    assert {qid: (a.value, a.options) for qid, a in answers.items()} == {
        city.id: ("Belo Horizonte", []),
        region.id: ("", [region.options[1]]),
        years.id: ("12", []),
    }
    assert {(a.created_at, a.updated_at) for a in answers.values()} == {(now, now)}


def test_blank_optional_answers_are_not_stored(course, asked, ana):
    city, region, years, _retired = asked
    registration = apply(course, ana, {city.id: "Recife", region.id: "", years.id: " "})
    assert list(answers_of(registration)) == [city.id]


def test_a_retired_question_takes_no_new_answer(course, asked, ana):
    city, _region, _years, retired = asked
    registration = apply(course, ana, {city.id: "Recife", retired.id: "yes"})
    assert list(answers_of(registration)) == [city.id]


def test_refused_answers_leave_no_registration_and_no_mail(course, asked, ana):
    city, _region, years, _retired = asked
    with pytest.raises(InvalidAnswers) as excinfo:
        apply(course, ana, {city.id: "Recife", years.id: "41"})
    assert list(excinfo.value.errors) == [years.id]
    assert db.session.scalar(sa.select(Registration).where(Registration.user_id == ana.id)) is None
    assert (
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == ana.email)
        ).all()
        == []
    )


def test_the_registration_rules_still_apply_with_answers(course, asked, ana):
    city = asked[0]
    first = apply(course, ana, {city.id: "Recife"})
    from app.registration.services import AlreadyRegistered

    with pytest.raises(AlreadyRegistered):
        apply(course, ana, {city.id: "Quito"})
    assert answers_of(first)[city.id].value == "Recife"


def test_each_applicant_keeps_their_own_answers(course, asked, ana, ana_sousa):
    city = asked[0]
    first = apply(course, ana, {city.id: "Recife"})
    second = apply(course, ana_sousa, {city.id: "Recife "})
    assert answers_of(first)[city.id].id != answers_of(second)[city.id].id
    assert (answers_of(first)[city.id].value, answers_of(second)[city.id].value) == (
        "Recife",
        "Recife",
    )


# --- changing answers -------------------------------------------------------------------------


@pytest.fixture
def applied(course, asked, ana):
    city, region, years, _retired = asked
    stamp = now_utc() - timedelta(hours=3)
    registration = apply(
        course,
        ana,
        {city.id: "Recife", region.id: str(region.options[0].id), years.id: "12"},
        now=stamp,
    )
    assert registration.status == S.SUBMITTED
    return registration, stamp


def edit(registration, values, **kwargs):
    return answering.update_answers(registration, values, actor=registration.user, **kwargs)


def test_an_undecided_application_s_answers_can_change(course, asked, applied):
    city, region, years, _retired = asked
    registration, stamp = applied
    later = now_utc()
    changed = edit(
        registration,
        {city.id: "Olinda", region.id: str(region.options[0].id), years.id: "12"},
        now=later,
    )
    assert changed is True
    answers = answers_of(registration)
    assert answers[city.id].value == "Olinda"
    assert (answers[city.id].created_at, answers[city.id].updated_at) == (stamp, later)
    assert (answers[years.id].created_at, answers[years.id].updated_at) == (stamp, stamp)


def test_changing_a_choice_moves_its_updated_at(course, asked, applied):
    city, region, years, _retired = asked
    registration, _stamp = applied
    later = now_utc()
    edit(
        registration,
        {city.id: "Recife", region.id: str(region.options[2].id), years.id: "12"},
        now=later,
    )
    answer = answers_of(registration)[region.id]
    assert (answer.options, answer.updated_at) == ([region.options[2]], later)


def test_a_waitlisted_application_s_answers_can_change(course, asked, applied):
    registration, _stamp = applied
    registration.status = S.WAITLISTED
    assert edit(registration, {asked[0].id: "Olinda"}) is True


@pytest.mark.parametrize("status", [S.CONFIRMED, S.REJECTED, S.CANCELLED])
def test_a_decided_application_s_answers_no_longer_change(course, asked, applied, status):
    registration, _stamp = applied
    registration.status = status
    with pytest.raises(AnswersLocked) as excinfo:
        edit(registration, {asked[0].id: "Olinda"})
    assert excinfo.value.messages == [
        "The course team has decided on this application: its answers can no longer change."
    ]
    assert answers_of(registration)[asked[0].id].value == "Recife"


def test_a_change_is_recorded_in_the_history(course, asked, applied):
    registration, _stamp = applied
    edit(registration, {asked[0].id: "Olinda"})
    event = db.session.scalars(
        sa.select(RegistrationEvent)
        .where(RegistrationEvent.registration_id == registration.id)
        .order_by(RegistrationEvent.id.desc())
    ).first()
    assert (event.action, event.actor_id, event.from_status, event.to_status) == (
        "answers_updated",
        registration.user_id,
        S.SUBMITTED,
        S.SUBMITTED,
    )


def test_the_same_answers_again_change_nothing(course, asked, applied):
    city, region, years, _retired = asked
    registration, stamp = applied
    events = len(registration.events)
    changed = edit(
        registration, {city.id: "Recife", region.id: str(region.options[0].id), years.id: "12"}
    )
    assert changed is False
    assert len(registration.events) == events
    assert {a.updated_at for a in answers_of(registration).values()} == {stamp}


def test_blanking_an_optional_answer_removes_it(course, asked, applied):
    city, region, years, _retired = asked
    registration, _stamp = applied
    assert edit(registration, {city.id: "Recife", region.id: "", years.id: "12"}) is True
    assert sorted(answers_of(registration)) == sorted([city.id, years.id])


def test_a_required_answer_cannot_be_blanked(course, asked, applied):
    registration, _stamp = applied
    with pytest.raises(InvalidAnswers):
        edit(registration, {asked[0].id: ""})
    assert answers_of(registration)[asked[0].id].value == "Recife"


def test_an_answer_to_a_question_asked_later_can_be_added(course, asked, applied):
    registration, _stamp = applied
    visa = add_question(course, K.YES_NO, "Do you need a visa?")
    later = now_utc()
    edit(registration, {asked[0].id: "Recife", visa.id: "yes"}, now=later)
    answer = answers_of(registration)[visa.id]
    assert (answer.value, answer.created_at, answer.updated_at) == ("yes", later, later)


def test_a_retired_option_chosen_before_may_be_kept(course, asked, applied):
    city, region, _years, _retired = asked
    registration, _stamp = applied
    africa = region.options[0]
    africa.is_retired = True
    assert edit(registration, {city.id: "Recife", region.id: str(africa.id)}) is True
    assert answers_of(registration)[region.id].options == [africa]


def test_another_applicant_s_retired_choice_is_not_offered(course, asked, applied, ana_sousa):
    city, region, _years, _retired = asked
    _registration, _stamp = applied
    africa = region.options[0]
    africa.is_retired = True
    other = make_registration(course, ana_sousa, status=S.SUBMITTED)
    with pytest.raises(InvalidAnswers):
        edit(other, {city.id: "Quito", region.id: str(africa.id)})


def test_an_answer_to_a_retired_question_stays_as_it_was(course, asked, applied, organiser):
    city, _region, years, _retired = asked
    registration, stamp = applied
    services.retire_question(years, actor=organiser)
    edit(registration, {city.id: "Olinda", years.id: ""})
    answer = answers_of(registration)[years.id]
    assert (answer.value, answer.updated_at) == ("12", stamp)


def test_changing_one_application_leaves_the_other_s_alone(course, asked, applied, ana_sousa):
    city = asked[0]
    registration, _stamp = applied
    other = apply(course, ana_sousa, {city.id: "Recife"})
    before = answers_of(other)[city.id].updated_at
    edit(registration, {city.id: "Olinda"})
    assert (answers_of(other)[city.id].value, answers_of(other)[city.id].updated_at) == (
        "Recife",
        before,
    )


def test_the_moment_of_the_application_decides_whether_registration_is_open(course, asked, ana):
    from app.registration.services import RegistrationClosed

    before_opening = course.registration_opens_at - timedelta(minutes=1)
    with pytest.raises(RegistrationClosed):
        apply(course, ana, {asked[0].id: "Recife"}, now=before_opening)
