"""The course builder and the public pages, through HTTP as organisers and visitors use them."""

from datetime import date, time

import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import Course, CourseStatus, TeamRole
from app.extensions import db
from app.schedule.services import SessionData, create_session
from tests.conftest import login
from tests.factories import make_course, make_module, make_user, make_venue
from tests.neighbours import SLUG as NEIGHBOUR_SLUG
from tests.neighbours import neighbour_id


def course_form(venue, **overrides):
    data = {
        "default_locale": "en",
        "text_en-title": "Governing migration at the local level",
        "text_en-summary": "A five-day workshop for local governments.",
        "text_fr-title": "Gestion de la migration au niveau local",
        "languages": ["en", "fr"],
        "venue_id": str(venue.id),
        "start_date": "2027-11-15",
        "days": "5",
        "capacity": "30",
        "registration_opens_on": "2027-06-01",
        "registration_closes_on": "2027-10-18",
        "contact_name": "Course secretariat",
        "contact_email": "migration@example.org",
        "status": "published",
        "requires_approval": "y",
        "offer_hours": "48",
        "min_attendance_days": "4",
        "partners-0-organisation": "ITC-ILO",
        "partners-0-role": "organiser",
        "partners-1-organisation": "IOM",
        "partners-1-role": "co_organiser",
        "partners-2-organisation": "",
        "partners-2-role": "funder",
    }
    data.update(overrides)
    return data


def test_organiser_creates_a_course_and_lands_on_its_modules(client):
    organiser = make_user(Role.ORGANISER)
    venue = make_venue()
    db.session.commit()
    login(client, organiser)

    response = client.post("/courses/new", data=course_form(venue))

    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course).where(Course.id != neighbour_id()))
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/modules")
    assert course.slug == "governing-migration-at-the-local-level-2027"
    assert course.members(TeamRole.ORGANISER) == [organiser]
    assert [p.organisation.name for p in course.partners] == ["ITC-ILO", "IOM"]
    assert course.language_list == ["en", "fr"]
    assert course.requires_approval and not course.waitlist_offers
    assert (course.offer_hours, course.required_attendance_days) == (48, 4)


def test_bad_course_form_shows_errors_beside_the_fields_and_stores_nothing(client):
    organiser = make_user(Role.ORGANISER)
    venue = make_venue()
    db.session.commit()
    login(client, organiser)

    response = client.post(
        "/courses/new",
        data=course_form(
            venue,
            **{"text_en-title": "", "registration_closes_on": "2027-11-20", "capacity": "-3"},
        ),
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="text_en-title-errors"' in page and "main language." in page
    assert "Registration must close before the course starts." in page
    assert 'id="capacity-errors"' in page
    assert db.session.scalars(sa.select(Course.slug)).all() == [NEIGHBOUR_SLUG]


def test_slug_in_use_is_refused_beside_the_field(client):
    organiser = make_user(Role.ORGANISER)
    make_course(slug="taken")
    venue = make_venue()
    db.session.commit()
    login(client, organiser)
    response = client.post("/courses/new", data=course_form(venue, slug="taken"))
    assert response.status_code == 200
    assert "Another course already uses this address." in response.get_data(as_text=True)


def test_edit_keeps_translations_and_partners(client):
    organiser = make_user(Role.ORGANISER)
    course = make_course(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    page = client.get(f"/courses/{course.slug}/edit").get_data(as_text=True)
    assert "Governing migration at the local level" in page

    response = client.post(
        f"/courses/{course.slug}/edit",
        data=course_form(
            course.venue, slug=course.slug, **{"text_es-title": "Gestión de la migración"}
        ),
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.title("es") == "Gestión de la migración"
    assert course.start_date == date(2027, 11, 15)


def test_modules_page_orders_modules_and_themes(client):
    organiser = make_user(Role.ORGANISER)
    m1, m2 = make_module("M1"), make_module("M2")
    course = make_course(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    assert client.get(f"/courses/{course.slug}/modules").status_code == 200
    form = {
        "focuses-0-module_id": str(m2.id),
        "focuses-0-theme": "",
        "focuses-1-module_id": "0",
        "focuses-1-theme": "Migration governance in practice",
        "focuses-2-module_id": str(m1.id),
        "focuses-2-theme": "",
    }
    assert client.post(f"/courses/{course.slug}/modules", data=form).status_code == 302
    db.session.refresh(course)
    assert [f.title("en") for f in course.focuses] == [
        "Module M2",
        "Migration governance in practice",
        "Module M1",
    ]

    form["move"] = "up:2"
    client.post(f"/courses/{course.slug}/modules", data=form)
    db.session.expire_all()
    assert [f.title("en") for f in course.focuses] == [
        "Module M2",
        "Module M1",
        "Migration governance in practice",
    ]


def test_team_add_and_remove(client):
    organiser = make_user(Role.ORGANISER)
    colleague = make_user(email="facilitator@example.org")
    course = make_course(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    response = client.post(
        f"/courses/{course.slug}/team", data={"email": "nobody@example.org", "role": "facilitator"}
    )
    assert "There is no account with this email" in response.get_data(as_text=True)

    client.post(
        f"/courses/{course.slug}/team",
        data={"email": "Facilitator@example.org", "role": "facilitator"},
    )
    db.session.refresh(course)
    assert course.members(TeamRole.FACILITATOR) == [colleague]

    own = next(m for m in course.team if m.user_id == organiser.id)
    response = client.post(f"/courses/{course.slug}/team/{own.id}/remove", follow_redirects=True)
    assert "A course keeps at least one organiser." in response.get_data(as_text=True)


def test_copy_as_new_edition_through_the_form(client):
    organiser = make_user(Role.ORGANISER)
    course = make_course(organisers=(organiser,), start=date(2017, 11, 20), slug="governing-2017")
    db.session.commit()
    login(client, organiser)

    page = client.get(f"/courses/{course.slug}/copy").get_data(as_text=True)
    assert 'value="2018-11-19"' in page  # a year on, same weekday

    response = client.post(
        f"/courses/{course.slug}/copy", data={"start_date": "2018-11-19", "slug": ""}
    )
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Course).where(Course.edition_of_id == course.id))
    assert new.status == CourseStatus.DRAFT
    assert new.slug == "governing-migration-at-the-local-level-2018"

    same_week = client.post(f"/courses/{course.slug}/copy", data={"start_date": "2017-11-20"})
    assert "Choose another week" in same_week.get_data(as_text=True)


def test_drafts_are_hidden_from_the_public(client):
    organiser = make_user(Role.ORGANISER)
    draft = make_course(status=CourseStatus.DRAFT, organisers=(organiser,), start=date(2030, 1, 7))
    db.session.commit()
    assert client.get(f"/courses/{draft.slug}").status_code == 404
    assert "Governing migration" not in client.get("/").get_data(as_text=True)
    login(client, organiser)
    assert client.get(f"/courses/{draft.slug}").status_code == 200


def test_catalogue_filters_and_past_courses(client):
    m1 = make_module("M1", title="Managing the link between migration and development")
    make_course(title="Upcoming course", start=date(2030, 5, 6), modules=(m1,))
    make_course(title="Old course", start=date(2017, 11, 20))
    db.session.commit()

    page = client.get("/").get_data(as_text=True)
    # Upcoming first; past ones only under "Recently held".
    assert page.index("Upcoming course") < page.index("Recently held") < page.index("Old course")
    assert "Old course" in client.get("/?when=past").get_data(as_text=True)
    assert "Upcoming course" in client.get("/?module=M1").get_data(as_text=True)
    assert "Upcoming course" not in client.get("/?month=2030-06").get_data(as_text=True)
    assert client.get("/?month=garbage").status_code == 200


def test_catalogue_in_french_uses_french_titles_and_dates(client):
    course = make_course(title="Governing migration at the local level", start=date(2030, 11, 18))
    from app.courses.models import CourseTranslation

    course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local")
    )
    db.session.commit()
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Gestion de la migration au niveau local" in page
    assert "novembre 2030" in page


# --- the course page on a phone ---------------------------------------------------------------


def test_the_course_page_puts_registration_first_and_lists_the_days(client):
    course = make_course(slug="phone-page", start=date(2030, 11, 18))
    other = make_course(slug="phone-other", start=date(2030, 11, 18))
    for day in (date(2030, 11, 18), date(2030, 11, 20)):
        create_session(
            course, SessionData(title="Plenary", day=day, start=time(9), end=time(10)), actor=None
        )
    create_session(
        other,
        SessionData(title="Other", day=date(2030, 11, 21), start=time(9), end=time(10)),
        actor=None,
    )
    db.session.commit()

    html = client.get("/courses/phone-page").get_data(as_text=True)

    # Registration comes before the text in the page, so a phone shows it first.
    assert html.index('class="course-register"') < html.index('class="course-main"')
    assert html.count('aria-labelledby="registration-heading"') == 1
    # Without scripts, the day list jumps to each day of the week, and every day is there.
    nav = html.split('<nav class="day-nav"')[1].split("</nav>")[0]
    days = ["2030-11-18", "2030-11-19", "2030-11-20", "2030-11-21", "2030-11-22"]
    for day in days:
        assert f'href="#timetable-{day}"' in nav
        assert f'<h3 id="timetable-{day}">' in html
    assert "<section hidden" not in html and 'class="day" hidden' not in html
