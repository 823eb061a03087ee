"""How materials are named and grouped for the pages and the ZIP, without HTTP: local days in
the venue's zone (a session after midnight there, a week across the end of summer time), the
modules in the course's order, the choices of places, the size and kind shown, which links
count as web links."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.core.timeutil import local_to_utc
from app.extensions import db
from app.materials import reading, services
from app.materials.services import MaterialData
from app.schedule.models import CourseSession, SessionKind
from tests.factories import make_course, make_module, make_user, make_venue
from tests.materials.conftest import NOW, Turin, upload
from tests.storage.samples import pdf, png

ROME = "Europe/Rome"


def add(course, actor, title: str, place: str = "", **data):
    if "url" not in data and "upload" not in data:
        data["upload"] = upload(pdf(title), "file.pdf")
    return services.add_material(
        course, MaterialData(title=title, place=place, **data), actor=actor, now=NOW
    )


def session_at(course, day: date, start: time, title: str, kind=SessionKind.PLENARY):
    session = CourseSession(
        course=course,
        title=title,
        kind=kind,
        starts_at=local_to_utc(day, start, ROME),
        ends_at=local_to_utc(day, time(start.hour + 1, start.minute), ROME),
    )
    db.session.add(session)
    db.session.flush()
    return session


def test_across_the_end_of_summer_time_days_and_times_are_the_venue_s():
    """Thursday 26 October to Monday 30 October 2017: Rome leaves summer time on Sunday the
    29th. A session at 00:30 on Friday (22:30 UTC on Thursday) is Friday's; the 09:00 sessions
    before and after the change are both 09.00 in the ZIP, though 07:00 and 08:00 UTC."""
    organiser = make_user(name="Olga Organiser")
    course = make_course(start=date(2017, 10, 26), venue=make_venue(ROME), organisers=(organiser,))
    late = session_at(course, date(2017, 10, 27), time(0, 30), "Night walk")
    before = session_at(course, date(2017, 10, 28), time(9, 0), "Saturday talk")
    after = session_at(course, date(2017, 10, 30), time(9, 0), "Monday talk")
    assert late.starts_at == datetime(2017, 10, 26, 22, 30, tzinfo=UTC)
    assert (before.starts_at.hour, after.starts_at.hour) == (7, 8)
    for session in (after, before, late):
        add(course, organiser, f"Notes of {session.title}", f"session:{session.id}")
    grouped = reading.material_list(course, organiser, ROME)
    assert [(d.day, [g.session.title for g in d.sessions]) for d in grouped.days] == [
        (date(2017, 10, 27), ["Night walk"]),
        (date(2017, 10, 28), ["Saturday talk"]),
        (date(2017, 10, 30), ["Monday talk"]),
    ]
    names = [name for name, _file in reading.zip_entries(grouped, ROME, "en")]
    assert names == [
        "2017-10-27/00.30 Night walk/Notes of Night walk.pdf",
        "2017-10-28/09.00 Saturday talk/Notes of Saturday talk.pdf",
        "2017-10-30/09.00 Monday talk/Notes of Monday talk.pdf",
    ]
    # Seen from UTC (an online course's visitor without a zone), the night walk is Thursday's.
    utc = reading.material_list(course, organiser, "UTC")
    assert utc.days[0].day == date(2017, 10, 26)


def test_sessions_in_order_of_time_and_materials_in_their_order(turin: Turin):
    first, second = turin.talks[0], turin.talks[1]
    add(turin.course, turin.organiser, "B on second", f"session:{second.id}")
    add(turin.course, turin.organiser, "A on first", f"session:{first.id}")
    add(turin.course, turin.organiser, "C on first", f"session:{first.id}")
    grouped = reading.material_list(turin.course, turin.organiser, ROME)
    [monday] = grouped.days
    assert [g.session for g in monday.sessions] == [first, second]
    assert [m.title for m in monday.sessions[0].materials] == ["A on first", "C on first"]
    assert [m.title for m in grouped.by_session[first.id]] == ["A on first", "C on first"]
    assert (grouped.count, grouped.file_count) == (3, 3)


def test_modules_in_the_course_s_order_then_those_it_dropped(turin: Turin):
    m3 = make_module("M3", title="Dropped module")
    add(turin.course, turin.organiser, "On M2", f"module:{turin.m2.id}")
    add(turin.course, turin.organiser, "On M1", f"module:{turin.m1.id}", url="https://e.org/1")
    material = add(turin.course, turin.organiser, "On M3", f"module:{turin.m1.id}")
    material.module = m3  # the course had it once
    material.module_id = m3.id
    db.session.flush()
    grouped = reading.material_list(turin.course, turin.organiser, ROME)
    assert [g.module.code for g in grouped.modules] == ["M1", "M2", "M3"]
    assert [m.title for m in grouped.by_module[turin.m1.id]] == ["On M1"]
    assert (grouped.count, grouped.file_count) == (3, 2)
    names = [name for name, _file in reading.zip_entries(grouped, ROME, "en")]
    assert names == [
        "M2 Coordination at the local level/On M2.pdf",
        "M3 Dropped module/On M3.pdf",
    ]


def test_the_course_s_own_materials_are_in_the_course_folder(turin: Turin):
    add(turin.course, turin.organiser, "Map", upload=upload(png(), "map.png"))
    add(turin.course, turin.organiser, "No extension", upload=upload(pdf(), "notes"))
    add(turin.course, turin.organiser, "A link", url="https://example.org")
    grouped = reading.material_list(turin.course, turin.organiser, ROME)
    assert [m.title for m in grouped.general] == ["Map", "No extension", "A link"]
    names = [name for name, _file in reading.zip_entries(grouped, ROME, "en")]
    # The stored name got its extension from the content (notes → notes.pdf).
    assert names == ["Course/Map.png", "Course/No extension.pdf"]


def test_place_choices_skip_breaks_and_show_venue_times(turin: Turin):
    choices = services.place_choices(turin.course, "en", ROME)
    assert choices[0] == ("", "The whole course")
    sessions = [value for value, _label in choices if value.startswith("session:")]
    assert sessions == [f"session:{s.id}" for s in turin.talks]
    first = turin.talks[0]
    assert dict(choices)[f"session:{first.id}"] == f"2017-11-20 09:00 · {first.title}"
    assert choices[-2:] == [
        (f"module:{turin.m1.id}", "M1: Linking migration and local development"),
        (f"module:{turin.m2.id}", "M2: Coordination at the local level"),
    ]


def test_a_module_twice_in_the_course_is_one_choice(turin: Turin):
    from app.courses.models import CourseModule

    turin.course.focuses.append(CourseModule(position=5, module=turin.m1))
    db.session.flush()
    assert services.course_modules(turin.course) == [turin.m1, turin.m2]


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (1, "1 KB"),
        (1023, "1 KB"),
        (1024, "1 KB"),
        (1025, "2 KB"),
        (1024 * 1024 - 1, "1,024 KB"),
        (1024 * 1024, "1 MB"),
        (int(2.25 * 1024 * 1024), "2.2 MB"),
        (int(2.26 * 1024 * 1024), "2.3 MB"),
        (10 * 1024 * 1024, "10 MB"),
    ],
)
def test_sizes_for_people(app, size, shown):
    with app.test_request_context():
        assert str(reading.size_label(size)) == shown


def test_kinds_for_people(app, turin: Turin):
    a_pdf = add(turin.course, turin.organiser, "PDF")
    a_png = add(turin.course, turin.organiser, "PNG", upload=upload(png(), "x.png"))
    a_link = add(turin.course, turin.organiser, "Link", url="https://example.org")
    with app.test_request_context():
        assert [str(reading.kind_label(m)) for m in (a_pdf, a_png, a_link)] == [
            "PDF",
            "PNG",
            "Link",
        ]
        a_pdf.file.content_type = "application/x-unknown"
        assert reading.kind_label(a_pdf) == "application/x-unknown"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org", True),
        ("http://example.org/a?b=c&d=e#f", True),
        ("HTTPS://EXAMPLE.ORG", True),
        ("https://user@example.org:8443/x", True),
        ("https://", False),
        ("https:///path", False),
        ("//example.org", False),
        ("example.org", False),
        ("javascript:alert(1)", False),
        ("mailto:ana@example.org", False),
        ("https://example.org/\x00", False),
        ("https://example.org/\u202e", False),
        ("https://exa mple.org", False),
        ("https://example.org/\n", False),
        ("https://[::1", False),
    ],
)
def test_web_links(url, ok):
    assert services.is_web_link(url) is ok


def test_a_backslash_in_a_title_makes_no_folder(turin: Turin):
    add(turin.course, turin.organiser, "Reading 1\\2")
    grouped = reading.material_list(turin.course, turin.organiser, ROME)
    names = [name for name, _file in reading.zip_entries(grouped, ROME, "en")]
    assert names == ["Course/Reading 1-2.pdf"]


def test_modules_are_named_in_the_reader_s_language(turin: Turin):
    from app.modules.models import ModuleTranslation

    turin.m1.translations.append(
        ModuleTranslation(locale="fr", title="Lier migration et développement local")
    )
    db.session.flush()
    add(turin.course, turin.organiser, "Lecture", f"module:{turin.m1.id}")
    choices = dict(services.place_choices(turin.course, "fr", ROME))
    assert choices[f"module:{turin.m1.id}"] == "M1: Lier migration et développement local"
    grouped = reading.material_list(turin.course, turin.organiser, ROME)
    names = [name for name, _file in reading.zip_entries(grouped, ROME, "fr")]
    assert names == ["M1 Lier migration et développement local/Lecture.pdf"]


def test_modules_follow_the_course_s_order_not_their_codes(turin: Turin):
    turin.course.focuses.reverse()  # M2 is now the first focus
    for position, focus in enumerate(turin.course.focuses):
        focus.position = position
    db.session.flush()
    add(turin.course, turin.organiser, "On M1", f"module:{turin.m1.id}")
    add(turin.course, turin.organiser, "On M2", f"module:{turin.m2.id}")
    grouped = reading.material_list(turin.course, turin.organiser, ROME)
    assert [g.module.code for g in grouped.modules] == ["M2", "M1"]
