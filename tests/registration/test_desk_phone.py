"""What the desk's pages offer for a phone and for bulk work: the attendance grid's day picker
(one day at a time, without JavaScript), the "select all shown" box, and export buttons that
say which filter they follow. (The layouts themselves are checked in Chromium at 375 px:
tests/e2e/test_organiser_phone.py.)"""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.registration.attendance import day_to_show
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

MONDAY, WEDNESDAY, FRIDAY = date(2017, 11, 20), date(2017, 11, 22), date(2017, 11, 24)
WEEK = [date(2017, 11, d) for d in range(20, 25)]


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def facilitator():
    return make_user(name="Fatou Facilitator")


@pytest.fixture
def course(organiser, facilitator):
    return make_course(slug="governing-2017", organisers=(organiser,), facilitators=(facilitator,))


def person(course, name, status=S.CONFIRMED, **overrides):
    user = make_user(name=name, email=f"{'.'.join(name.lower().split())}@example.org")
    return make_registration(course, user, status=status, **overrides)


@pytest.fixture
def people(course):
    # A busy other course with a confirmed participant: never counted here.
    person(make_course(slug="mainstreaming-2017"), "Pablo Ñúñez", country="KE")
    return [
        person(course, "Ana Souza", country="BR"),
        person(course, "Anaïs Moreau", country="KE"),
        person(course, "Kiprono Mutai", S.SUBMITTED, country="KE"),
    ]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def shown_columns(html):
    """The days whose column a phone shows (the others are hidden by the stylesheet)."""
    head = html[html.index('class="attendance-grid"') : html.index("</thead>")]
    return re.findall(r'class="day-col is-shown"><abbr title="([^"]+)"', head)


# --- the attendance grid, one day at a time ---------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "today", "shown"),
    [
        ("2017-11-22", date(2017, 11, 20), WEDNESDAY),  # the day asked for
        (None, date(2017, 11, 24), FRIDAY),  # today, while the course runs
        (None, date(2017, 11, 25), MONDAY),  # the day after: the first day
        (None, date(2017, 11, 19), MONDAY),  # the day before
        ("2017-11-25", date(2017, 11, 22), WEDNESDAY),  # not a course day: today
        ("Wednesday", date(2017, 11, 26), MONDAY),  # not a date
    ],
)
def test_the_day_shown_on_a_phone(asked, today, shown):
    assert day_to_show(WEEK, asked, today) == shown


def test_the_day_links_show_one_column_and_saving_comes_back_to_it(client, organiser, people):
    ana, anais, _kip = people
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/attendance?day=2017-11-22")
    assert shown_columns(html) == ["Wednesday, November 22, 2017"]
    start = html.index('class="attendance-days"')
    picker = html[start : html.index("</nav>", start)]
    assert picker.count("<a ") == 5
    assert (
        'href="/courses/governing-2017/attendance?day=2017-11-22#presence" aria-current' in picker
    )
    # Every day's boxes stay in the form, so ticking Wednesday keeps Monday's ticks.
    assert html.count('name="marks"') == 5 * 2
    response = client.post(
        "/courses/governing-2017/attendance?day=2017-11-22",
        data={"marks": [f"2017-11-20:{ana.id}", f"2017-11-22:{anais.id}"]},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        "/courses/governing-2017/attendance?day=2017-11-22"
    )


def test_an_unknown_day_shows_the_first_day(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/attendance?day=2017-12-25")
    assert shown_columns(html) == ["Monday, November 20, 2017"]


# --- bulk selection and exports ---------------------------------------------------------------


def test_the_select_all_box_has_a_label_and_waits_for_javascript(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants?country=KE")
    box = html[html.index('class="field select-all"') - 5 :]
    box = box[: box.index("</div>")]
    assert "hidden" in box.split(">")[0]  # shown by static/js/desk.js only
    assert '<input type="checkbox" id="select-all-shown">' in box
    assert '<label for="select-all-shown">Select all 2 shown</label>' in box
    assert "js/desk.js" in html


def test_the_select_all_box_is_for_organisers_only(client, facilitator, people):
    # Facilitators see the list but take no decisions: nothing to select for.
    db.session.commit()
    login(client, facilitator)
    html = page(client, "/courses/governing-2017/participants")
    assert "select-all-shown" not in html


def test_the_exports_name_the_filter_they_follow(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants?status=confirmed&q=ANA")
    start = html.index('class="actions desk-exports"')
    exports = html[start : html.index("</p>", start)]
    links = dict(re.findall(r'href="([^"]+)">([^<]+)</a>', exports))
    shown = "the 2 shown (Search: “ANA”; Status: Confirmed)"
    filtered_csv = "/courses/governing-2017/participants.csv?q=ANA&amp;status=confirmed"
    assert links[filtered_csv] == f"Download CSV: {shown}"
    assert links[filtered_csv.replace(".csv", ".xlsx")] == f"Download Excel: {shown}"
    assert links["/courses/governing-2017/participants.csv"] == "Download CSV: all 3 registrations"
    assert (
        links["/courses/governing-2017/participants.xlsx"] == "Download Excel: all 3 registrations"
    )


def test_without_a_filter_the_exports_say_they_hold_everyone(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = page(client, "/courses/governing-2017/participants")
    assert "Download CSV: all 3 registrations" in html
    assert "shown (" not in html
