"""The materials' pages: the list each visitor sees, the course page and its timetable, a
file, the ZIP, and the team's page to add, change, move and delete."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.materials import reading, services
from app.materials.models import Material, MaterialVisibility
from app.materials.services import MaterialData
from app.storage.models import StoredFile
from tests.conftest import login
from tests.courses.test_query_counts import count_queries
from tests.materials.conftest import NOW, Turin, files_in, upload
from tests.storage.samples import docx, pdf, png

# Built once: a DOCX carries the time it was written.
HANDBOOK = docx()


def add(turin: Turin, title: str, *, public: bool = False, place: str = "", **data) -> Material:
    if "url" not in data and "upload" not in data:
        data["upload"] = upload(pdf(title), f"{title[:20]}.pdf")
    material = services.add_material(
        turin.course,
        MaterialData(
            title=title,
            visibility=(MaterialVisibility.PUBLIC if public else MaterialVisibility.PARTICIPANTS),
            place=place,
            **data,
        ),
        actor=turin.organiser,
        now=NOW,
    )
    db.session.commit()
    return material


@pytest.fixture
def stocked(turin: Turin) -> dict[str, Material]:
    """A public programme on the opening session, a participants-only handbook on M1, a public
    link on the whole course, and a participants-only slide set on Tuesday's first talk."""
    opening = turin.talks[0]
    tuesday = next(s for s in turin.talks if s.starts_at.day == 21)
    return {
        "programme": add(
            turin, "Programme of the week", public=True, place=f"session:{opening.id}"
        ),
        "handbook": add(
            turin,
            "Participants' handbook",
            place=f"module:{turin.m1.id}",
            upload=upload(HANDBOOK, "handbook.docx"),
        ),
        "glossary": add(
            turin, "IOM glossary <b>", public=True, url="https://www.iom.int/key-migration-terms"
        ),
        "slides": add(
            turin,
            "Slides: local governance",
            place=f"session:{tuesday.id}",
            upload=upload(png(), "slides.png"),
        ),
    }


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


# --- the list ------------------------------------------------------------------------------------


def test_the_public_sees_public_materials_with_type_and_size(client, turin, stocked):
    html = page(client, "/courses/governing-2017/materials")
    assert "Programme of the week" in html
    assert "IOM glossary &lt;b&gt;" in html  # escaped
    assert "Participants&#39; handbook" not in html and "Slides: local" not in html
    size = reading.size_label(stocked["programme"].file.size)
    assert f"PDF, {size}" in html
    assert 'href="https://www.iom.int/key-migration-terms" rel="noopener noreferrer"' in html
    assert "Manage the materials" not in html
    assert "Download the file (ZIP)" in html


def test_a_confirmed_participant_sees_all_grouped_by_day_session_and_module(client, turin, stocked):
    login(client, turin.confirmed)
    html = page(client, "/courses/governing-2017/materials")
    for title in ("Programme of the week", "Participants&#39; handbook", "Slides: local"):
        assert title in html
    assert "Participants only" in html
    assert "Download all 3 files (ZIP)" in html
    # Monday before Tuesday, sessions before modules, modules before the whole course.
    order = [
        html.index(text)
        for text in (
            "Monday, November 20, 2017",
            "Programme of the week",
            "Tuesday, November 21, 2017",
            "Slides: local",
            "By module",
            "M1: Linking migration",
            "Participants&#39; handbook",
            "For the whole course",
            "IOM glossary",
        )
    ]
    assert order == sorted(order)
    assert "Word (DOCX)" in html and "PNG" in html


@pytest.mark.parametrize("who", ["waitlisted", "cancelled", "other course", "reviewer"])
def test_others_signed_in_see_the_public_ones_and_no_private_file(client, turin, stocked, who):
    login(client, turin.people()[who])
    html = page(client, "/courses/governing-2017/materials")
    assert "Programme of the week" in html
    assert "Participants&#39; handbook" not in html
    handbook = stocked["handbook"]
    page(client, f"/courses/governing-2017/materials/{handbook.id}/file", 404)


def test_no_materials_yet(client, turin):
    html = page(client, "/courses/governing-2017/materials")
    assert "No materials yet." in html
    assert "ZIP" not in html


def _add_by_ids(ids: dict, title: str, place: str, **data) -> None:
    """Add a material naming everything by id: counting queries starts each time from an
    empty session, which leaves the fixture's objects behind."""
    from app.accounts.models import User
    from app.courses.models import Course

    if "url" not in data:
        data["upload"] = upload(pdf(title), "reading.pdf")
    services.add_material(
        db.session.get(Course, ids["course"]),
        MaterialData(title=title, place=place, **data),
        actor=db.session.get(User, ids["organiser"]),
        now=NOW,
    )
    db.session.commit()


def _ids(turin: Turin) -> dict:
    return {
        "course": turin.course.id,
        "organiser": turin.organiser.id,
        "talks": [s.id for s in turin.talks],
        "m1": turin.m1.id,
        "m2": turin.m2.id,
    }


@pytest.mark.parametrize("path", ["/courses/governing-2017/materials", "/courses/governing-2017"])
def test_the_pages_queries_do_not_grow_with_the_materials(client, turin, path):
    ids = _ids(turin)
    login(client, turin.confirmed)
    # The few already reach each of the first three days (their sessions' modules) and both
    # modules: the many load the same kinds of rows, only more of them.
    for n, talk in enumerate(ids["talks"][0:12:4]):
        _add_by_ids(ids, f"Reading {n}", f"session:{talk}")
        _add_by_ids(ids, f"Module reading {n}", f"module:{ids['m1'] if n else ids['m2']}")
        _add_by_ids(ids, f"General {n}", "", url="https://example.org")
    page(client, path)
    with count_queries() as few:
        page(client, path)
    for n in range(3, 12):
        _add_by_ids(ids, f"Reading {n}", f"session:{ids['talks'][n]}")
        _add_by_ids(ids, f"Module reading {n}", f"module:{ids['m2']}", url="https://e.org")
        _add_by_ids(ids, f"General {n}", "", url="https://example.org")
    with count_queries() as many:
        html = page(client, path)
    assert "Reading 11" in html
    assert len(many) == len(few), "\n\n".join(few) + "\n=========\n" + "\n\n".join(many)


# --- the course page and its timetable ------------------------------------------------------


def _row_of(html: str, title: str) -> str:
    """The timetable row of the session ``title``."""
    start = html.index(f"{title}\n")
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_the_timetable_lists_a_session_s_materials_beside_it(client, turin, stocked):
    login(client, turin.confirmed)
    html = page(client, "/courses/governing-2017")
    opening = turin.talks[0]
    row = _row_of(html, opening.title)
    programme = stocked["programme"]
    assert f"/courses/governing-2017/materials/{programme.id}/file" in row
    assert "Programme of the week" in row
    assert "Slides: local" not in row
    # On the module list, the module's materials; the whole course's in its own section.
    modules = html[html.index("<h2>Modules</h2>") : html.index("<h2>Timetable</h2>")]
    assert "Participants&#39; handbook" in modules
    section = html[html.index('id="materials-heading"') :]
    assert "IOM glossary" in section
    assert "All materials of the course (4)" in section


def test_the_public_course_page_shows_only_the_public_ones(client, turin, stocked):
    html = page(client, "/courses/governing-2017")
    assert "Programme of the week" in html
    assert "Participants&#39; handbook" not in html and "Slides: local" not in html
    assert "All materials of the course (2)" in html


def test_a_course_without_materials_shows_no_section_to_the_public(client, turin):
    html = page(client, "/courses/governing-2017")
    assert 'id="materials-heading"' not in html
    login(client, turin.facilitator)
    html = page(client, "/courses/governing-2017")
    assert "Manage the materials" in html


# --- files and the ZIP --------------------------------------------------------------------------


def test_a_file_downloads_as_an_attachment(client, turin, stocked):
    login(client, turin.confirmed)
    handbook = stocked["handbook"]
    response = client.get(f"/courses/governing-2017/materials/{handbook.id}/file")
    assert response.status_code == 200
    assert response.data == HANDBOOK
    assert response.headers["Content-Disposition"] == 'attachment; filename="handbook.docx"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_a_link_has_no_file_and_another_course_s_material_is_not_found(
    client, turin, stocked, neighbour
):
    login(client, turin.admin)
    page(client, f"/courses/governing-2017/materials/{stocked['glossary'].id}/file", 404)
    theirs = db.session.scalar(
        sa.select(Material.id).where(Material.course_id == neighbour.course_id)
    )
    page(client, f"/courses/governing-2017/materials/{theirs}/file", 404)
    page(client, f"/courses/{neighbour.course.slug}/materials/{stocked['programme'].id}/file", 404)


def zip_names(client, path: str) -> dict[str, bytes]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_what_the_viewer_may_see_named_by_day_session_and_title(
    client, turin, stocked
):
    opening = turin.talks[0]
    tuesday = stocked["slides"].session
    login(client, turin.confirmed)
    files = zip_names(client, "/courses/governing-2017/materials.zip")
    # Times at the venue (Rome): 09:00 there is 08:00 UTC, the machine is in Auckland.
    assert set(files) == {
        f"2017-11-20/09.00 {opening.title}/Programme of the week.pdf",
        # ":" is not allowed in a Windows file name.
        f"2017-11-21/09.00 {tuesday.title.replace(':', '_')}/Slides_ local governance.png",
        "M1 Linking migration and local development/Participants' handbook.docx",
    }
    assert files[f"2017-11-20/09.00 {opening.title}/Programme of the week.pdf"] == pdf(
        "Programme of the week"
    )
    client.post("/logout")
    public = zip_names(client, "/courses/governing-2017/materials.zip")
    assert list(public) == [f"2017-11-20/09.00 {opening.title}/Programme of the week.pdf"]


def test_the_zip_keeps_same_titles_apart_and_titles_with_slashes_in_one_folder(client, turin):
    add(turin, "Reading 1/2", public=True)
    add(turin, "Reading 1/2", public=True)
    files = zip_names(client, "/courses/governing-2017/materials.zip")
    assert set(files) == {"Course/Reading 1-2.pdf", "Course/Reading 1-2 (2).pdf"}


def test_an_empty_zip_is_still_a_zip(client, turin):
    assert zip_names(client, "/courses/governing-2017/materials.zip") == {}


# --- the team's page ------------------------------------------------------------------------------


def test_a_facilitator_adds_a_file_from_the_page(client, turin, uploads):
    login(client, turin.facilitator)
    html = page(client, "/courses/governing-2017/materials/manage")
    assert "Add a material" in html
    session = turin.talks[3]
    assert f'value="session:{session.id}"' in html
    response = client.post(
        "/courses/governing-2017/materials/manage",
        data={
            "title": "Case study: Turin",
            "description": "Read before Wednesday",
            "place": f"session:{session.id}",
            "visibility": "public",
            "file": (io.BytesIO(pdf("Case")), "case.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    material = db.session.scalar(sa.select(Material).where(Material.title == "Case study: Turin"))
    assert response.headers["Location"].endswith(f"/materials/manage#material-{material.id}")
    assert material.session == session
    assert material.is_public
    assert material.created_by == turin.facilitator
    assert len(files_in(uploads)) == 1
    html = page(client, "/courses/governing-2017/materials/manage")
    assert "“Case study: Turin” was added." in html
    assert "Fatou Facilitator" in html


def test_a_bad_file_is_named_beside_the_field_and_nothing_is_kept(client, turin, uploads):
    login(client, turin.organiser)
    response = client.post(
        "/courses/governing-2017/materials/manage",
        data={
            "title": "Slides",
            "visibility": "participants",
            "file": (io.BytesIO(b"<html>x</html>"), "slides.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This file is an HTML page" in html
    assert 'id="file-errors"' in html
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Material)
            .where(Material.course_id == turin.course.id)
        )
        == 0
    )
    assert not uploads.exists() or files_in(uploads) == []


def test_edit_replace_and_delete_from_the_page(client, turin, stocked, uploads):
    login(client, turin.organiser)
    handbook = stocked["handbook"]
    old_key = handbook.file.storage_key
    html = page(client, f"/courses/governing-2017/materials/{handbook.id}/edit")
    assert "Replace the file" in html and "handbook.docx" in html
    assert 'name="url"' not in html
    response = client.post(
        f"/courses/governing-2017/materials/{handbook.id}/edit",
        data={
            "title": "Handbook 2017",
            "visibility": "public",
            "place": "",
            "file": (io.BytesIO(pdf("v2")), "handbook-v2.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    handbook = db.session.get(Material, handbook.id)
    assert (handbook.title, handbook.is_public, handbook.module) == ("Handbook 2017", True, None)
    assert handbook.file.filename == "handbook-v2.pdf"
    assert old_key not in [p.name for p in files_in(uploads)]
    file_id = handbook.file_id
    response = client.post(f"/courses/governing-2017/materials/{handbook.id}/delete")
    assert response.status_code == 302
    assert db.session.get(Material, handbook.id) is None
    assert db.session.get(StoredFile, file_id) is None
    assert len(files_in(uploads)) == 2  # the programme and the slides


def test_editing_a_link_shows_its_address(client, turin, stocked):
    login(client, turin.organiser)
    glossary = stocked["glossary"]
    html = page(client, f"/courses/governing-2017/materials/{glossary.id}/edit")
    assert 'value="https://www.iom.int/key-migration-terms"' in html
    assert 'type="file"' not in html
    response = client.post(
        f"/courses/governing-2017/materials/{glossary.id}/edit",
        data={"title": "Glossary", "visibility": "public", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 200
    assert "The link must be a web address" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Material, glossary.id).url == "https://www.iom.int/key-migration-terms"


def test_move_from_the_page(client, turin):
    first = add(turin, "First", url="https://example.org/1")
    second = add(turin, "Second", url="https://example.org/2")
    login(client, turin.organiser)
    response = client.post(
        f"/courses/governing-2017/materials/{second.id}/move", data={"direction": "up"}
    )
    assert response.status_code == 302
    html = page(client, "/courses/governing-2017/materials/manage")
    assert html.index(">Second<") < html.index(">First<")
    assert (
        client.post(
            f"/courses/governing-2017/materials/{first.id}/move", data={"direction": "left"}
        ).status_code
        == 400
    )


def test_the_nav_shows_materials_to_facilitators(client, turin):
    login(client, turin.facilitator)
    html = page(client, "/courses/governing-2017/materials/manage")
    start = html.index('class="manage-nav"')
    nav = html[start : html.index("</nav>", start)]
    assert re.search(r'href="/courses/governing-2017/materials/manage"\s+aria-current="page"', nav)
